{{ config(materialized='table') }}

{#-
    Cohort assignment: one row per retention analysis, period unit, cohort type, user and cohort
    period. first_time puts a user in the period of their first start event ever; recurring in
    every period in which they did the start event (Amplitude's "new" and "any" users). cohort_at
    is the user's first start event in the cohort period. The reach columns hold the last
    calendar period and rolling window with a return event, unbounded: they drive "on or after".
-#}

with user_days as (

    select * from {{ ref('int_retention_user_days') }}

),

cohort_series as (

    select distinct
        analysis_name,
        period_unit,
        cohort_type,
        window_seconds
    from {{ ref('int_retention_analyses') }}

),

first_starts as (

    select
        analysis_name,
        user_id,
        min(first_start_at) as cohort_at
    from user_days
    where first_start_at is not null
    group by 1, 2

),

start_days as (

    select
        analysis_name,
        user_id,
        first_start_at,
        day_number,
        week_number,
        month_number
    from user_days
    where first_start_at is not null

),

first_time_members as (

    select
        cohort_series.analysis_name,
        cohort_series.period_unit,
        cohort_series.cohort_type,
        cohort_series.window_seconds,
        first_starts.user_id,
        case cohort_series.period_unit
            {%- for unit in ['day', 'week', 'month'] %}
                when '{{ unit }}'
                    then {{ journey.calendar_period_number(unit, 'cast(first_starts.cohort_at as date)') }}
            {%- endfor %}
        end as cohort_period_number,
        first_starts.cohort_at
    from cohort_series
    inner join first_starts
        on cohort_series.analysis_name = first_starts.analysis_name
    where cohort_series.cohort_type = 'first_time'

),

recurring_members as (

    select
        cohort_series.analysis_name,
        cohort_series.period_unit,
        cohort_series.cohort_type,
        cohort_series.window_seconds,
        start_days.user_id,
        case cohort_series.period_unit
            when 'day' then start_days.day_number
            when 'week' then start_days.week_number
            when 'month' then start_days.month_number
        end as cohort_period_number,
        min(start_days.first_start_at) as cohort_at
    from cohort_series
    inner join start_days
        on cohort_series.analysis_name = start_days.analysis_name
    where cohort_series.cohort_type = 'recurring'
    group by 1, 2, 3, 4, 5, 6

),

members as (

    select * from first_time_members
    union all
    select * from recurring_members

),

last_returns as (

    select
        analysis_name,
        user_id,
        max(last_return_at) as last_return_at,
        max(day_number) as last_day_number,
        max(week_number) as last_week_number,
        max(month_number) as last_month_number
    from user_days
    where last_return_at is not null
    group by 1, 2

),

members_with_reach as (

    select
        members.analysis_name,
        members.period_unit,
        members.cohort_type,
        members.user_id,
        members.cohort_period_number,
        members.cohort_at,
        {{ journey.calendar_period_number('day', 'cast(members.cohort_at as date)') }}
            as cohort_day_number,
        greatest(
            coalesce(
                case members.period_unit
                    when 'day' then last_returns.last_day_number
                    when 'week' then last_returns.last_week_number
                    when 'month' then last_returns.last_month_number
                end - members.cohort_period_number,
                0
            ),
            0
        ) as calendar_reach,
        case
            when last_returns.last_return_at >= members.cohort_at
                then cast(floor(
                    {{ journey.seconds_between('members.cohort_at', 'last_returns.last_return_at') }}
                    / members.window_seconds
                ) as {{ dbt.type_bigint() }})
            else 0
        end as rolling_reach
    from members
    left join last_returns
        on
            members.analysis_name = last_returns.analysis_name
            and members.user_id = last_returns.user_id

)

select * from members_with_reach
