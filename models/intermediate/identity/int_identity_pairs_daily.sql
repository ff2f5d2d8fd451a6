{{ config(materialized='table') }}

{#-
    Each day an anonymous id was seen with a user id: the evidence identity stitching uses.
    Rebuilt from every event on each run (a narrow scan of the identified events), so an identify
    that arrives weeks late stitches the device's whole history, and erased people leave no pair.
-#}

with events as (

    select
        anonymous_id,
        user_id,
        event_at
    from {{ ref('int_events_canonical') }}
    where
        anonymous_id is not null
        and user_id is not null
        and {{ journey.is_not_erased('user_id', 'anonymous_id') }}

),

pairs as (

    select
        anonymous_id,
        user_id,
        cast({{ dbt.date_trunc('day', 'event_at') }} as date) as seen_date,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at,
        count(*) as event_count
    from events
    group by 1, 2, 3

)

select * from pairs
