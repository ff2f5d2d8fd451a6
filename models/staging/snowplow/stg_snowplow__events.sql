{{ config(enabled=journey.journey_var('journey__source_snowplow_enabled')) }}

{#-
    Snowplow atomic events as canonical events, one row per row: duplicate event ids stay
    (fct_events keeps the copy collected first, the others go to the quarantine), page pings
    stay as 'page_ping' events (they extend sessions as Snowplow's own end_tstamp does).
    Event time: derived_tstamp (device time corrected for clock skew), else collector_tstamp.
    Device: the first non-null of var journey__snowplow_anonymous_id_columns (domain_userid).
    Tracker session: domain_sessionid.
-#}
{%- set events_source = journey.resolved_source(source('snowplow', 'events')) -%}
{%- set present = journey.tracker_source_columns(
    events_source,
    ['event_id', 'event', 'collector_tstamp', 'user_id', 'domain_userid', 'domain_sessionid'],
    'snowplow.events',
    paths=[journey.absolute_source_path(journey.journey_var('journey__snowplow_events_path'))],
    hint="Point journey__snowplow_schema / journey__snowplow_events_table (or journey__snowplow_events_path on DuckDB) at the atomic events, or set journey__source_snowplow_enabled: false.",
    assumed_columns=journey.snowplow_known_columns(),
) -%}
{%- set anonymous_columns = journey.journey_var('journey__snowplow_anonymous_id_columns') -%}
{%- set missing_anonymous = anonymous_columns | reject('in', present) | list -%}
{%- if missing_anonymous and execute -%}
    {{ exceptions.raise_compiler_error("journey: journey__snowplow_anonymous_id_columns names column(s) snowplow.events lacks: " ~ missing_anonymous | join(', ')) }}
{%- endif -%}
{%- set properties = [] -%}
{%- for column in journey.snowplow_property_columns() if column in present -%}
    {%- do properties.append((column, column)) -%}
{%- endfor -%}
{%- set text = dbt.type_string() -%}

with events as (

    select * from {{ events_source }}

),

renamed as (

    select
        'snowplow' as source_name,
        {{ journey.tracker_text('event_id', present) }} as event_id,
        {{ journey.snowplow_raw_event_name(present) }} as raw_event_name,
        {{ journey.tracker_first_text(['derived_tstamp', 'collector_tstamp'], present) }}
            as event_timestamp_raw,
        {{ journey.tracker_first_typed(['derived_tstamp', 'collector_tstamp'], present, dbt.type_timestamp()) }}
            as event_at,
        {{ journey.tracker_text('user_id', present) }} as user_id,
        {{ journey.tracker_first_text(anonymous_columns, present) }} as anonymous_id,
        {{ journey.tracker_text('domain_sessionid', present) }} as tracker_session_id,
        cast(null as {{ dbt.type_bigint() }}) as sequence_number,
        {{ journey.tracker_text('page_url', present) }} as page_url,
        {{ journey.tracker_text('page_referrer', present) }} as page_referrer,
        {{ journey.tracker_text('mkt_source', present) }} as utm_source,
        {{ journey.tracker_text('mkt_medium', present) }} as utm_medium,
        {{ journey.tracker_text('mkt_campaign', present) }} as utm_campaign,
        {{ journey.tracker_text('mkt_content', present) }} as utm_content,
        {{ journey.tracker_text('mkt_term', present) }} as utm_term,
        -- legacy e-commerce: the transaction event carries the order total
        case
            when event = 'transaction'
                then {{ journey.tracker_typed('tr_total', present, journey.type_double()) }}
        end as revenue,
        case
            when event = 'transaction'
                then {{ journey.tracker_text('tr_currency', present) }}
        end as currency,
        {{ journey.tracker_json_object(properties) }} as properties,
        -- the copy of a duplicated event id collected first is the one kept downstream
        {{ journey.tracker_first_typed(['load_tstamp', 'collector_tstamp'], present, dbt.type_timestamp()) }}
            as loaded_at
    from events

),

final as (

    select
        {{- journey.tracker_select_event_columns('renamed') }}
    from renamed

)

select * from final
