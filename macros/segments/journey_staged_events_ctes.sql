{#-
    The CTEs both journey-stage marts start from: events (fct_events), as_of (the as-of date,
    journey.segments_as_of_date) and staged, one row per event that has a journey stage on or
    before the as-of date, with its stage rank (1 aware .. 5 advocate) and its ISO week start.
    Emitted without a leading `with` and without a trailing comma.
-#}
{% macro journey_staged_events_ctes() -%}
events as (

    select * from {{ ref('fct_events') }}

),

as_of as (

    select {{ journey.segments_as_of_date() }} as as_of_date

),

staged as (

    select
        events.user_id,
        events.event_id,
        events.event_at,
        events.sequence_number,
        {{ journey.segment_period_start('events.event_date', 'week') }} as week_start_date,
        {{ journey.journey_stage_rank('events.journey_stage') }} as stage_rank
    from events
    cross join as_of
    where
        events.journey_stage is not null
        and events.event_date <= as_of.as_of_date

)
{%- endmacro %}
