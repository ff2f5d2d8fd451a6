{#-
    CTEs cohorts, grid, dated_grid and open_grid: cohort sizes, every cohort x period up to
    max_periods with the calendar dates it spans, and only the periods that have begun by the
    latest event (calendar: its first day; rolling: the cohort's first start + n windows).
-#}
{% macro retention_grid_ctes(plan) -%}
{%- set units = plan.units -%}
cohorts as (

    select
        analysis_name,
        period_unit,
        cohort_type,
        cohort_period_number,
        count(*) as cohort_users,
        min(cohort_at) as first_cohort_at,
        max(cohort_at) as last_cohort_at
    from members
    group by 1, 2, 3, 4

),

grid as (

    -- every cohort x period up to max_periods, with the calendar period numbers it spans
    select
        retention_config.analysis_name,
        retention_config.start_event_name,
        retention_config.return_event_name,
        cohorts.cohort_type,
        retention_config.period_unit,
        retention_config.window_type,
        retention_config.window_seconds,
        cohorts.cohort_period_number,
        numbers.period_number,
        cohorts.cohort_period_number + numbers.period_number as calendar_period_number,
        cohorts.cohort_users,
        cohorts.first_cohort_at,
        cohorts.last_cohort_at,
        observation.observed_until
    from cohorts
    inner join retention_config
        on cohorts.analysis_name = retention_config.analysis_name
        and cohorts.period_unit = retention_config.period_unit
    cross join numbers
    cross join observation
    where numbers.period_number <= retention_config.max_periods

),

dated_grid as (

    select
        *,
        case period_unit
            {%- for unit in units %}
                when '{{ unit }}' then {{ journey.calendar_period_start(unit, 'cohort_period_number') }}
            {%- endfor %}
        end as cohort_start_date,
        case period_unit
            {%- for unit in units %}
                when '{{ unit }}' then {{ journey.calendar_period_start(unit, 'calendar_period_number') }}
            {%- endfor %}
        end as period_start_date,
        case period_unit
            {%- for unit in units %}
                when '{{ unit }}' then {{ journey.calendar_period_start(unit, 'calendar_period_number + 1') }}
            {%- endfor %}
        end as next_period_start_date
    from grid

),

open_grid as (

    -- periods that have begun by the latest event
    select * from dated_grid
    where
        (window_type = 'calendar' and period_start_date <= cast(observed_until as date))
        or (
            window_type = 'rolling'
            and {{ journey.seconds_between('first_cohort_at', 'observed_until') }}
                >= period_number * window_seconds
        )

),
{%- endmacro %}
