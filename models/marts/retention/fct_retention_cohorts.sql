{#-
    Cohort retention matrices of the analyses in var journey__retention_analyses.

    Cohorts: first_time puts a user in the period of their first start event ever (first seen
    when start_event is null); recurring puts a user in every period in which they did the
    start event (Amplitude's "new" and "any" users). cohort_at is the first start event of the
    user in the cohort period.

    Period n (n >= 1) of a member: calendar windows are whole calendar periods (day, ISO week,
    month) n periods after the cohort period; rolling windows are [cohort_at + n * W,
    cohort_at + (n + 1) * W) with W = 24 h, 7 x 24 h or 30 x 24 h. Period 0 holds the start
    event itself, so every member counts there. "on" counts members with a return event in
    period n; "on or after" members with one in period n or later (unbounded retention).

    Rolling windows are evaluated on user-days: a window is at least a day long, so the
    events of one calendar day fall in at most two consecutive windows, those of the day's
    first and last event. Only one row per user and day is joined, never the events.
-#}
{%- set plan = journey.retention_plan() -%}
{%- set filters = plan.filters -%}

with events as (

    select
        user_id,
        event_name,
        event_at,
        event_date
    from {{ ref('fct_events') }}

),

observation as (

    select max(event_at) as observed_until from events

),

numbers as (

    select generated_number - 1 as period_number
    from ({{ journey.integer_series(plan.max_horizon + 1) }}) as series

),

{{ journey.retention_config_cte(plan) }}
{{- journey.retention_user_days_ctes(plan) }}
{%- for analysis, unit, cohort_type in plan.combinations %}
    {{- journey.retention_member_ctes(analysis, unit, cohort_type, loop.index, filters) }}
    {{- journey.retention_hit_ctes(analysis, unit, loop.index, filters) }}
{%- endfor %}

{{ journey.retention_member_hit_unions(plan) }}

{{ journey.retention_grid_ctes(plan) }}

{{ journey.retention_count_ctes() }}

final as (

    select
        {{ dbt.concat([
            'open_grid.analysis_name', "'|'",
            'open_grid.cohort_type', "'|'",
            'open_grid.period_unit', "'|'",
            'open_grid.window_type', "'|'",
            dbt.cast('open_grid.cohort_start_date', dbt.type_string()), "'|'",
            dbt.cast('open_grid.period_number', dbt.type_string()),
        ]) }} as retention_id,
        open_grid.analysis_name,
        open_grid.start_event_name,
        open_grid.return_event_name,
        open_grid.cohort_type,
        open_grid.period_unit,
        open_grid.window_type,
        open_grid.cohort_start_date,
        cast(open_grid.period_number as {{ dbt.type_bigint() }}) as period_number,
        case
            when open_grid.window_type = 'calendar' then open_grid.period_start_date
        end as period_start_date,
        cast(open_grid.cohort_users as {{ dbt.type_bigint() }}) as cohort_users,
        cast(coalesce(retained.retained_users, 0) as {{ dbt.type_bigint() }}) as retained_users,
        cast(
            coalesce(retained_on_or_after.retained_on_or_after_users, 0) as {{ dbt.type_bigint() }}
        ) as retained_on_or_after_users,
        cast(
            coalesce(retained.retained_users, 0) * 1.0 / open_grid.cohort_users as {{ dbt.type_numeric() }}
        ) as retention_rate,
        cast(
            coalesce(retained_on_or_after.retained_on_or_after_users, 0) * 1.0 / open_grid.cohort_users
            as {{ dbt.type_numeric() }}
        ) as retention_on_or_after_rate,
        case
            when open_grid.window_type = 'calendar'
                then
                    cast(open_grid.next_period_start_date as {{ dbt.type_timestamp() }})
                    <= open_grid.observed_until
            else
                {{ journey.seconds_between('open_grid.last_cohort_at', 'open_grid.observed_until') }}
                >= (open_grid.period_number + 1) * open_grid.window_seconds
        end as is_period_complete
    from open_grid
    left join retained
        on
            open_grid.analysis_name = retained.analysis_name
            and open_grid.period_unit = retained.period_unit
            and open_grid.cohort_type = retained.cohort_type
            and open_grid.window_type = retained.window_type
            and open_grid.cohort_period_number = retained.cohort_period_number
            and open_grid.period_number = retained.period_number
    left join retained_on_or_after
        on
            open_grid.analysis_name = retained_on_or_after.analysis_name
            and open_grid.period_unit = retained_on_or_after.period_unit
            and open_grid.cohort_type = retained_on_or_after.cohort_type
            and open_grid.window_type = retained_on_or_after.window_type
            and open_grid.cohort_period_number = retained_on_or_after.cohort_period_number
            and open_grid.period_number = retained_on_or_after.period_number

)

select * from final
