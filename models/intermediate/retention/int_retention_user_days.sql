{{ config(materialized='table') }}

{#-
    One row per retention analysis, user and day with a start or a return event of the analysis
    (null event name = any event): the day's first start event and first and last return event,
    and the day, ISO week and month numbers of the day. Rolling windows are evaluated on these
    user-days, never on the events: a window is at least a day long, so the return events of a
    day fall in at most two consecutive windows, those of its first and last return.
-#}

with events as (

    select
        user_id,
        event_name,
        event_at,
        event_date
    from {{ ref('fct_events') }}

),

analysis_events as (

    select distinct
        analysis_name,
        start_event_name,
        return_event_name
    from {{ ref('int_retention_analyses') }}

),

matched_events as (

    select
        analysis_events.analysis_name,
        events.user_id,
        events.event_date,
        events.event_at,
        (
            analysis_events.start_event_name is null
            or events.event_name = analysis_events.start_event_name
        ) as is_start,
        (
            analysis_events.return_event_name is null
            or events.event_name = analysis_events.return_event_name
        ) as is_return
    from events
    inner join analysis_events
        on
            analysis_events.start_event_name is null
            or analysis_events.return_event_name is null
            or events.event_name in (analysis_events.start_event_name, analysis_events.return_event_name)

),

user_days as (

    select
        analysis_name,
        user_id,
        event_date,
        {{ journey.calendar_period_number('day', 'event_date') }}
            as day_number,
        {{ journey.calendar_period_number('week', 'event_date') }}
            as week_number,
        {{ journey.calendar_period_number('month', 'event_date') }}
            as month_number,
        min(case when is_start then event_at end) as first_start_at,
        min(case when is_return then event_at end) as first_return_at,
        max(case when is_return then event_at end) as last_return_at
    from matched_events
    group by 1, 2, 3

)

select * from user_days
