{#-
    CTEs members and hits: the per-combination members and return periods in one relation each,
    keyed by analysis, unit and cohort type (and window type for hits; period 0 is the start
    event itself, so every member counts there). No rows when no analysis is configured.
-#}
{% macro retention_member_hit_unions(plan) -%}
{%- set combinations = plan.combinations -%}
{%- set null_string = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}
members as (

    {%- for analysis, unit, cohort_type in combinations %}
        select
            '{{ analysis.name }}' as analysis_name,
            '{{ unit }}' as period_unit,
            '{{ cohort_type }}' as cohort_type,
            user_id,
            cohort_period_number,
            cohort_at,
            calendar_reach,
            rolling_reach
        from reach_{{ loop.index }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- else %}
        -- no analysis configured: no rows
        select
            {{ null_string }} as analysis_name,
            {{ null_string }} as period_unit,
            {{ null_string }} as cohort_type,
            {{ null_string }} as user_id,
            0 as cohort_period_number,
            observed_until as cohort_at,
            0 as calendar_reach,
            0 as rolling_reach
        from observation
        where 1 = 0
    {%- endfor %}

),

hits as (

    -- (member, period) pairs with a return; period 0 is the start event itself
    {%- for analysis, unit, cohort_type in combinations %}
        {%- set outer_loop = loop %}
        {%- for window_type in analysis.window_types %}
            select
                '{{ analysis.name }}' as analysis_name,
                '{{ unit }}' as period_unit,
                '{{ cohort_type }}' as cohort_type,
                '{{ window_type }}' as window_type,
                user_id,
                cohort_period_number,
                0 as period_number
            from members_{{ outer_loop.index }}
            union all
            select
                '{{ analysis.name }}' as analysis_name,
                '{{ unit }}' as period_unit,
                '{{ cohort_type }}' as cohort_type,
                '{{ window_type }}' as window_type,
                user_id,
                cohort_period_number,
                period_number
            from {{ window_type }}_hits_{{ outer_loop.index }}
            {%- if not (outer_loop.last and loop.last) %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- else %}
        select
            analysis_name,
            period_unit,
            cohort_type,
            {{ null_string }} as window_type,
            user_id,
            cohort_period_number,
            0 as period_number
        from members
    {%- endfor %}

),
{%- endmacro %}
