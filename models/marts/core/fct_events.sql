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
    timeout, and optionally midnight UTC or a new utm_campaign, starts a session. With
    journey__session_source = 'tracker', two consecutive events that both carry a tracker
    session id are in one session exactly when the ids are equal; the rules decide elsewhere.

    Incremental runs re-read events from the start of every session that could still change:
    for each actor with an event within lookback + timeout of the newest stored event, from the
    start of its earliest such session; for every other actor, from newest - lookback. Late
    events inside the lookback therefore land exactly where a full refresh puts them.
-#}
{%- set timeout_seconds = var('journey__session_timeout_minutes') * 60 -%}
{%- set incremental = journey.is_incremental_run() -%}
{%- set session_source = var('journey__session_source', 'rules') -%}
{%- if session_source not in ['rules', 'tracker'] -%}
    {{ exceptions.raise_compiler_error("journey: journey__session_source must be 'rules' or 'tracker', got '" ~ session_source ~ "'") }}
{%- endif -%}

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
        select {{ journey.timestamp_add('second', -1 * timeout_seconds, 'cutoff_at') }} from window_start
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

duplicated_event_ids as (

    -- ranking every event by id would sort the whole batch; only repeated ids need it
    select event_id
    from candidates
    group by event_id
    having count(*) > 1

),

deduplicated as (

    select
        candidates.*,
        1 as duplicate_rank
    from candidates
    where candidates.event_id not in (select duplicated_event_ids.event_id from duplicated_event_ids)

    union all

    select ranked.*
    from (
        select
            candidates.*,
            row_number() over (
                partition by candidates.event_id
                order by candidates.loaded_at asc nulls last, {{ journey.event_order('candidates.') }}
            ) as duplicate_rank
        from candidates
        inner join duplicated_event_ids
            on candidates.event_id = duplicated_event_ids.event_id
    ) as ranked
    where ranked.duplicate_rank = 1

),

ordering_keys as (

    -- windows sort every column they carry: sessionise on the few columns that matter and
    -- join the rest back by event id afterwards
    select
        event_id,
        actor_id,
        event_at,
        sequence_number,
        utm_campaign,
        tracker_session_id
    from deduplicated

),

with_previous as (

    select
        *,
        lag(event_at) over actor_order as previous_event_at,
        lag(tracker_session_id) over actor_order as previous_tracker_session_id,
        row_number() over actor_order as actor_event_number
    from ordering_keys
    window actor_order as (partition by actor_id order by {{ journey.event_order() }})

),

gap_sessions as (

    select
        *,
        case
            when previous_event_at is null then 1
            {% if session_source == 'tracker' %}
                -- the tracker's session id decides wherever the event carries one
                when tracker_session_id is not null and previous_tracker_session_id is not null
                    then case when tracker_session_id = previous_tracker_session_id then 0 else 1 end
            {% endif %}
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

sessionized as (

    -- one pass: the latest session start at or before each event gives its session
    select
        event_id,
        actor_id,
        max(case when is_session_start = 1 then event_at end) over actor_so_far as session_started_at,
        last_value(case when is_session_start = 1 then event_id end ignore nulls) over actor_so_far
            as session_first_event_id,
        actor_event_number
        - max(case when is_session_start = 1 then actor_event_number end) over actor_so_far
        + 1 as event_index
    from campaign_aware
    window actor_so_far as (
        partition by actor_id
        order by {{ journey.event_order() }}
        rows between unbounded preceding and current row
    )

),

final as (

    select
        deduplicated.event_id,
        deduplicated.event_at,
        cast(deduplicated.event_at as date) as event_date,
        deduplicated.source_name,
        deduplicated.raw_event_name,
        deduplicated.event_name,
        deduplicated.event_category,
        deduplicated.journey_stage,
        deduplicated.is_conversion,
        deduplicated.is_mapped as is_mapped_event,
        coalesce(deduplicated.user_id, identity_map.user_id, deduplicated.anonymous_id) as user_id,
        coalesce(deduplicated.user_id, identity_map.user_id) is not null as is_identified,
        deduplicated.user_id as tracked_user_id,
        deduplicated.anonymous_id,
        deduplicated.actor_id,
        {{ dbt.hash(dbt.concat(['deduplicated.actor_id', "'|'", 'sessionized.session_first_event_id'])) }}
            as session_id,
        sessionized.session_started_at,
        sessionized.event_index,
        deduplicated.tracker_session_id,
        deduplicated.sequence_number,
        deduplicated.page_url,
        {{ journey.url_path('deduplicated.page_url') }} as page_path,
        deduplicated.page_referrer,
        deduplicated.utm_source,
        deduplicated.utm_medium,
        deduplicated.utm_campaign,
        deduplicated.utm_content,
        deduplicated.utm_term,
        cast(deduplicated.revenue as {{ dbt.type_numeric() }}) as revenue,
        deduplicated.currency,
        deduplicated.properties,
        deduplicated.loaded_at,
        {{ journey.run_started_at_timestamp() }} as processed_at
    from deduplicated
    inner join sessionized
        on deduplicated.event_id = sessionized.event_id
    left join identity_map
        on deduplicated.anonymous_id = identity_map.anonymous_id

)

select * from final
