{#-
    What fct_retention_cohorts computes for var journey__retention_analyses: the validated analyses,
    the period units, the distinct event filters (start and return events; none = any event), one
    config row per (analysis, unit, window type), one combination per (analysis, unit, cohort type)
    and the largest number of periods asked for.
-#}
{% macro retention_plan() -%}
{%- set analyses = journey.retention_analyses() -%}
{%- set units = ['day', 'week', 'month'] -%}
{%- set filters = [] -%}
{%- set config_rows = [] -%}
{%- set combinations = [] -%}
{%- set max_horizon = [1] -%}
{%- for analysis in analyses -%}
    {%- for event in [analysis.start_event, analysis.return_event] -%}
        {%- if event not in filters -%}
            {%- do filters.append(event) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for unit in analysis.period_units -%}
        {%- do max_horizon.append(analysis.max_periods[unit]) -%}
        {%- for window_type in analysis.window_types -%}
            {%- do config_rows.append((analysis, unit, window_type)) -%}
        {%- endfor -%}
        {%- for cohort_type in analysis.cohort_types -%}
            {%- do combinations.append((analysis, unit, cohort_type)) -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endfor -%}
{{ return({
    'analyses': analyses,
    'units': units,
    'filters': filters,
    'config_rows': config_rows,
    'combinations': combinations,
    'max_horizon': max_horizon | max,
}) }}
{%- endmacro %}
