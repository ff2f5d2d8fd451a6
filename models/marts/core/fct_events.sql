-- depends_on: {{ journey.seed_ref('journey_event_taxonomy') }}
{{
    config(
        materialized='incremental',
        incremental_strategy=journey.incremental_strategy(),
        unique_key='event_id',
        on_schema_change='fail',
        partition_by=journey.day_partition('event_date'),
        cluster_by=['actor_id', 'event_name'],
        post_hook=[
            "{{ journey.delete_erased_events(this) }}",
            "{{ journey.restitch_events(this, ref('int_identity_map')) }}",
            "{{ journey.record_history_settings(this) }}",
        ],
    )
}}

{#-
    Sessionisation. Events of one actor (the device's anonymous id, else the user id of
    server-side events) are ordered by journey.event_order(). A gap session starts at the first
    event, after a gap strictly greater than the timeout, at a new tracker session id (tracker
    mode) and optionally at midnight UTC (journey.session_gap_start()). Inside a gap session a
    new session also starts at an event whose user id differs from the last user id seen in it
    (a shared device switching user) and, optionally, at a new utm_campaign. Every event of a
    session then belongs to one person: the session's user id, else the device's stitched user.

    Incremental runs compare the current de-duplicated events with the stored rows by event id:
    new, changed and vanished (erased) rows mark each touched actor's earliest change. The actor
    is re-sessionised from the start of the gap session before that point, so late events of
    any age, duplicates with other content and erasures give exactly the rows of a full refresh.
    Untouched actors are not read again.
-#}
{%- set incremental = journey.is_incremental_run() -%}
{%- set session_source = journey.journey_var('journey__session_source') -%}
{%- if session_source not in ['rules', 'tracker'] -%}
    {{ exceptions.raise_compiler_error("journey: journey__session_source must be 'rules' or 'tracker', got '" ~ session_source ~ "'") }}
{%- endif -%}
{%- if var('journey__lookback_hours', none) is not none -%}
    {{ exceptions.raise_compiler_error(
        "journey: var journey__lookback_hours (" ~ var('journey__lookback_hours') ~ ") was removed: "
        ~ "incremental runs now place late events of any age exactly, with no lookback window. "
        ~ "Remove the var."
    ) }}
{%- endif -%}
{%- set split_on_campaign = journey.journey_var('journey__session_split_on_campaign_change') -%}
{%- if incremental -%}
    {{ journey.assert_history_settings_unchanged(this) }}
{%- endif -%}

with canonical as (

    select
        *,
        coalesce(anonymous_id, user_id) as actor_id
    from {{ ref('int_events_canonical') }}
    where {{ journey.is_not_erased('user_id', 'anonymous_id') }}

),

identity_map as (

    select * from {{ ref('int_identity_map') }}

),

duplicated_event_ids as (

    -- ranking every event by id would sort the whole table; only repeated ids need it
    select event_id
    from canonical
    group by event_id
    having count(*) > 1

),

deduplicated as (

    -- the first loaded copy of each event id
    select
        canonical.*,
        1 as duplicate_rank
    from canonical
    where canonical.event_id not in (select duplicated_event_ids.event_id from duplicated_event_ids)

    union all

    select ranked.*
    from (
        select
            canonical.*,
            {{ journey.duplicate_rank('canonical.') }} as duplicate_rank
        from canonical
        inner join duplicated_event_ids
            on canonical.event_id = duplicated_event_ids.event_id
    ) as ranked
    where ranked.duplicate_rank = 1

),

{% if incremental %}
stored as (

    select
        event_id,
        actor_id,
        event_at,
        sequence_number,
        loaded_at,
        tracker_session_id
    from {{ this }}

),

changes as (

    -- rows that are new, differ from the stored copy, or are no longer there (erased)
    select
        deduplicated.event_id as new_event_id,
        deduplicated.actor_id as new_actor_id,
        deduplicated.event_at as new_event_at,
        stored.actor_id as old_actor_id,
        stored.event_at as old_event_at
    from deduplicated
    full outer join stored
        on deduplicated.event_id = stored.event_id
    where
        stored.event_id is null
        or deduplicated.event_id is null
        or deduplicated.actor_id <> stored.actor_id
        or deduplicated.event_at <> stored.event_at
        or deduplicated.sequence_number is distinct from stored.sequence_number
        or deduplicated.loaded_at is distinct from stored.loaded_at

),

touched_actors as (

    select
        actor_id,
        min(changed_at) as changed_at
    from (
        select
            new_actor_id as actor_id,
            new_event_at as changed_at
        from changes
        where new_actor_id is not null
        union all
        select
            old_actor_id as actor_id,
            old_event_at as changed_at
        from changes
        where old_actor_id is not null
    ) as change_points
    group by actor_id

),

touched_history as (

    -- the stored events of touched actors, numbered in event order, with their gap starts
    select
        event_id,
        actor_id,
        event_at,
        changed_at,
        actor_event_number,
        {{ journey.session_gap_start() | indent(8) }} as is_gap_start
    from (
        select
            stored.event_id,
            stored.actor_id,
            stored.event_at,
            stored.tracker_session_id,
            touched_actors.changed_at,
            lag(stored.event_at) over actor_order as previous_event_at,
            lag(stored.tracker_session_id) over actor_order as previous_tracker_session_id,
            row_number() over actor_order as actor_event_number
        from stored
        inner join touched_actors
            on stored.actor_id = touched_actors.actor_id
        window actor_order as (partition by stored.actor_id order by {{ journey.event_order('stored.') }})
    ) as numbered

),

resume_points as (

    -- the last gap-session start strictly before the earliest change: nothing before it moves
    select
        actor_id,
        max(case when is_gap_start = 1 and event_at < changed_at then actor_event_number end)
            as resume_event_number
    from touched_history
    group by actor_id

),

reprocessed_stored_ids as (

    select touched_history.event_id
    from touched_history
    inner join resume_points
        on touched_history.actor_id = resume_points.actor_id
    where touched_history.actor_event_number >= coalesce(resume_points.resume_event_number, 0)

),

{% endif %}

candidates as (

    select deduplicated.*
    from deduplicated
    {% if incremental %}
        inner join touched_actors
            on deduplicated.actor_id = touched_actors.actor_id
        where
            deduplicated.event_id in (select reprocessed_stored_ids.event_id from reprocessed_stored_ids)
            or deduplicated.event_id in (
                select changes.new_event_id from changes where changes.new_event_id is not null
            )
    {% endif %}

),

ordering_keys as (

    -- windows sort every column they carry: sessionise on the few columns that matter and
    -- join the rest back by event id afterwards
    select
        event_id,
        actor_id,
        event_at,
        sequence_number,
        user_id,
        utm_campaign,
        tracker_session_id
    from candidates

),

gap_sessions as (

    select
        *,
        {{ journey.session_gap_start() | indent(8) }} as is_gap_start
    from (
        select
            *,
            lag(event_at) over actor_order as previous_event_at,
            lag(tracker_session_id) over actor_order as previous_tracker_session_id,
            row_number() over actor_order as actor_event_number
        from ordering_keys
        window actor_order as (partition by actor_id order by {{ journey.event_order() }})
    ) as with_previous

),

gap_numbered as (

    select
        *,
        sum(is_gap_start) over (
            partition by actor_id order by {{ journey.event_order() }}
            rows between unbounded preceding and current row
        ) as gap_session_number
    from gap_sessions

),

split as (

    -- inside a gap session: a user id other than the last one seen, or (optionally) a
    -- utm_campaign other than the last one seen, starts a new session
    select
        *,
        case
            when is_gap_start = 1 then 1
            when
                user_id is not null
                and user_id <> {{ journey.last_value_ignore_nulls("user_id") }} over gap_session_so_far
                then 1
            {% if split_on_campaign %}
                when
                    utm_campaign is not null
                    and utm_campaign <> {{ journey.last_value_ignore_nulls("utm_campaign") }} over gap_session_so_far
                    then 1
            {% endif %}
            else 0
        end as is_session_start
    from gap_numbered
    window gap_session_so_far as (
        partition by actor_id, gap_session_number
        order by {{ journey.event_order() }}
        rows between unbounded preceding and 1 preceding
    )

),

sessionized as (

    -- one pass: the latest session start at or before each event gives its session
    select
        event_id,
        actor_id,
        user_id,
        max(case when is_session_start = 1 then event_at end) over actor_so_far as session_started_at,
        {{ journey.last_value_ignore_nulls("case when is_session_start = 1 then event_id end") }} over actor_so_far
            as session_first_event_id,
        actor_event_number
        - max(case when is_session_start = 1 then actor_event_number end) over actor_so_far
        + 1 as event_index
    from split
    window actor_so_far as (
        partition by actor_id
        order by {{ journey.event_order() }}
        rows between unbounded preceding and current row
    )

),

session_users as (

    -- at most one user id per session (a new one starts a session)
    select
        session_first_event_id,
        max(user_id) as session_user_id
    from sessionized
    group by session_first_event_id

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
        coalesce(session_users.session_user_id, identity_map.user_id, deduplicated.anonymous_id) as user_id,
        coalesce(session_users.session_user_id, identity_map.user_id) is not null as is_identified,
        case
            when deduplicated.user_id is not null then 'tracked'
            when session_users.session_user_id is not null then 'session'
            when identity_map.user_id is not null then 'device'
            else 'anonymous'
        end as identity_source,
        deduplicated.user_id as tracked_user_id,
        deduplicated.anonymous_id,
        deduplicated.actor_id,
        {{ dbt.hash(dbt.concat(['deduplicated.actor_id', "'|'", 'sessionized.session_first_event_id'])) }}
            as session_id,
        sessionized.session_started_at,
        -- row_number() is an int on Spark: the contract says bigint
        cast(sessionized.event_index as {{ dbt.type_bigint() }}) as event_index,
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
        deduplicated.value_issues,
        {{ journey.run_started_at_timestamp() }} as processed_at
    from candidates as deduplicated
    inner join sessionized
        on deduplicated.event_id = sessionized.event_id
    inner join session_users
        on sessionized.session_first_event_id = session_users.session_first_event_id
    left join identity_map
        on deduplicated.anonymous_id = identity_map.anonymous_id

)

select * from final
