{{ config(enabled=var("journey__source_generic_enabled", true)) }}

{#- Renames and types the generic source; no row is dropped here (validation is downstream). -#}
{%- set required = ['event_id', 'event_name', 'event_timestamp', 'user_id', 'anonymous_id'] -%}
{%- set present = journey.check_source_columns(source('generic', 'events'), required, 'generic.events') -%}
{%- set text = dbt.type_string() -%}

with source as (

    select * from {{ source('generic', 'events') }}

),

renamed as (

    select
        'generic' as source_name,
        {{ journey.try_cast('event_id', text) }} as event_id,
        {{ journey.try_cast('event_name', text) }} as raw_event_name,
        {{ journey.try_cast('event_timestamp', text) }} as event_timestamp_raw,
        {{ journey.try_cast('event_timestamp', dbt.type_timestamp()) }} as event_at,
        nullif({{ journey.try_cast('user_id', text) }}, '') as user_id,
        nullif({{ journey.try_cast('anonymous_id', text) }}, '') as anonymous_id,
        {{ journey.column_or_null('session_id', present, text, 'tracker_session_id') }},
        {{ journey.column_or_null('sequence_number', present, dbt.type_bigint()) }},
        {{ journey.column_or_null('page_url', present, text) }},
        {{ journey.column_or_null('page_referrer', present, text) }},
        {{ journey.column_or_null('utm_source', present, text) }},
        {{ journey.column_or_null('utm_medium', present, text) }},
        {{ journey.column_or_null('utm_campaign', present, text) }},
        {{ journey.column_or_null('utm_content', present, text) }},
        {{ journey.column_or_null('utm_term', present, text) }},
        {{ journey.column_or_null('revenue', present, dbt.type_float()) }},
        {{ journey.column_or_null('currency', present, text) }},
        {{ journey.column_or_null('properties', present, text) }},
        {{ journey.column_or_null('loaded_at', present, dbt.type_timestamp()) }}
    from source

)

select * from renamed
