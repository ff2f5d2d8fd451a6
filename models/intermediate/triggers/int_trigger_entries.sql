-- depends_on: {{ ref('journey_event_taxonomy') }}
{{ config(materialized='table') }}

{#-
    One row per trigger and entry event: an identified user's fct_events row that matches the
    trigger's entry (event name and property / column predicates, and the entry state: a row of
    the declared segments mart that matches its predicates, with the entry event inside its
    `within` window). payload_values holds the step payload values read from data at the entry
    (keys s<step number>__<payload key>). is_accepted_entry applies
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

    {%- set entry_selects = [] -%}
    {% for t in triggers %}
        {%- set state = t.entry.state -%}
        {%- set lookups = [] -%}
        {%- set lookup_columns = {} -%}
        {%- set state_columns = [] -%}
        {%- set payload_pairs = [] -%}
        {%- if state -%}
            {%- for f in state.where -%}{%- do state_columns.append(f.field.name) -%}{%- endfor -%}
            {%- if state.within -%}{%- do state_columns.append(state.within.column) -%}{%- endif -%}
            {%- if state.order_column -%}{%- do state_columns.append(state.order_column) -%}{%- endif -%}
        {%- endif -%}
        {%- for s in t.steps -%}
            {%- for f in s.payload_fields -%}
                {%- if f.source == 'relation' and f.relation not in lookups -%}{%- do lookups.append(f.relation) -%}{%- endif -%}
                {%- if f.source == 'relation' -%}
                    {%- do lookup_columns.update({f.relation: lookup_columns.get(f.relation, []) + [f.name]}) -%}
                {%- elif f.source == 'state' -%}
                    {%- do state_columns.append(f.name) -%}
                {%- endif -%}
                {%- do payload_pairs.append((
                    's' ~ s.number ~ '__' ~ f.key,
                    journey.trigger_payload_value_sql(
                        f, 'events', 'state_rows', 'lookup_' ~ ((lookups.index(f.relation) + 1) if f.source == 'relation' else 0)
                    ) | trim,
                )) -%}
            {%- endfor -%}
        {%- endfor %}
        {%- set entry_select %}
    select
        trigger_name,
        reentry_seconds,
        user_id,
        entry_event_id,
        entered_at,
        entry_loaded_at,
        match_value,
        payload_values
    from (
        select
            {{ journey.funnel_literal(t.name) }} as trigger_name,
            {{ t.reentry.seconds if t.reentry.seconds is not none else 'cast(null as ' ~ dbt.type_bigint() ~ ')' }} as reentry_seconds,
            events.user_id,
            events.event_id as entry_event_id,
            events.event_at as entered_at,
            coalesce(events.loaded_at, events.event_at) as entry_loaded_at,
            {% if t.exit and t.exit.match_property -%}
                {{ journey.json_extract_string('events.properties', t.exit.match_property) }}
            {%- else -%}
                cast(null as {{ dbt.type_string() }})
            {%- endif %} as match_value,
            {% if payload_pairs -%}
                {{ journey.trigger_json_object(payload_pairs) }}
            {%- else -%}
                cast(null as {{ dbt.type_string() }})
            {%- endif %} as payload_values,
            -- several state rows of the user at the entry: the latest by the mart's order column
            row_number() over (
                partition by events.event_id
                order by {{ ('state_rows.' ~ state.order_column ~ ' desc') if state and state.order_column else 'events.event_id' }}
            ) as state_rank
        from events
        {%- if state %}
        inner join {{ journey.trigger_state_relation(state.relation, state_columns, t.name) }} as state_rows
            on
                events.user_id = cast(state_rows.user_id as {{ dbt.type_string() }})
                and {{ journey.trigger_state_condition_sql(state.where, 'state_rows') }}
            {%- if state.within %}
                and events.event_at >= {{ journey.funnel_timestamp_add_seconds(
                    'cast(state_rows.' ~ state.within.column ~ ' as ' ~ dbt.type_timestamp() ~ ')', state.within.min_seconds
                ) }}
                {%- if state.within.max_seconds is not none %}
                and events.event_at <= {{ journey.funnel_timestamp_add_seconds(
                    'cast(state_rows.' ~ state.within.column ~ ' as ' ~ dbt.type_timestamp() ~ ')', state.within.max_seconds
                ) }}
                {%- endif %}
            {%- endif %}
        {%- endif %}
        {%- for relation in lookups %}
        left join {{ journey.trigger_state_relation(relation, lookup_columns[relation], t.name) }} as lookup_{{ loop.index }}
            on events.user_id = cast(lookup_{{ loop.index }}.user_id as {{ dbt.type_string() }})
        {%- endfor %}
        where {{ journey.funnel_condition_sql(t.entry, 'events') }}
    ) as entries_of_trigger
    where state_rank = 1
        {%- endset -%}
        {%- do entry_selects.append(entry_select) -%}
    {%- endfor %}
    {{ journey.trigger_union_all(entry_selects, [
        ('trigger_name', dbt.type_string()),
        ('reentry_seconds', dbt.type_bigint()),
        ('user_id', dbt.type_string()),
        ('entry_event_id', dbt.type_string()),
        ('entered_at', dbt.type_timestamp()),
        ('entry_loaded_at', dbt.type_timestamp()),
        ('match_value', dbt.type_string()),
        ('payload_values', dbt.type_string()),
    ], 'events') }}

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
    ordered.payload_values,
    ordered.entry_rank,
    accepted.entry_rank is not null as is_accepted_entry
from ordered
left join accepted
    on
        ordered.trigger_name = accepted.trigger_name
        and ordered.user_id = accepted.user_id
        and ordered.entry_rank = accepted.entry_rank
