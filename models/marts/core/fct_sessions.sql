{{
    config(
        materialized='incremental',
        incremental_strategy=journey.incremental_strategy(),
        unique_key='session_id',
        on_schema_change='fail',
        partition_by=journey.day_partition('session_date'),
        cluster_by=['user_id'],
        post_hook=[
            "{{ journey.delete_orphan_sessions(this, ref('fct_events')) }}",
            "{{ journey.restitch_sessions(this, ref('int_identity_map')) }}",
        ],
    )
}}

{#-
    One row per session. Incremental runs rebuild every session that has an event the latest
    fct_events run wrote, and the post-hook removes sessions that no event belongs to any more
    (a late event merged two sessions, an erased person).
-#}
{%- set incremental = journey.is_incremental_run() -%}

with events as (

    select * from {{ ref('fct_events') }}
    {% if incremental %}
        where session_id in (
            select written.session_id
            from {{ ref('fct_events') }} as written
            where written.processed_at = (select max(latest.processed_at) from {{ ref('fct_events') }} as latest)
        )
    {% endif %}

),

source_categories as (

    select
        lower(source) as category_source,
        min(source_category) as source_category
    from {{ journey.seed_ref('journey_source_categories') }}
    group by 1

),

currency_rates as (

    select * from {{ journey.seed_ref('journey_currency_rates') }}

),

aggregated as (

    select
        events.session_id,
        max(events.tracked_user_id) as tracked_user_id,
        max(events.user_id) as user_id,
        max(events.anonymous_id) as anonymous_id,
        max(events.actor_id) as actor_id,
        max(case when events.is_identified then 1 else 0 end) = 1 as is_identified,
        min(events.event_at) as session_started_at,
        max(events.event_at) as session_ended_at,
        cast(count(*) as {{ dbt.type_bigint() }}) as event_count,
        cast(sum(case when events.event_name = 'page_viewed' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as page_view_count,
        cast(sum(case when events.is_conversion then 1 else 0 end) as {{ dbt.type_bigint() }})
            as conversion_count,
        cast(sum(events.revenue * currency_rates.rate_to_reporting_currency) as {{ dbt.type_numeric() }})
            as revenue,
        cast(
            sum(case when events.revenue is not null and currency_rates.currency is null then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as unconverted_revenue_event_count,
        max(events.tracker_session_id) as tracker_session_id,
        max(events.source_name) as source_name
    from events
    left join currency_rates
        on coalesce(events.currency, '{{ var("journey__reporting_currency", "USD") }}') = currency_rates.currency
    group by 1

),

entry_events as (

    select
        session_id,
        event_name as entry_event_name,
        page_url as landing_page_url,
        page_path as landing_page_path,
        page_referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_content,
        utm_term,
        {{ journey.url_host('page_referrer') }} as referrer_host,
        {{ journey.url_host('page_url') }} as page_host
    from events
    where event_index = 1

),

traffic as (

    select
        entry_events.*,
        case
            when entry_events.utm_source is not null or entry_events.utm_medium is not null
                then coalesce(entry_events.utm_source, '(not set)')
            when
                entry_events.referrer_host is not null
                and entry_events.referrer_host <> coalesce(entry_events.page_host, '')
                then entry_events.referrer_host
            else '(direct)'
        end as traffic_source,
        case
            when entry_events.utm_source is not null or entry_events.utm_medium is not null
                then coalesce(entry_events.utm_medium, '(not set)')
            when
                entry_events.referrer_host is not null
                and entry_events.referrer_host <> coalesce(entry_events.page_host, '')
                then 'referral'
            else '(none)'
        end as referral_medium
    from entry_events

),

traffic_keys as (

    -- a referrer host is looked up as itself, then by its domain label and its first label, so
    -- www.google.co.uk and duckduckgo.com find the search engines 'google' and 'duckduckgo'
    select
        traffic.*,
        lower(traffic.traffic_source) as source_key,
        case
            when traffic.referral_medium = 'referral'
                then {{ journey.regexp_extract_group('lower(traffic.traffic_source)', '([^.]+)[.][^.]+$') }}
        end as domain_key,
        case
            when traffic.referral_medium = 'referral'
                then {{ dbt.split_part('lower(traffic.traffic_source)', "'.'", 1) }}
        end as label_key
    from traffic

),

traffic_categorised as (

    select
        traffic_keys.*,
        coalesce(
            by_source.source_category, by_domain.source_category, by_label.source_category
        ) as source_category,
        -- a search engine's referrer without utm tags is organic search from that engine, as
        -- GA4 records it (source 'google', medium 'organic')
        case
            when
                traffic_keys.referral_medium = 'referral' and by_source.source_category is null
                and by_domain.source_category = 'SOURCE_CATEGORY_SEARCH'
                then traffic_keys.domain_key
            when
                traffic_keys.referral_medium = 'referral' and by_source.source_category is null
                and by_domain.source_category is null
                and by_label.source_category = 'SOURCE_CATEGORY_SEARCH'
                then traffic_keys.label_key
            else traffic_keys.traffic_source
        end as categorised_source,
        case
            when
                traffic_keys.referral_medium = 'referral'
                and coalesce(
                    by_source.source_category, by_domain.source_category, by_label.source_category
                ) = 'SOURCE_CATEGORY_SEARCH'
                then 'organic'
            else traffic_keys.referral_medium
        end as traffic_medium
    from traffic_keys
    left join source_categories as by_source
        on traffic_keys.source_key = by_source.category_source
    left join source_categories as by_domain
        on traffic_keys.domain_key = by_domain.category_source
    left join source_categories as by_label
        on traffic_keys.label_key = by_label.category_source

),

exit_events as (

    select
        events.session_id,
        events.event_name as exit_event_name,
        events.page_path as exit_page_path
    from events
    inner join aggregated
        on
            events.session_id = aggregated.session_id
            and events.event_index = aggregated.event_count

),

final as (

    select
        aggregated.session_id,
        aggregated.user_id,
        aggregated.tracked_user_id,
        aggregated.anonymous_id,
        aggregated.actor_id,
        aggregated.is_identified,
        aggregated.tracker_session_id,
        aggregated.source_name,
        aggregated.session_started_at,
        aggregated.session_ended_at,
        cast(aggregated.session_started_at as date) as session_date,
        cast(
            {{ journey.seconds_between('aggregated.session_started_at', 'aggregated.session_ended_at') }}
            as {{ dbt.type_numeric() }}
        ) as duration_seconds,
        aggregated.event_count,
        aggregated.page_view_count,
        traffic_categorised.entry_event_name,
        exit_events.exit_event_name,
        traffic_categorised.landing_page_url,
        traffic_categorised.landing_page_path,
        exit_events.exit_page_path,
        traffic_categorised.page_referrer as referrer_url,
        traffic_categorised.categorised_source as traffic_source,
        traffic_categorised.traffic_medium,
        coalesce(traffic_categorised.utm_campaign, '(not set)') as traffic_campaign,
        traffic_categorised.utm_content as traffic_content,
        traffic_categorised.utm_term as traffic_term,
        {{ journey.default_channel_group(
            'traffic_categorised.categorised_source',
            'traffic_categorised.traffic_medium',
            'traffic_categorised.utm_campaign',
            'traffic_categorised.source_category'
        ) }} as channel,
        (
            {{ journey.seconds_between('aggregated.session_started_at', 'aggregated.session_ended_at') }} >= 10
            or aggregated.conversion_count > 0
            or aggregated.page_view_count >= 2
        ) as is_engaged,
        aggregated.conversion_count > 0 as has_conversion,
        aggregated.conversion_count,
        coalesce(aggregated.revenue, 0) as revenue,
        '{{ var("journey__reporting_currency", "USD") }}' as currency,
        aggregated.unconverted_revenue_event_count,
        {{ journey.run_started_at_timestamp() }} as processed_at
    from aggregated
    inner join traffic_categorised
        on aggregated.session_id = traffic_categorised.session_id
    inner join exit_events
        on aggregated.session_id = exit_events.session_id

)

select * from final
