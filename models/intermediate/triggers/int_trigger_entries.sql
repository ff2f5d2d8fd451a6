-- depends_on: {{ ref('journey_event_taxonomy') }}
{{ config(materialized='table') }}

{#-
    One row per trigger and entry event: an identified user's fct_events row that matches the
    trigger's entry (event name and property / column predicates). is_accepted_entry applies
    the re-entry policy in event time: 'once' accepts a user's first entry only; 'every N'
    accepts the first entry, then the first entry at least N after the last accepted one.
    The other entries become 'already_entered' skips. Triggers that match no event are
    reported by a warning when this model runs (and by a warn-severity test).
-#}
{%- set triggers = journey.trigger_configs() -%}
{{ journey.trigger_check_event_names(triggers, ref('fct_events')) }}

with recursive events as (

    select *
    from {{ ref('fct_events') }}
    where
        is_identified
        and user_id not in (
            select erased.identity_value
            from {{ ref('int_erased_identities') }} as erased
            where erased.identity_kind = 'user'
        )

),

matched as (

    {% for t in triggers %}
    select
        {{ journey.funnel_literal(t.name) }} as trigger_name,
        {{ t.reentry.seconds if t.reentry.seconds is not none else 'cast(null as ' ~ dbt.type_bigint() ~ ')' }} as reentry_seconds,
        user_id,
        event_id as entry_event_id,
        event_at as entered_at,
        coalesce(loaded_at, event_at) as entry_loaded_at,
        {% if t.exit and t.exit.match_property -%}
            {{ journey.json_extract_string('properties', t.exit.match_property) }}
        {%- else -%}
            cast(null as {{ dbt.type_string() }})
        {%- endif %} as match_value
    from events
    where {{ journey.funnel_condition_sql(t.entry) }}
        {% if not loop.last %}
    union all
        {% endif %}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as trigger_name,
            cast(null as {{ dbt.type_bigint() }}) as reentry_seconds,
            cast(null as {{ dbt.type_string() }}) as user_id,
            cast(null as {{ dbt.type_string() }}) as entry_event_id,
            cast(null as {{ dbt.type_timestamp() }}) as entered_at,
            cast(null as {{ dbt.type_timestamp() }}) as entry_loaded_at,
            cast(null as {{ dbt.type_string() }}) as match_value
        from events
        where false
    {% endfor %}

),

ordered as (

    select
        matched.*,
        row_number() over (
            partition by matched.trigger_name, matched.user_id
            order by matched.entered_at asc, matched.entry_event_id asc
        ) as entry_rank
    from matched

),

next_candidates as (

    -- 'every N': the first later entry at least N after this one (the next one re-entry allows)
    select
        earlier.trigger_name,
        earlier.user_id,
        earlier.entry_rank,
        min(later.entry_rank) as next_rank
    from ordered as earlier
    inner join ordered as later
        on
            earlier.trigger_name = later.trigger_name
            and earlier.user_id = later.user_id
            and later.entered_at
            >= {{ journey.funnel_timestamp_add_seconds('earlier.entered_at', 'earlier.reentry_seconds') }}
    where earlier.reentry_seconds is not null
    group by earlier.trigger_name, earlier.user_id, earlier.entry_rank

),

accepted as (

    select
        trigger_name,
        user_id,
        entry_rank
    from ordered
    where entry_rank = 1

    union all

    select
        next_candidates.trigger_name,
        next_candidates.user_id,
        next_candidates.next_rank as entry_rank
    from accepted
    inner join next_candidates
        on
            accepted.trigger_name = next_candidates.trigger_name
            and accepted.user_id = next_candidates.user_id
            and accepted.entry_rank = next_candidates.entry_rank

)

select
    ordered.trigger_name,
    ordered.user_id,
    ordered.entry_event_id,
    ordered.entered_at,
    ordered.entry_loaded_at,
    ordered.match_value,
    ordered.entry_rank,
    accepted.entry_rank is not null as is_accepted_entry
from ordered
left join accepted
    on
        ordered.trigger_name = accepted.trigger_name
        and ordered.user_id = accepted.user_id
        and ordered.entry_rank = accepted.entry_rank
