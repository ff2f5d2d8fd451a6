{#-
    The denominators: one row per retention analysis, period unit, cohort type, window type,
    cohort and period number n from 0 to max_periods that has begun by the latest event
    (calendar: its first day; rolling: the cohort's first start + n windows), with the cohort's
    size, its first and last start, and the calendar dates period n spans.
-#}

with members as (

    select * from {{ ref('int_retention_cohort_members') }}

),

observation as (

    select max(event_at) as observed_until from {{ ref('fct_events') }}

),

numbers as (

    -- 0..1000, the largest max_periods journey.retention_analyses accepts
    select generated_number - 1 as period_number
    from ({{ journey.integer_series(1001) }}) as series

),

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
        series.analysis_name,
        series.start_event_name,
        series.return_event_name,
        cohorts.cohort_type,
        series.period_unit,
        series.window_type,
        series.window_seconds,
        cohorts.cohort_period_number,
        numbers.period_number,
        cohorts.cohort_users,
        cohorts.first_cohort_at,
        cohorts.last_cohort_at,
        observation.observed_until,
        cohorts.cohort_period_number + numbers.period_number as calendar_period_number
    from cohorts
    inner join {{ ref('int_retention_analyses') }} as series
        on
            cohorts.analysis_name = series.analysis_name
            and cohorts.period_unit = series.period_unit
            and cohorts.cohort_type = series.cohort_type
    inner join numbers
        on series.max_periods >= numbers.period_number
    cross join observation

),

dated_grid as (

    select
        *,
        case period_unit
            {%- for unit in ['day', 'week', 'month'] %}
                when '{{ unit }}' then {{ journey.calendar_period_start(unit, 'cohort_period_number') }}
            {%- endfor %}
        end as cohort_start_date,
        case period_unit
            {%- for unit in ['day', 'week', 'month'] %}
                when '{{ unit }}' then {{ journey.calendar_period_start(unit, 'calendar_period_number') }}
            {%- endfor %}
        end as period_start_date,
        case period_unit
            {%- for unit in ['day', 'week', 'month'] %}
                when '{{ unit }}' then {{ journey.calendar_period_start(unit, 'calendar_period_number + 1') }}
            {%- endfor %}
        end as next_period_start_date
    from grid

),

open_periods as (

    -- periods that have begun by the latest event
    select * from dated_grid
    where
        (window_type = 'calendar' and period_start_date <= cast(observed_until as date))
        or (
            window_type = 'rolling'
            and {{ journey.seconds_between('first_cohort_at', 'observed_until') }}
            >= period_number * window_seconds
        )

)

select * from open_periods
