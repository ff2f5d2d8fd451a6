{#-
    One row per event of fct_events whose raw values staging could not use as sent: the kept
    copy of each event id (ranked as fct_events ranks duplicates) when it has value_issues,
    with every value as sent beside the value fct_events holds. Only events fct_events holds
    are listed (whatever else it leaves out, e.g. erased identities, stays out here too).
-#}
with canonical as (

    select * from {{ ref('int_events_canonical') }}

),

flagged_events as (

    -- fct_events keeps one copy of each event id, with that copy's value_issues: the events to
    -- list (read from the table, so the raw files are parsed once, below)
    select event_id from {{ ref('fct_events') }}
    where value_issues is not null

),

ranked as (

    -- every copy of a flagged event id, ranked as fct_events picks the copy it keeps
    select
        canonical.*,
        {{ journey.duplicate_rank('canonical.') }} as duplicate_rank
    from canonical
    inner join flagged_events
        on canonical.event_id = flagged_events.event_id

),

final as (

    select
        ranked.event_id,
        ranked.source_name,
        ranked.raw_event_name,
        ranked.event_name,
        ranked.event_at,
        ranked.value_issues,
        ranked.user_id_raw,
        ranked.user_id,
        ranked.anonymous_id_raw,
        ranked.anonymous_id,
        ranked.sequence_number_raw,
        ranked.sequence_number,
        ranked.revenue_raw,
        cast(ranked.revenue as {{ dbt.type_numeric() }}) as revenue,
        ranked.currency_raw,
        ranked.currency,
        ranked.properties_raw,
        ranked.properties,
        ranked.loaded_at_raw,
        ranked.loaded_at
    from ranked
    where ranked.duplicate_rank = 1 and ranked.value_issues is not null

)

select * from final
