{#-
    CTEs cohort_starts_<i>, members_<i> and reach_<i> of one (analysis, unit, cohort type)
    combination: the members with their cohort period and start time (first_time: the first start
    event ever; recurring: every period with one), and the last calendar period and rolling
    window in which each returned (unbounded: drives "on or after").
-#}
{% macro retention_member_ctes(analysis, unit, cohort_type, index, filters) -%}
{%- set i = index -%}
{%- set starts = 'user_days_' ~ (filters.index(analysis.start_event) + 1) %}
{%- set last_returns = 'last_returns_' ~ (filters.index(analysis.return_event) + 1) %}
{%- set window_seconds = journey.rolling_window_seconds(unit) %}

    -- {{ analysis.name }}: {{ cohort_type }} cohorts by {{ unit }}
    {%- if cohort_type == 'first_time' %}
        cohort_starts_{{ i }} as (

            select
                user_id,
                min(first_at) as cohort_at
            from {{ starts }}
            group by 1

        ),

        members_{{ i }} as (

            select
                user_id,
                cohort_at,
                {{ journey.calendar_period_number(unit, 'cast(cohort_at as date)') }}
                    as cohort_period_number,
                {{ journey.calendar_period_number('day', 'cast(cohort_at as date)') }}
                    as cohort_day_number
            from cohort_starts_{{ i }}

        ),
    {%- else %}
        cohort_starts_{{ i }} as (

            select
                user_id,
                {{ unit }}_number as cohort_period_number,
                min(first_at) as cohort_at
            from {{ starts }}
            group by 1, 2

        ),

        members_{{ i }} as (

            select
                user_id,
                cohort_at,
                cohort_period_number,
                {{ journey.calendar_period_number('day', 'cast(cohort_at as date)') }}
                    as cohort_day_number
            from cohort_starts_{{ i }}

        ),
    {%- endif %}

    reach_{{ i }} as (

        -- the last period with a return event, unbounded: drives "on or after"
        select
            members.user_id,
            members.cohort_period_number,
            members.cohort_at,
            greatest(
                coalesce(last_returns.last_{{ unit }}_number - members.cohort_period_number, 0), 0
            ) as calendar_reach,
            case
                when last_returns.last_at >= members.cohort_at
                    then cast(floor(
                        {{ journey.seconds_between('members.cohort_at', 'last_returns.last_at') }}
                        / {{ window_seconds }}
                    ) as {{ dbt.type_bigint() }})
                else 0
            end as rolling_reach
        from members_{{ i }} as members
        left join {{ last_returns }} as last_returns
            on members.user_id = last_returns.user_id

    ),
{%- endmacro %}
