{#-
    One row per raw row that is not in fct_events, with the reason: invalid rows (no
    timestamp, unparseable or implausible timestamp, no identity, no name or id) and the
    extra copies of duplicated event ids. Rows of erased people (int_erased_identities) are
    left out here too. Raw rows = fct_events rows + these rows + erased rows.
    value_issues lists the row's other values that staging could not use as sent.
-#}
{#- identities as sent: the raw text where staging keeps it (generic source), else the column -#}
{%- set row_columns = [
    'source_name', 'event_id', 'raw_event_name', 'event_timestamp_raw',
    'coalesce(user_id_raw, user_id) as user_id',
    'coalesce(anonymous_id_raw, anonymous_id) as anonymous_id', 'loaded_at', 'value_issues',
] -%}

with validated as (

    select * from {{ ref('int_events_validated') }}
    where {{ journey.is_not_erased('user_id', 'anonymous_id') }}

),

invalid as (

    select
        {{ row_columns | join(',\n        ') }},
        quarantine_reason
    from validated
    where quarantine_reason is not null

),

duplicate_copies as (

    -- every copy of a valid event id after the first, ranked as fct_events ranks them
    select
        {{ row_columns | join(',\n        ') }},
        'duplicate_event_id' as quarantine_reason
    from (
        select
            *,
            {{ journey.duplicate_rank() }} as duplicate_rank
        from validated
        where
            quarantine_reason is null
            and event_id in (
                select valid_events.event_id
                from validated as valid_events
                where valid_events.quarantine_reason is null
                group by valid_events.event_id
                having count(*) > 1
            )
    ) as ranked
    where duplicate_rank > 1

),

final as (

    select * from invalid
    union all
    select * from duplicate_copies

)

select * from final
