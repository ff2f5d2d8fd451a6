{#-
    Cohort retention matrices of the analyses in var journey__retention_analyses, from the
    intermediate steps in models/intermediate/retention: the series of each analysis
    (int_retention_analyses), its user-days (int_retention_user_days), cohort members
    (int_retention_cohort_members), their returns per period (int_retention_member_returns) and
    the cohorts' open periods (int_retention_cohort_periods). Here: "on" counts members with a
    return in period n, "on or after" members whose last return is in period n or later
    (unbounded retention), the rates and whether the period is complete.
-#}

with cohort_periods as (

    select * from {{ ref('int_retention_cohort_periods') }}

),

member_returns as (

    select * from {{ ref('int_retention_member_returns') }}

),

members as (

    select * from {{ ref('int_retention_cohort_members') }}

),

retained as (

    select
        analysis_name,
        period_unit,
        cohort_type,
        window_type,
        cohort_period_number,
        period_number,
        count(*) as retained_users
    from member_returns
    group by 1, 2, 3, 4, 5, 6

),

reach_counts as (

    -- members by the last period in which they returned (unbounded)
    select
        analysis_name,
        period_unit,
        cohort_type,
        'calendar' as window_type,
        cohort_period_number,
        calendar_reach as reach_period_number,
        count(*) as user_count
    from members
    group by 1, 2, 3, 4, 5, 6
    union all
    select
        analysis_name,
        period_unit,
        cohort_type,
        'rolling' as window_type,
        cohort_period_number,
        rolling_reach as reach_period_number,
        count(*) as user_count
    from members
    group by 1, 2, 3, 4, 5, 6

),

retained_on_or_after as (

    select
        cohort_periods.analysis_name,
        cohort_periods.period_unit,
        cohort_periods.cohort_type,
        cohort_periods.window_type,
        cohort_periods.cohort_period_number,
        cohort_periods.period_number,
        sum(reach_counts.user_count) as retained_on_or_after_users
    from cohort_periods
    inner join reach_counts
        on
            cohort_periods.analysis_name = reach_counts.analysis_name
            and cohort_periods.period_unit = reach_counts.period_unit
            and cohort_periods.cohort_type = reach_counts.cohort_type
            and cohort_periods.window_type = reach_counts.window_type
            and cohort_periods.cohort_period_number = reach_counts.cohort_period_number
            and cohort_periods.period_number <= reach_counts.reach_period_number
    group by 1, 2, 3, 4, 5, 6

),

final as (

    select
        {{ dbt.concat([
            'cohort_periods.analysis_name', "'|'",
            'cohort_periods.cohort_type', "'|'",
            'cohort_periods.period_unit', "'|'",
            'cohort_periods.window_type', "'|'",
            dbt.cast('cohort_periods.cohort_start_date', dbt.type_string()), "'|'",
            dbt.cast('cohort_periods.period_number', dbt.type_string()),
        ]) }} as retention_id,
        cohort_periods.analysis_name,
        cohort_periods.start_event_name,
        cohort_periods.return_event_name,
        cohort_periods.cohort_type,
        cohort_periods.period_unit,
        cohort_periods.window_type,
        cohort_periods.cohort_start_date,
        cast(cohort_periods.period_number as {{ dbt.type_bigint() }}) as period_number,
        case
            when cohort_periods.window_type = 'calendar' then cohort_periods.period_start_date
        end as period_start_date,
        cast(cohort_periods.cohort_users as {{ dbt.type_bigint() }}) as cohort_users,
        cast(coalesce(retained.retained_users, 0) as {{ dbt.type_bigint() }}) as retained_users,
        cast(
            coalesce(retained_on_or_after.retained_on_or_after_users, 0) as {{ dbt.type_bigint() }}
        ) as retained_on_or_after_users,
        cast(
            coalesce(retained.retained_users, 0) * 1.0 / cohort_periods.cohort_users as {{ dbt.type_numeric() }}
        ) as retention_rate,
        cast(
            coalesce(retained_on_or_after.retained_on_or_after_users, 0) * 1.0 / cohort_periods.cohort_users
            as {{ dbt.type_numeric() }}
        ) as retention_on_or_after_rate,
        case
            when cohort_periods.window_type = 'calendar'
                then
                    cast(cohort_periods.next_period_start_date as {{ dbt.type_timestamp() }})
                    <= cohort_periods.observed_until
            else
                {{ journey.seconds_between('cohort_periods.last_cohort_at', 'cohort_periods.observed_until') }}
                >= (cohort_periods.period_number + 1) * cohort_periods.window_seconds
        end as is_period_complete
    from cohort_periods
    left join retained
        on
            cohort_periods.analysis_name = retained.analysis_name
            and cohort_periods.period_unit = retained.period_unit
            and cohort_periods.cohort_type = retained.cohort_type
            and cohort_periods.window_type = retained.window_type
            and cohort_periods.cohort_period_number = retained.cohort_period_number
            and cohort_periods.period_number = retained.period_number
    left join retained_on_or_after
        on
            cohort_periods.analysis_name = retained_on_or_after.analysis_name
            and cohort_periods.period_unit = retained_on_or_after.period_unit
            and cohort_periods.cohort_type = retained_on_or_after.cohort_type
            and cohort_periods.window_type = retained_on_or_after.window_type
            and cohort_periods.cohort_period_number = retained_on_or_after.cohort_period_number
            and cohort_periods.period_number = retained_on_or_after.period_number

)

select * from final
