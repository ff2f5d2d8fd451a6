{#-
    CTEs calendar_hits_<i>, rolling_returns_<i> and rolling_hits_<i> of one combination: the
    periods 1..max_periods in which each member returned, by calendar period and by rolling window
    (a user-day falls in the windows of its first and last return event).
-#}
{% macro retention_hit_ctes(analysis, unit, index, filters) -%}
{%- set i = index -%}
{%- set return_days = 'user_days_' ~ (filters.index(analysis.return_event) + 1) %}
{%- set max_n = analysis.max_periods[unit] %}
{%- set window_seconds = journey.rolling_window_seconds(unit) %}    {%- if 'calendar' in analysis.window_types %}

        calendar_hits_{{ i }} as (

            select
                members.user_id,
                members.cohort_period_number,
                return_days.{{ unit }}_number - members.cohort_period_number as period_number
            from members_{{ i }} as members
            inner join {{ return_days }} as return_days
                on members.user_id = return_days.user_id
            where
                return_days.{{ unit }}_number > members.cohort_period_number
                and return_days.{{ unit }}_number <= members.cohort_period_number + {{ max_n }}

        ),
    {%- endif %}
    {%- if 'rolling' in analysis.window_types %}

        rolling_returns_{{ i }} as (

            -- the windows of the first and the last return event of each user-day
            select
                members.user_id,
                members.cohort_period_number,
                case
                    when return_days.first_at >= members.cohort_at
                        then cast(floor(
                            {{ journey.seconds_between('members.cohort_at', 'return_days.first_at') }}
                            / {{ window_seconds }}
                        ) as {{ dbt.type_bigint() }})
                end as first_period_number,
                cast(floor(
                    {{ journey.seconds_between('members.cohort_at', 'return_days.last_at') }}
                    / {{ window_seconds }}
                ) as {{ dbt.type_bigint() }}) as last_period_number
            from members_{{ i }} as members
            inner join {{ return_days }} as return_days
                on members.user_id = return_days.user_id
            where
                return_days.last_at >= members.cohort_at
                and return_days.day_number
                <= members.cohort_day_number + {{ (max_n + 1) * (window_seconds // 86400) }}

        ),

        rolling_hits_{{ i }} as (

            select
                user_id,
                cohort_period_number,
                first_period_number as period_number
            from rolling_returns_{{ i }}
            where first_period_number between 1 and {{ max_n }}
            union all
            select
                user_id,
                cohort_period_number,
                last_period_number as period_number
            from rolling_returns_{{ i }}
            where last_period_number between 1 and {{ max_n }}

        ),
    {%- endif %}
{%- endmacro %}
