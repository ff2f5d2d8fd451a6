{#- One row per raw event name the taxonomy seed does not map, with its volume. -#}
with events as (

    select * from {{ ref('fct_events') }}
    where not is_mapped_event

),

final as (

    select
        source_name,
        raw_event_name,
        event_name as normalized_event_name,
        cast(count(*) as {{ dbt.type_bigint() }}) as event_count,
        cast(count(distinct user_id) as {{ dbt.type_bigint() }}) as user_count,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at
    from events
    group by 1, 2, 3

)

select * from final
