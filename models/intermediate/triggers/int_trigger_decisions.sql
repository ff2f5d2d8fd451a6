-- depends_on: {{ ref('journey_trigger_suppressions') }}
-- depends_on: {{ ref('int_identity_pairs_daily') }}
{{
    config(
        materialized='incremental',
        incremental_strategy=journey.incremental_strategy(),
        unique_key='fire_id',
        on_schema_change='fail',
        partition_by=journey.day_partition('condition_true_at', 'timestamp'),
        cluster_by=['trigger_name', 'user_id'],
        post_hook=["{{ journey.trigger_delete_vanished_decisions(this) }}"],
    )
}}

{#-
    Every step of every trigger entry, and what became of it (docs: triggers_semantics).

    condition_true_at (T) = entered_at + the step's offset. The step is decided at load moment
    decided_at_load (D): the first load whose watermark reaches T, and not before the entry event
    itself was loaded. Until then it is pending. An exit event cancels the step only when its
    event time is in (entered_at, T] and it was loaded at or before D, so the outcome does not
    depend on when builds run. Decided steps then pass, in order: re-entry (already_entered),
    exit (exited), suppression lists (suppressed), the global control and the trigger's holdout
    (global_control, holdout), quiet hours in the user's time zone (delayed, or quiet_hours when
    declared drop), and the channel's frequency cap per local day or ISO week, for which the
    steps compete by decision moment, then priority (capped, or lower_priority when a step of
    higher priority decided at the same load took the slot).

    Incremental runs re-evaluate only affected users, all of their entries at once (caps,
    priority and re-entry compare a user's entries): users with fct_events rows written since
    the previous run (processed_at) and every user ever paired with a device among those rows;
    users with a pending step whose window the watermark now closes; users with a decided step
    whose closing load moved (a late load that rewrote the watermark history, found from the
    load moment int_trigger_load_watermarks recomputed from); users whose entries are new,
    changed (entry_fingerprint) or vanished; users on or formerly on a suppression list; every
    user when the trigger declaration or settings changed (spec_hash). Decided rows of the
    other users are kept as they are; the post-hook removes rows whose entry or step vanished.
-#}
{%- set triggers = journey.trigger_configs() -%}
{%- set settings = journey.trigger_settings() -%}
{%- set suppressions_relation = journey.journey_var('journey__trigger_suppressions_relation') -%}
{%- set incremental = journey.is_incremental_run() -%}
{%- set spec_hash = local_md5(
    tojson(triggers) ~ '|' ~ tojson(settings) ~ '|' ~ tojson(journey.trigger_channel_caps())
    ~ '|' ~ tojson(journey.trigger_global_control()) ~ '|' ~ (suppressions_relation | string)
) -%}
{{ journey.trigger_warn_unmatched(triggers, ref('int_trigger_entries')) }}

with entries as (

    select * from {{ ref('int_trigger_entries') }}

),

steps as (

    select * from {{ ref('dim_trigger_steps') }}

),

watermarks as (

    -- load moments where the watermark rises (a window ending in their range closes there)
    select
        loaded_at,
        watermark_at
    from {{ ref('int_trigger_load_watermarks') }}
    where watermark_at > previous_watermark_at

),

suppressions as (

    select
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(added_at as {{ dbt.type_timestamp() }}) as added_at
    {% if suppressions_relation %}
        from {{ suppressions_relation }}
    {% else %}
        from {{ ref('journey_trigger_suppressions') }}
    {% endif %}

),

candidates as (

    select
        {{ journey.trigger_fire_id(
            'entries.trigger_name', 'steps.step_name', 'entries.user_id', 'entries.entry_event_id'
        ) }} as fire_id,
        entries.trigger_name,
        steps.step_name,
        steps.step_number,
        entries.user_id,
        steps.channel,
        {%- set data_steps = [] -%}
        {%- for t in triggers -%}{%- for st in t.steps if st.payload_fields -%}{%- do data_steps.append((t, st)) -%}{%- endfor -%}{%- endfor %}
        {% if data_steps -%}
        -- a payload with values from data: the fixed values and those read at the entry
        case
            {%- for t, st in data_steps %}
                {%- set pairs = [] -%}
                {%- for key, value in st.payload.items() -%}
                    {%- do pairs.append((key, (value | string) if (value is number and value is not boolean) else journey.funnel_literal(value if value is string else tojson(value)))) -%}
                {%- endfor -%}
                {%- for f in st.payload_fields -%}
                    {%- do pairs.append((f.key, journey.json_extract_string('entries.payload_values', 's' ~ st.number ~ '__' ~ f.key) | trim)) -%}
                {%- endfor %}
            when entries.trigger_name = {{ journey.funnel_literal(t.name) }} and steps.step_number = {{ st.number }}
                then {{ journey.trigger_json_object(pairs | sort(attribute='0')) }}
            {%- endfor %}
            else steps.payload
        end
        {%- else -%}
        steps.payload
        {%- endif %} as payload,
        steps.priority,
        entries.entry_event_id,
        entries.entered_at,
        entries.entry_loaded_at,
        entries.match_value,
        entries.is_accepted_entry,
        {{ journey.trigger_entry_fingerprint('entries') }} as entry_fingerprint,
        {{ journey.funnel_timestamp_add_seconds('entries.entered_at', 'steps.offset_seconds') }} as condition_true_at,
        steps.holdout_share,
        steps.holdout_salt,
        steps.global_control_share,
        steps.global_control_salt,
        steps.quiet_hours_start_minute,
        steps.quiet_hours_end_minute,
        steps.quiet_hours_action,
        steps.channel_cap_max,
        steps.channel_cap_period
    from entries
    inner join steps
        on entries.trigger_name = steps.trigger_name

),

candidate_moments as (

    -- every window end (the closings of all of them are cheap, and an estimate from the
    -- affected users alone can be small enough for DuckDB to loop over every watermark row)
    select distinct condition_true_at
    from candidates

),

closings as (

    {{ journey.trigger_window_closings('candidate_moments', 'watermarks') }}

),

{% if incremental %}
stored as (

    select
        fire_id,
        user_id,
        status,
        skip_reason,
        condition_true_at,
        decided_at_load,
        entry_fingerprint,
        spec_hash,
        processed_at
    from {{ this }}

),

previous_run as (

    select
        max(processed_at) as processed_at,
        max(case when spec_hash <> '{{ spec_hash }}' then 1 else 0 end) as is_spec_changed
    from stored

),

new_events as (

    -- rows written since the previous run; every row when there is none or the spec changed
    select
        fct_events.user_id,
        fct_events.anonymous_id,
        fct_events.is_identified
    from {{ ref('fct_events') }} as fct_events
    cross join previous_run
    where
        previous_run.processed_at is null
        or previous_run.is_spec_changed = 1
        or fct_events.processed_at > previous_run.processed_at

),

rewritten_watermarks as (

    -- the earliest load moment the watermark runs since the previous run recomputed from
    select min(written.recomputed_from_at) as loaded_at
    from {{ ref('int_trigger_load_watermarks') }} as written
    cross join previous_run
    where written.processed_at > previous_run.processed_at

),

stored_closings as (

    select
        stored.user_id,
        stored.decided_at_load as stored_decided_at_load,
        candidates.entry_loaded_at,
        closings.closed_at_load
    from stored
    cross join rewritten_watermarks
    inner join candidates
        on stored.fire_id = candidates.fire_id
    inner join closings
        on candidates.condition_true_at = closings.condition_true_at
    -- stored steps decided at or after the point the watermark was recomputed from
    where stored.decided_at_load >= rewritten_watermarks.loaded_at

),

affected_users as (

    -- users with new rows
    select user_id
    from new_events
    where is_identified

    union distinct

    -- every user ever paired with a device that has new rows: a device that changes hands
    -- moves its older rows to another user without writing them again
    select pairs.user_id
    from {{ ref('int_identity_pairs_daily') }} as pairs
    where pairs.anonymous_id in (select new_events.anonymous_id from new_events)

    union distinct

    -- pending steps whose window the watermark now closes, and steps suppressed before
    select stored.user_id
    from stored
    where
        (
            stored.status = 'pending'
            and stored.condition_true_at <= (select max(watermarks.watermark_at) from watermarks)
        )
        or stored.skip_reason = 'suppressed'

    union distinct

    -- users on a suppression list now
    select user_id
    from suppressions

    union distinct

    -- decided steps whose closing load moved (a late load rewrote the watermark history)
    select user_id
    from stored_closings
    where
        stored_closings.closed_at_load is null
        or stored_decided_at_load <> case
            when stored_closings.closed_at_load < stored_closings.entry_loaded_at
                then stored_closings.entry_loaded_at
            else stored_closings.closed_at_load
        end

    union distinct

    -- entries new or changed (state, payload, re-entry verdict)
    select candidates.user_id
    from candidates
    left join stored
        on candidates.fire_id = stored.fire_id
    where
        stored.fire_id is null
        or stored.entry_fingerprint <> candidates.entry_fingerprint

    union distinct

    -- entries that vanished (their rows go in the post-hook; the user's others are redone)
    select stored.user_id
    from stored
    left join candidates
        on stored.fire_id = candidates.fire_id
    where candidates.fire_id is null

),
{% endif %}

evaluated as (

    select *
    from candidates
    {%- if incremental %}
    where user_id in (select affected_users.user_id from affected_users)
    {%- endif %}

),


decided as (

    -- decided at the load that closes the window, not before the entry itself was loaded
    select
        evaluated.*,
        case
            when closings.closed_at_load is null then null
            when closings.closed_at_load < evaluated.entry_loaded_at then evaluated.entry_loaded_at
            else closings.closed_at_load
        end as decided_at_load
    from evaluated
    inner join closings
        on evaluated.condition_true_at = closings.condition_true_at

),

events as (

    select
        event_name,
        event_at,
        user_id,
        properties,
        coalesce(loaded_at, event_at) as loaded_at
    from {{ ref('fct_events') }}
    where
        is_identified
        {% if incremental -%}
            and user_id in (select affected_users.user_id from affected_users)
        {%- endif %}

),

exit_events as (

    {%- set exit_selects = [] -%}
    {%- for t in triggers if t.exit -%}
        {%- set exit_select %}
    select
        {{ journey.funnel_literal(t.name) }} as trigger_name,
        {{ 'true' if t.exit.since == 'ever' else 'false' }} as is_exit_ever,
        user_id,
        event_at as exit_at,
        loaded_at as exit_loaded_at,
        {% if t.exit.match_property -%}
            {{ journey.json_extract_string('properties', t.exit.match_property) }}
        {%- else -%}
            cast(null as {{ dbt.type_string() }})
        {%- endif %} as match_value
    from events
    where event_name in (
        {%- for e in t.exit.events %}{{ journey.funnel_literal(e) }}{% if not loop.last %}, {% endif %}{% endfor -%}
    )
        {%- endset -%}
        {%- do exit_selects.append(exit_select) -%}
    {%- endfor %}
    {{ journey.trigger_union_all(exit_selects, [
        ('trigger_name', dbt.type_string()),
        ('is_exit_ever', dbt.type_boolean()),
        ('user_id', dbt.type_string()),
        ('exit_at', dbt.type_timestamp()),
        ('exit_loaded_at', dbt.type_timestamp()),
        ('match_value', dbt.type_string()),
    ], 'events') }}

),

exits as (

    -- the first exit event in (entered_at, T] (since: ever - up to T) known at the decision moment
    select
        decided.fire_id,
        min(exit_events.exit_at) as exited_at
    from decided
    inner join exit_events
        on
            decided.trigger_name = exit_events.trigger_name
            and decided.user_id = exit_events.user_id
            and (exit_events.is_exit_ever or decided.entered_at < exit_events.exit_at)
            and decided.condition_true_at >= exit_events.exit_at
            and decided.decided_at_load >= exit_events.exit_loaded_at
            and (decided.match_value is null or decided.match_value = exit_events.match_value)
    where decided.decided_at_load is not null
    group by decided.fire_id

),

suppressed as (

    select
        decided.fire_id,
        min(suppressions.added_at) as suppressed_since
    from decided
    inner join suppressions
        on
            decided.user_id = suppressions.user_id
            and decided.condition_true_at >= suppressions.added_at
    group by decided.fire_id

),

time_zone_events as (

    select
        user_id,
        event_at,
        loaded_at,
        {{ journey.json_extract_string('properties', 'timezone') }} as time_zone
    from events
    where {{ journey.json_extract_string('properties', 'timezone') }} is not null

),

known_time_zone_events as (

    select *
    from time_zone_events
    where {{ journey.trigger_is_known_time_zone('time_zone') }}

),

fire_time_zones as (

    -- the user's latest time zone at T, among the events known at the decision moment
    select
        decided.fire_id,
        known_time_zone_events.time_zone,
        row_number() over (
            partition by decided.fire_id
            order by
                known_time_zone_events.event_at desc,
                known_time_zone_events.loaded_at desc,
                known_time_zone_events.time_zone asc
        ) as time_zone_rank
    from decided
    inner join known_time_zone_events
        on
            decided.user_id = known_time_zone_events.user_id
            and decided.condition_true_at >= known_time_zone_events.event_at
            and decided.decided_at_load >= known_time_zone_events.loaded_at
    where decided.decided_at_load is not null

),

classified as (

    select
        decided.*,
        exits.exited_at,
        coalesce(
            fire_time_zones.time_zone, {{ journey.funnel_literal(settings.default_timezone) }}
        ) as time_zone,
        case
            when decided.decided_at_load is null then 'pending'
            when not decided.is_accepted_entry then 'already_entered'
            when exits.exited_at is not null then 'exited'
            when suppressed.fire_id is not null then 'suppressed'
            when
                {{ journey.stable_bucket('decided.user_id', 'decided.global_control_salt') }}
                < decided.global_control_share * 10000
                then 'global_control'
            when {{ journey.stable_bucket('decided.user_id', 'decided.holdout_salt') }} < decided.holdout_share * 10000
                then 'holdout'
        end as early_reason,
        case
            when
                {{ journey.stable_bucket('decided.user_id', 'decided.global_control_salt') }}
                < decided.global_control_share * 10000
                then 'global_control'
            when {{ journey.stable_bucket('decided.user_id', 'decided.holdout_salt') }} < decided.holdout_share * 10000
                then 'control'
            else 'treatment'
        end as arm
    from decided
    left join exits
        on decided.fire_id = exits.fire_id
    left join suppressed
        on decided.fire_id = suppressed.fire_id
    left join fire_time_zones
        on
            decided.fire_id = fire_time_zones.fire_id
            and fire_time_zones.time_zone_rank = 1

),

local_times as (

    select
        classified.*,
        {{ journey.trigger_utc_to_local('classified.condition_true_at', 'classified.time_zone') }}
            as local_condition_true_at
    from classified

),

local_minutes as (

    select
        local_times.*,
        extract(hour from local_times.local_condition_true_at) * 60
        + extract(minute from local_times.local_condition_true_at) as local_minute
    from local_times

),

quiet as (

    -- quiet hours may run over midnight (start after end)
    select
        local_minutes.*,
        case
            when local_minutes.quiet_hours_start_minute is null then false
            when local_minutes.quiet_hours_start_minute > local_minutes.quiet_hours_end_minute
                then
                    local_minutes.local_minute >= local_minutes.quiet_hours_start_minute
                    or local_minutes.local_minute < local_minutes.quiet_hours_end_minute
            else
                local_minutes.local_minute >= local_minutes.quiet_hours_start_minute
                and local_minutes.local_minute < local_minutes.quiet_hours_end_minute
        end as is_in_quiet_hours
    from local_minutes

),

scheduled as (

    -- delayed: the next end of the quiet hours, local (the next day when they started today)
    select
        quiet.*,
        case
            when quiet.is_in_quiet_hours and quiet.quiet_hours_action = 'delay'
                then {{ journey.trigger_local_to_utc(
                    dbt.dateadd(
                        'minute',
                        'quiet.quiet_hours_end_minute + case when quiet.quiet_hours_start_minute'
                        ~ ' > quiet.quiet_hours_end_minute and quiet.local_minute'
                        ~ ' >= quiet.quiet_hours_start_minute then 1440 else 0 end',
                        dbt.date_trunc('day', 'quiet.local_condition_true_at')
                    ),
                    'quiet.time_zone'
                ) }}
            else quiet.condition_true_at
        end as send_at,
        case
            when quiet.early_reason is not null then quiet.early_reason
            when quiet.is_in_quiet_hours and quiet.quiet_hours_action = 'drop' then 'quiet_hours'
        end as reason_before_caps
    from quiet

),

cap_periods as (

    select
        scheduled.*,
        case
            when scheduled.channel_cap_period = 'week'
                then {{ journey.funnel_week_start(
                    'cast(' ~ journey.trigger_utc_to_local('scheduled.send_at', 'scheduled.time_zone') ~ ' as date)'
                ) }}
            else cast({{ journey.trigger_utc_to_local('scheduled.send_at', 'scheduled.time_zone') }} as date)
        end as cap_period_start
    from scheduled

),

slots as (

    -- steps that would go out compete for the channel's slots in the period: earlier decision
    -- first (what went out stays out), then higher priority, then earlier send, then fire id
    select
        cap_periods.*,
        row_number() over (
            partition by cap_periods.user_id, cap_periods.channel, cap_periods.cap_period_start
            order by
                cap_periods.decided_at_load asc,
                cap_periods.priority desc,
                cap_periods.send_at asc,
                cap_periods.fire_id asc
        ) as slot_rank
    from cap_periods
    where cap_periods.reason_before_caps is null

),

slot_outcomes as (

    select
        slots.*,
        slots.channel_cap_max is null or slots.slot_rank <= slots.channel_cap_max as is_sent
    from slots

),

slot_reasons as (

    select
        slot_outcomes.*,
        max(case when slot_outcomes.is_sent then slot_outcomes.priority end) over (
            partition by
                slot_outcomes.user_id,
                slot_outcomes.channel,
                slot_outcomes.cap_period_start,
                slot_outcomes.decided_at_load
        ) as best_sent_priority_same_load
    from slot_outcomes

),

final as (

    select
        cap_periods.fire_id,
        cap_periods.trigger_name,
        cap_periods.step_name,
        cap_periods.step_number,
        cap_periods.user_id,
        cap_periods.channel,
        cap_periods.payload,
        cap_periods.priority,
        cap_periods.arm,
        cap_periods.entry_event_id,
        cap_periods.entered_at,
        cap_periods.condition_true_at,
        cap_periods.decided_at_load,
        cap_periods.time_zone,
        cap_periods.send_at,
        cap_periods.exited_at,
        cap_periods.entry_fingerprint,
        case
            when cap_periods.reason_before_caps is not null then cap_periods.reason_before_caps
            when slot_reasons.is_sent then null
            when slot_reasons.best_sent_priority_same_load > slot_reasons.priority then 'lower_priority'
            else 'capped'
        end as reason
    from cap_periods
    left join slot_reasons
        on cap_periods.fire_id = slot_reasons.fire_id

)

select
    fire_id,
    trigger_name,
    step_name,
    step_number,
    user_id,
    channel,
    payload,
    priority,
    arm,
    entry_event_id,
    entered_at,
    condition_true_at,
    decided_at_load,
    time_zone,
    exited_at,
    case when reason = 'pending' then null else send_at end as send_at,
    case
        when reason = 'pending' then 'pending'
        when reason is null then 'fired'
        else 'skipped'
    end as status,
    case when reason = 'pending' then null else reason end as skip_reason,
    entry_fingerprint,
    cast('{{ spec_hash }}' as {{ dbt.type_string() }}) as spec_hash,
    {{ journey.run_started_at_timestamp() }} as processed_at
from final
