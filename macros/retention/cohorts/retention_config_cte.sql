{#-
    CTE retention_config: one row per (analysis, period unit, window type) with its events, its
    number of periods and its rolling window length; no rows when no analysis is configured.
-#}
{% macro retention_config_cte(plan) -%}
{%- set config_rows = plan.config_rows -%}
{%- set null_string = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}
retention_config as (

    {%- for analysis, unit, window_type in config_rows %}
        select
            '{{ analysis.name }}' as analysis_name,
            {{ "'" ~ analysis.start_event ~ "'" if analysis.start_event else null_string }} as start_event_name,
            {{ "'" ~ analysis.return_event ~ "'" if analysis.return_event else null_string }} as return_event_name,
            '{{ unit }}' as period_unit,
            '{{ window_type }}' as window_type,
            {{ analysis.max_periods[unit] }} as max_periods,
            {{ journey.rolling_window_seconds(unit) }} as window_seconds
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- else %}
        -- no analysis configured: no rows
        select
            {{ null_string }} as analysis_name,
            {{ null_string }} as start_event_name,
            {{ null_string }} as return_event_name,
            {{ null_string }} as period_unit,
            {{ null_string }} as window_type,
            0 as max_periods,
            0 as window_seconds
        from observation
        where 1 = 0
    {%- endfor %}

),
{%- endmacro %}
