{#-
    One row per retention analysis, period unit, cohort type, window type, cohort member (user
    and cohort period) and period number from 0 to max_periods in which the member returned.
    Period 0 holds the start event itself, so every member has it. Calendar windows: period n is
    calendar period cohort period + n (days, ISO weeks, months). Rolling windows: period n is
    [cohort_at + n W, cohort_at + (n + 1) W), W = window_seconds; a return day counts in the
    windows of its first and last return event.
-#}

with members as (

    select * from {{ ref('int_retention_cohort_members') }}

),

return_days as (

    select
        analysis_name,
        user_id,
        day_number,
        week_number,
        month_number,
        first_return_at,
        last_return_at
    from {{ ref('int_retention_user_days') }}
    where last_return_at is not null

),

member_series as (

    select
        members.analysis_name,
        members.period_unit,
        members.cohort_type,
        series.window_type,
        series.max_periods,
        series.window_seconds,
        members.user_id,
        members.cohort_period_number,
        members.cohort_day_number,
        members.cohort_at
    from members
    inner join {{ ref('int_retention_analyses') }} as series
        on
            members.analysis_name = series.analysis_name
            and members.period_unit = series.period_unit
            and members.cohort_type = series.cohort_type

),

calendar_returns as (

    select
        member_series.analysis_name,
        member_series.period_unit,
        member_series.cohort_type,
        member_series.window_type,
        member_series.user_id,
        member_series.cohort_period_number,
        member_series.max_periods,
        case member_series.period_unit
            when 'day' then return_days.day_number
            when 'week' then return_days.week_number
            when 'month' then return_days.month_number
        end - member_series.cohort_period_number as period_number
    from member_series
    inner join return_days
        on
            member_series.analysis_name = return_days.analysis_name
            and member_series.user_id = return_days.user_id
    where member_series.window_type = 'calendar'

),

rolling_returns as (

    -- the windows of the first and the last return event of each return day
    select
        member_series.analysis_name,
        member_series.period_unit,
        member_series.cohort_type,
        member_series.window_type,
        member_series.user_id,
        member_series.cohort_period_number,
        case
            when return_days.first_return_at >= member_series.cohort_at
                then cast(floor(
                    {{ journey.seconds_between('member_series.cohort_at', 'return_days.first_return_at') }}
                    / member_series.window_seconds
                ) as {{ dbt.type_bigint() }})
        end as first_period_number,
        cast(floor(
            {{ journey.seconds_between('member_series.cohort_at', 'return_days.last_return_at') }}
            / member_series.window_seconds
        ) as {{ dbt.type_bigint() }}) as last_period_number,
        member_series.max_periods
    from member_series
    inner join return_days
        on
            member_series.analysis_name = return_days.analysis_name
            and member_series.user_id = return_days.user_id
    where
        member_series.window_type = 'rolling'
        and return_days.last_return_at >= member_series.cohort_at
        and return_days.day_number
        <= member_series.cohort_day_number
        + (member_series.max_periods + 1) * (member_series.window_seconds / 86400)

),

member_returns as (

    select
        analysis_name,
        period_unit,
        cohort_type,
        window_type,
        user_id,
        cohort_period_number,
        0 as period_number
    from member_series
    union distinct
    select
        analysis_name,
        period_unit,
        cohort_type,
        window_type,
        user_id,
        cohort_period_number,
        period_number
    from calendar_returns
    where period_number between 1 and max_periods
    union distinct
    select
        analysis_name,
        period_unit,
        cohort_type,
        window_type,
        user_id,
        cohort_period_number,
        first_period_number as period_number
    from rolling_returns
    where first_period_number between 1 and max_periods
    union distinct
    select
        analysis_name,
        period_unit,
        cohort_type,
        window_type,
        user_id,
        cohort_period_number,
        last_period_number as period_number
    from rolling_returns
    where last_period_number between 1 and max_periods

)

select * from member_returns
