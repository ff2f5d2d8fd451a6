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

return_periods as (

    -- the calendar periods of each unit with a return
    select distinct
        analysis_name,
        user_id,
        'day' as period_unit,
        day_number as return_period_number
    from return_days
    union all
    select distinct
        analysis_name,
        user_id,
        'week' as period_unit,
        week_number as return_period_number
    from return_days
    union all
    select distinct
        analysis_name,
        user_id,
        'month' as period_unit,
        month_number as return_period_number
    from return_days

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

calendar_hits as (

    select
        member_series.analysis_name,
        member_series.period_unit,
        member_series.cohort_type,
        member_series.window_type,
        member_series.user_id,
        member_series.cohort_period_number,
        return_periods.return_period_number - member_series.cohort_period_number as period_number
    from member_series
    inner join return_periods
        on
            member_series.analysis_name = return_periods.analysis_name
            and member_series.user_id = return_periods.user_id
            and member_series.period_unit = return_periods.period_unit
    where
        member_series.window_type = 'calendar'
        and return_periods.return_period_number > member_series.cohort_period_number
        and return_periods.return_period_number
        <= member_series.cohort_period_number + member_series.max_periods

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

rolling_hits as (

    select distinct
        analysis_name,
        period_unit,
        cohort_type,
        window_type,
        user_id,
        cohort_period_number,
        period_number
    from (
        select
            analysis_name,
            period_unit,
            cohort_type,
            window_type,
            user_id,
            cohort_period_number,
            max_periods,
            first_period_number as period_number
        from rolling_returns
        union all
        select
            analysis_name,
            period_unit,
            cohort_type,
            window_type,
            user_id,
            cohort_period_number,
            max_periods,
            last_period_number as period_number
        from rolling_returns
    ) as return_windows
    where period_number between 1 and max_periods

),

member_returns as (

    -- period 0 is the start event itself
    select
        analysis_name,
        period_unit,
        cohort_type,
        window_type,
        user_id,
        cohort_period_number,
        0 as period_number
    from member_series
    union all
    select * from calendar_hits
    union all
    select * from rolling_hits

)

select * from member_returns
