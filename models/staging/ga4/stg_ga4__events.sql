{{ config(enabled=journey.journey_var('journey__source_ga4_enabled')) }}

{#-
    GA4 export rows as canonical events, one row per export row except intraday rows of a day
    that also has a daily shard (the daily one is kept; GA4 deletes the intraday shard once
    the day is final, so both exist only for a while). Nothing else is filtered: rows without
    a timestamp or identity reach validation and its quarantine.

    event_id: GA4 has none. It is the hash of the fields that identify an event in the export:
    stream, user_pseudo_id, event_timestamp, event_name, ga_session_id, event_bundle_sequence_id,
    batch_page_id / batch_ordering_id / batch_event_index and the event parameters. The same
    event in a daily and an intraday shard gets the same id; two events in the same microsecond
    differ in name, parameters or batch index and get different ids; rows equal in all of these
    are GA4's duplicate rows and are quarantined downstream as duplicate_event_id.
-#}
{%- set start = journey.journey_var('journey__ga4_start_date') -%}
{%- set start = (start | string) if start is not none else none -%}
{%- if execute and start is not none and not modules.re.match('^[0-9]{8}$', start) -%}
    {{ exceptions.raise_compiler_error("journey: journey__ga4_start_date must be a date as YYYYMMDD (the shard suffix), got '" ~ start ~ "'") }}
{%- endif -%}
{%- set events_source = journey.resolved_source(source('ga4', 'events')) -%}
{%- set present = journey.tracker_source_columns(
    journey.ga4_probe_relation(events_source), ['event_name', 'event_timestamp'], 'ga4.events',
    paths=journey.ga4_paths(),
    hint="Point journey__ga4_project / journey__ga4_dataset (or journey__ga4_events_path on DuckDB) at the GA4 export, or set journey__source_ga4_enabled: false.",
    assumed_columns=journey.ga4_known_columns(),
) -%}
{%- set revenue_events = journey.journey_var('journey__ga4_revenue_events') -%}
{#- '' matches no event: an empty list gives no revenue -#}
{%- set revenue_event_list = ("'" ~ revenue_events | join("', '") ~ "'") if revenue_events else "''" -%}
{%- set include_intraday = 'true' if journey.journey_var('journey__ga4_include_intraday') else 'false' -%}
{%- set text = dbt.type_string() -%}

with shards as (

    select
        *,
        _table_suffix as table_suffix
    from {{ events_source }}
    {%- if start %}
    -- constant bounds on _table_suffix let BigQuery skip older shards
    where
        _table_suffix between '{{ start }}' and '99999999'
        or _table_suffix between 'intraday_{{ start }}' and 'intraday_99999999'
    {%- endif %}

),

labelled as (

    -- the item list's comprehension (item.item_id) reads like a qualified column to the linter
    -- noqa: disable=RF03
    select
        *,
        coalesce(table_suffix like 'intraday%', false) as is_intraday,
        replace(table_suffix, 'intraday_', '') as shard_date,
        {{ journey.ga4_item_ids() }} as item_ids
    from shards
    -- events_* also matches other tables of the dataset (GA4 360's events_fresh_*): only
    -- daily and intraday shards are read
    where
        table_suffix is null
        or {{ journey.regexp_contains('table_suffix', '^(intraday_)?[0-9]{8}$') }}
-- noqa: enable=RF03

),

daily_dates as (

    select distinct shard_date
    from labelled
    where not is_intraday and shard_date is not null

),

kept as (

    -- a day's intraday rows only while the day has no daily shard
    select * from labelled
    where
        not is_intraday
        or (
            {{ include_intraday }}
            and (
                shard_date is null
                or shard_date not in (select daily_dates.shard_date from daily_dates)
            )
        )

),

parsed as (

    -- struct fields (ecommerce.purchase_revenue) read like table-qualified columns to the linter
    -- noqa: disable=RF03
    select
        event_name,
        {{ journey.try_cast('event_timestamp', text) }} as event_timestamp_text,
        {{ journey.try_cast('event_timestamp', dbt.type_bigint()) }} as event_timestamp_micros,
        nullif(user_id, '') as user_id,
        nullif(user_pseudo_id, '') as user_pseudo_id,
        stream_id,
        event_bundle_sequence_id,
        {{ journey.tracker_typed('batch_event_index', present, dbt.type_bigint()) }} as batch_event_index,
        {{ journey.tracker_typed('batch_page_id', present, dbt.type_bigint()) }} as batch_page_id,
        {{ journey.tracker_typed('batch_ordering_id', present, dbt.type_bigint()) }} as batch_ordering_id,
        {{ journey.ga4_param('ga_session_id', 'int') }} as ga_session_id,
        {{ journey.ga4_param('page_location') }} as page_location,
        {{ journey.ga4_param('page_referrer') }} as page_referrer,
        {{ journey.ga4_param('source') }} as param_source,
        {{ journey.ga4_param('medium') }} as param_medium,
        {{ journey.ga4_param('campaign') }} as param_campaign,
        {{ journey.ga4_param('content') }} as param_content,
        {{ journey.ga4_param('term') }} as param_term,
        {{ journey.ga4_param('gclid') }} as param_gclid,
        {{ journey.ga4_param('currency') }} as param_currency,
        {{ journey.ga4_param('value', 'double') }} as param_value,
        {{ journey.ga4_collected_field('manual_source', present) }} as collected_source,
        {{ journey.ga4_collected_field('manual_medium', present) }} as collected_medium,
        {{ journey.ga4_collected_field('manual_campaign_name', present) }} as collected_campaign,
        {{ journey.ga4_collected_field('manual_content', present) }} as collected_content,
        {{ journey.ga4_collected_field('manual_term', present) }} as collected_term,
        {{ journey.ga4_collected_field('gclid', present) }} as collected_gclid,
        ecommerce.purchase_revenue as ecommerce_purchase_revenue,
        {{ journey.ga4_properties_json([
            ('ga4_stream_id', 'stream_id'),
            ('ga4_platform', 'platform'),
            ('item_ids', 'item_ids'),
            ('first_user_source', 'traffic_source.source'),
            ('first_user_medium', 'traffic_source.medium'),
            ('first_user_campaign', 'traffic_source.name'),
        ]) }} as properties,
        -- the parameters as the engine serialises them: part of the event's identity
        {{ journey.ga4_properties_json(include_user_properties=false) }} as params_fingerprint
    from kept
    -- noqa: enable=RF03

),

final as (

    select
        'ga4' as source_name,
        {{ dbt.hash(dbt.concat([
            "coalesce(stream_id, '')", "'|'",
            "coalesce(user_pseudo_id, '')", "'|'",
            "coalesce(event_timestamp_text, '')", "'|'",
            "coalesce(event_name, '')", "'|'",
            "coalesce(cast(ga_session_id as " ~ text ~ "), '')", "'|'",
            "coalesce(cast(event_bundle_sequence_id as " ~ text ~ "), '')", "'|'",
            "coalesce(cast(batch_page_id as " ~ text ~ "), '')", "'|'",
            "coalesce(cast(batch_ordering_id as " ~ text ~ "), '')", "'|'",
            "coalesce(cast(batch_event_index as " ~ text ~ "), '')", "'|'",
            "coalesce(params_fingerprint, '')",
        ])) }} as event_id,
        event_name as raw_event_name,
        event_timestamp_text as event_timestamp_raw,
        {{ journey.ga4_timestamp_micros('event_timestamp_micros') }} as event_at,
        user_id,
        user_pseudo_id as anonymous_id,
        case
            when user_pseudo_id is not null and ga_session_id is not null
                then concat(user_pseudo_id, '-', cast(ga_session_id as {{ text }}))
        end as tracker_session_id,
        -- ties in one microsecond: first_visit, session_start, then the request's order
        coalesce(batch_event_index, 0) * 10
        + case event_name when 'first_visit' then 0 when 'session_start' then 1 else 2 end
            as sequence_number,
        page_location as page_url,
        page_referrer,
        -- a Google Ads click (gclid) without campaign tags is google / cpc, as GA4 reports it
        coalesce(
            collected_source,
            param_source,
            case when coalesce(collected_gclid, param_gclid) is not null then 'google' end
        ) as utm_source,
        coalesce(
            collected_medium,
            param_medium,
            case when coalesce(collected_gclid, param_gclid) is not null then 'cpc' end
        ) as utm_medium,
        coalesce(collected_campaign, param_campaign) as utm_campaign,
        coalesce(collected_content, param_content) as utm_content,
        coalesce(collected_term, param_term) as utm_term,
        case
            when event_name in ({{ revenue_event_list }})
                then coalesce(ecommerce_purchase_revenue, param_value)
        end as revenue,
        case
            when event_name in ({{ revenue_event_list }})
                then param_currency
        end as currency,
        properties,
        cast(null as {{ dbt.type_timestamp() }}) as loaded_at
    from parsed

),

typed as (

    select
        {{- journey.tracker_select_event_columns('final') }}
    from final

)

select * from typed
