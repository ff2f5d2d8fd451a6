{#-
    CTEs retained, reach_counts and retained_on_or_after: members with a return in each period
    ("on") and members whose last return is in that period or later ("on or after").
-#}
{% macro retention_count_ctes() -%}
retained as (

    select
        analysis_name,
        period_unit,
        cohort_type,
        window_type,
        cohort_period_number,
        period_number,
        count(distinct user_id) as retained_users
    from hits
    group by 1, 2, 3, 4, 5, 6

),

reach_counts as (

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
        open_grid.analysis_name,
        open_grid.period_unit,
        open_grid.cohort_type,
        open_grid.window_type,
        open_grid.cohort_period_number,
        open_grid.period_number,
        sum(reach_counts.user_count) as retained_on_or_after_users
    from open_grid
    inner join reach_counts
        on open_grid.analysis_name = reach_counts.analysis_name
        and open_grid.period_unit = reach_counts.period_unit
        and open_grid.cohort_type = reach_counts.cohort_type
        and open_grid.window_type = reach_counts.window_type
        and open_grid.cohort_period_number = reach_counts.cohort_period_number
        and open_grid.period_number <= reach_counts.reach_period_number
    group by 1, 2, 3, 4, 5, 6

),
{%- endmacro %}
