{{
    config(
        materialized='incremental',
        incremental_strategy=journey.incremental_strategy(),
        unique_key='event_id',
        on_schema_change='fail',
        partition_by=journey.day_partition('event_date'),
        cluster_by=['actor_id', 'event_name'],
        post_hook=["{{ journey.restitch_users(this, ref('int_identity_map'), 'tracked_user_id') }}"],
    )
}}

{#-
    Sessionisation. Events of one actor (the device's anonymous id, else the user id of
    server-side events) are ordered by journey.event_order(); a gap strictly greater than the
    timeout, and optionally midnight UTC or a new utm_campaign, starts a session.

    Incremental runs re-read events from the start of every session that could still change:
    for each actor with an event within lookback + timeout of the newest stored event, from the
    start of its earliest such session; for every other actor, from newest - lookback. Late
    events inside the lookback therefore land exactly where a full refresh puts them.
-#}
{%- set timeout_seconds = var('journey__session_timeout_minutes') * 60 -%}
{%- set incremental = journey.is_incremental_run() -%}

with canonical as (

    select
        *,
        coalesce(anonymous_id, user_id) as actor_id
    from {{ ref('int_events_canonical') }}

),

identity_map as (

    select * from {{ ref('int_identity_map') }}

),

{% if incremental %}
window_start as (

    select {{ journey.lookback_start('event_at') }} as cutoff_at

),

open_sessions as (

    -- actors whose latest sessions could be extended, merged or split by new events
    select
        actor_id,
        min(session_started_at) as reprocess_from
    from {{ this }}
    where event_at >= (
        select {{ dbt.dateadd('second', -1 * timeout_seconds, 'cutoff_at') }} from window_start
    )
    group by 1

),
{% endif %}

candidates as (

    select canonical.*
    from canonical
    {% if incremental %}
        left join open_sessions
            on canonical.actor_id = open_sessions.actor_id
        where canonical.event_at >= coalesce(
            open_sessions.reprocess_from, (select cutoff_at from window_start)
        )
    {% endif %}

),

deduplicated as (

    select * from (
        select
            *,
            row_number() over (
                partition by event_id
                order by loaded_at asc nulls last, {{ journey.event_order() }}
            ) as duplicate_rank
        from candidates
    ) as ranked
    where duplicate_rank = 1

),

with_previous as (

    select
        *,
        lag(event_at) over (
            partition by actor_id order by {{ journey.event_order() }}
        ) as previous_event_at
    from deduplicated

),

gap_sessions as (

    select
        *,
        case
            when previous_event_at is null then 1
            when {{ journey.seconds_between('previous_event_at', 'event_at') }} > {{ timeout_seconds }} then 1
            {% if var('journey__session_split_at_midnight') %}
                when cast(event_at as date) <> cast(previous_event_at as date) then 1
            {% endif %}
            else 0
        end as is_gap_start
    from with_previous

),

{%- set split_on_campaign = var('journey__session_split_on_campaign_change') %}
{% if split_on_campaign %}
gap_numbered as (

    select
        *,
        sum(is_gap_start) over (
            partition by actor_id order by {{ journey.event_order() }}
            rows between unbounded preceding and current row
        ) as gap_session_number
    from gap_sessions

),
{% endif %}

campaign_aware as (

    -- with the campaign split, a utm_campaign that differs from the last one seen in the same
    -- session starts a new session
    select
        *,
        {% if split_on_campaign %}
            case
                when is_gap_start = 1 then 1
                when utm_campaign is not null
                    and utm_campaign <> last_value(utm_campaign ignore nulls) over (
                        partition by actor_id, gap_session_number
                        order by {{ journey.event_order() }}
                        rows between unbounded preceding and 1 preceding
                    ) then 1
                else 0
            end
        {% else %}
            is_gap_start
        {% endif %} as is_session_start
    from {% if split_on_campaign %}gap_numbered{% else %}gap_sessions{% endif %}

),

numbered as (

    select
        *,
        sum(is_session_start) over (
            partition by actor_id order by {{ journey.event_order() }}
            rows between unbounded preceding and current row
        ) as actor_session_number
    from campaign_aware

),

sessionized as (

    select
        *,
        first_value(event_id) over session_window as session_first_event_id,
        min(event_at) over (partition by actor_id, actor_session_number) as session_started_at,
        row_number() over session_window as event_index
    from numbered
    window session_window as (
        partition by actor_id, actor_session_number
        order by {{ journey.event_order() }}
        rows between unbounded preceding and current row
    )

),

final as (

    select
        sessionized.event_id,
        sessionized.event_at,
        cast(sessionized.event_at as date) as event_date,
        sessionized.source_name,
        sessionized.raw_event_name,
        sessionized.event_name,
        sessionized.event_category,
        sessionized.journey_stage,
        sessionized.is_conversion,
        sessionized.is_mapped as is_mapped_event,
        coalesce(sessionized.user_id, identity_map.user_id, sessionized.anonymous_id) as user_id,
        coalesce(sessionized.user_id, identity_map.user_id) is not null as is_identified,
        sessionized.user_id as tracked_user_id,
        sessionized.anonymous_id,
        sessionized.actor_id,
        {{ dbt.hash(dbt.concat(['sessionized.actor_id', "'|'", 'sessionized.session_first_event_id'])) }}
            as session_id,
        sessionized.session_started_at,
        sessionized.event_index,
        sessionized.tracker_session_id,
        sessionized.sequence_number,
        sessionized.page_url,
        {{ journey.url_path('sessionized.page_url') }} as page_path,
        sessionized.page_referrer,
        sessionized.utm_source,
        sessionized.utm_medium,
        sessionized.utm_campaign,
        sessionized.utm_content,
        sessionized.utm_term,
        cast(sessionized.revenue as {{ dbt.type_numeric() }}) as revenue,
        sessionized.currency,
        sessionized.properties,
        sessionized.loaded_at,
        {{ journey.run_started_at_timestamp() }} as processed_at
    from sessionized
    left join identity_map
        on sessionized.anonymous_id = identity_map.anonymous_id

)

select * from final
