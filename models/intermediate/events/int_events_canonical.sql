{#-
    Valid events with their canonical object_action name, category and journey stage. A raw
    name the taxonomy lacks keeps a normalised form of itself and is flagged unmapped. The
    taxonomy is matched on the raw name without surrounding spaces (raw_event_name keeps them).
-#}
with validated as (

    select * from {{ ref('int_events_validated') }}
    where quarantine_reason is null

),

taxonomy as (

    select * from {{ journey.seed_ref('journey_event_taxonomy') }}

),

source_specific as (

    select * from taxonomy
    where source_name <> '*'

),

any_source as (

    select * from taxonomy
    where source_name = '*'

),

mapped as (

    select
        validated.source_name,
        validated.event_id,
        validated.raw_event_name,
        coalesce(
            source_specific.event_name,
            any_source.event_name,
            {{ journey.normalize_event_name('validated.raw_event_name') }}
        ) as event_name,
        coalesce(source_specific.event_category, any_source.event_category, 'unmapped')
            as event_category,
        coalesce(source_specific.journey_stage, any_source.journey_stage) as journey_stage,
        coalesce(source_specific.is_conversion, any_source.is_conversion, false) as is_conversion,
        (source_specific.event_name is not null or any_source.event_name is not null) as is_mapped,
        validated.event_at,
        validated.user_id,
        validated.anonymous_id,
        validated.tracker_session_id,
        validated.sequence_number,
        validated.page_url,
        validated.page_referrer,
        validated.utm_source,
        validated.utm_medium,
        validated.utm_campaign,
        validated.utm_content,
        validated.utm_term,
        validated.revenue,
        validated.currency,
        validated.properties,
        validated.loaded_at,
        validated.value_issues,
        validated.user_id_raw,
        validated.anonymous_id_raw,
        validated.sequence_number_raw,
        validated.revenue_raw,
        validated.currency_raw,
        validated.properties_raw,
        validated.loaded_at_raw
    from validated
    left join source_specific
        on
            trim(validated.raw_event_name) = source_specific.raw_event_name
            and validated.source_name = source_specific.source_name
    left join any_source
        on trim(validated.raw_event_name) = any_source.raw_event_name

)

select * from mapped
