{{ config(materialized='table') }}

{#-
    The load watermark, one row per load moment (distinct fct_events.loaded_at) at which it
    rises: watermark_at = the latest event time among all rows loaded so far, minus var
    journey__trigger_allowed_lateness. A window that ends at T is closed (complete) at the first
    load moment whose watermark is at or after T. A row whose event time is after its own load
    time (a clock running ahead) does not move the watermark, so it cannot close windows early;
    a row without loaded_at counts as loaded at its event time.
-#}
{%- set lateness_seconds = journey.trigger_settings().allowed_lateness_seconds -%}

with loads as (

    select
        coalesce(loaded_at, event_at) as loaded_at,
        -- a row stamped after its own load time (a clock running ahead) does not move it
        max(case when loaded_at is null or event_at <= loaded_at then event_at end) as max_event_at
    from {{ ref('fct_events') }}
    group by coalesce(loaded_at, event_at)

),

running as (

    select
        loaded_at,
        max(max_event_at) over (
            order by loaded_at rows between unbounded preceding and current row
        ) as running_max_event_at
    from loads

),

rises as (

    select
        loaded_at,
        running_max_event_at,
        lag(running_max_event_at) over (order by loaded_at) as previous_max_event_at
    from running

)

select
    loaded_at,
    {{ journey.funnel_timestamp_add_seconds('running_max_event_at', -lateness_seconds) }} as watermark_at
from rises
where
    running_max_event_at is not null
    and (previous_max_event_at is null or running_max_event_at > previous_max_event_at)
