{#-
    The retention curve of each analysis, cohort type, period unit and window type: period n
    pooled over the cohorts whose period n is complete, so young cohorts do not drag the
    latest points down.
-#}
with cohorts as (

    select * from {{ ref('fct_retention_cohorts') }}

),

pooled as (

    select
        analysis_name,
        start_event_name,
        return_event_name,
        cohort_type,
        period_unit,
        window_type,
        period_number,
        count(*) as cohort_count,
        sum(cohort_users) as cohort_users,
        sum(retained_users) as retained_users,
        sum(retained_on_or_after_users) as retained_on_or_after_users
    from cohorts
    where is_period_complete
    group by 1, 2, 3, 4, 5, 6, 7

),

final as (

    select
        {{ dbt.concat([
            'analysis_name', "'|'", 'cohort_type', "'|'", 'period_unit', "'|'", 'window_type', "'|'",
            dbt.cast('period_number', dbt.type_string()),
        ]) }} as retention_curve_id,
        analysis_name,
        start_event_name,
        return_event_name,
        cohort_type,
        period_unit,
        window_type,
        cast(period_number as {{ dbt.type_bigint() }}) as period_number,
        cast(cohort_count as {{ dbt.type_bigint() }}) as cohort_count,
        cast(cohort_users as {{ dbt.type_bigint() }}) as cohort_users,
        cast(retained_users as {{ dbt.type_bigint() }}) as retained_users,
        cast(retained_on_or_after_users as {{ dbt.type_bigint() }}) as retained_on_or_after_users,
        cast(retained_users * 1.0 / cohort_users as {{ dbt.type_numeric() }}) as retention_rate,
        cast(retained_on_or_after_users * 1.0 / cohort_users as {{ dbt.type_numeric() }}) as retention_on_or_after_rate
    from pooled

)

select * from final
