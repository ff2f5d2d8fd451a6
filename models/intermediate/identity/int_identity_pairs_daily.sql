{{
    config(
        materialized='incremental',
        incremental_strategy=journey.incremental_strategy(),
        unique_key=['anonymous_id', 'user_id', 'seen_date'],
        on_schema_change='fail',
    )
}}

{%- set lookback_days = (var('journey__lookback_hours') / 24) | round(0, 'ceil') | int -%}

{#- Each day an anonymous id was seen with a user id: the evidence identity stitching uses. -#}
with events as (

    select * from {{ ref('int_events_canonical') }}
    where
        anonymous_id is not null
        and user_id is not null
    {% if journey.is_incremental_run() %}
        and cast(event_at as date) >= (
            select cast({{ dbt.dateadd('day', -1 * lookback_days, 'max(seen_date)') }} as date)
            from {{ this }}
        )
    {% endif %}

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
