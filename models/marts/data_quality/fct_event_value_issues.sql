{#-
    One row per event of fct_events whose raw values staging could not use as sent: the kept
    copy of each event id (ranked as fct_events ranks duplicates) when it has value_issues,
    with every value as sent beside the value fct_events holds.
-#}
with canonical as (

    select * from {{ ref('int_events_canonical') }}

),

flagged_event_ids as (

    select distinct event_id
    from canonical
    where value_issues is not null

),

ranked as (

    -- every copy of a flagged event id, ranked as fct_events picks the copy it keeps
    select
        canonical.*,
        row_number() over (
            partition by canonical.event_id
            order by canonical.loaded_at asc nulls last, {{ journey.event_order('canonical.') }}
        ) as duplicate_rank
    from canonical
    inner join flagged_event_ids
        on canonical.event_id = flagged_event_ids.event_id

),

final as (

    select
        event_id,
        source_name,
        raw_event_name,
        event_name,
        event_at,
        value_issues,
        user_id_raw,
        user_id,
        anonymous_id_raw,
        anonymous_id,
        sequence_number_raw,
        sequence_number,
        revenue_raw,
        cast(revenue as {{ dbt.type_numeric() }}) as revenue,
        currency_raw,
        currency,
        properties_raw,
        properties,
        loaded_at_raw,
        loaded_at
    from ranked
    where duplicate_rank = 1 and value_issues is not null

)

select * from final
