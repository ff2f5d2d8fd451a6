{#-
    The series of var journey__retention_analyses: one row per analysis, period unit, cohort
    type and window type, with the analysis's events, its number of periods for the unit and the
    length of a rolling window. No rows when no analysis is declared.
-#}
{%- set null_string = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}

with declared_series as (

    {%- for analysis in journey.retention_analyses() %}
        {%- set outer_loop = loop %}
        {%- for unit in analysis.period_units %}
            {%- set unit_loop = loop %}
            {%- for cohort_type in analysis.cohort_types %}
                {%- set cohort_loop = loop %}
                {%- for window_type in analysis.window_types %}
                    select
                        '{{ analysis.name }}' as analysis_name,
                        {{ "'" ~ analysis.start_event ~ "'" if analysis.start_event else null_string }}
                            as start_event_name,
                        {{ "'" ~ analysis.return_event ~ "'" if analysis.return_event else null_string }}
                            as return_event_name,
                        '{{ unit }}' as period_unit,
                        '{{ cohort_type }}' as cohort_type,
                        '{{ window_type }}' as window_type,
                        {{ analysis.max_periods[unit] }} as max_periods,
                        {{ journey.rolling_window_seconds(unit) }} as window_seconds
                    {%- if not (outer_loop.last and unit_loop.last and cohort_loop.last and loop.last) %}
                        union all
                    {%- endif %}
                {%- endfor %}
            {%- endfor %}
        {%- endfor %}
    {%- else %}
        -- no analysis declared: no rows
        select
            {{ null_string }} as analysis_name,
            {{ null_string }} as start_event_name,
            {{ null_string }} as return_event_name,
            {{ null_string }} as period_unit,
            {{ null_string }} as cohort_type,
            {{ null_string }} as window_type,
            0 as max_periods,
            0 as window_seconds
        from (select 1 as placeholder) as no_analysis
        where 1 = 0
    {%- endfor %}

)

select * from declared_series
