{#-
    CTEs that evaluate every attempt of one funnel (see funnel_configs for its shape) from
    fct_events; the last CTE, <prefix>final, has the columns of funnel_attempt_columns().

    An attempt starts at each entry event (a step-1 event whose event_date is in the entry
    date range; with order any_order, an event of any step; with attempt_policy first only the
    unit's first entry, unless an excluded attempt must fall back). Events are ordered exactly as in
    sessions (journey.event_order(): time, sequence number, event id) and numbered per unit
    (unit_rank); a step's event must come strictly later in that order than the previous
    step's, so one event never fills two steps. "Part" = unit plus the held-constant values:
    steps of an attempt are looked for in its part only.

      ordered    required steps are matched greedily: step k = the first step-k event after
                 step k-1's event (at least min_gap later), kept only when it is within the
                 conversion window from the entry (inclusive) and within `within` of the
                 previous required step (inclusive). Optional steps are then looked for
                 between their neighbouring reached steps; they never change the required
                 chain.
      strict     step k must be the very next event of the unit after the last reached step,
                 ignoring `ignore_events`; an optional step that is not next is skipped.
      any_order  from the entry on, within the window, each event fills the lowest-numbered
                 unfilled step it matches: step k = the first step-k event at or after the
                 entry that has not filled an earlier step.

    Exclusion j between [a, b] excludes the attempt when an exclusion event of the unit
    comes after step a's event and before step b's event, or, when step b was not reached,
    while the attempt could still progress (open_until_at, the strict breaking event).
    With count_by attempts, next_attempt_id links each attempt to the first entry after it
    has ended (converted, excluded or timed out), as Mixpanel's total conversions do.

    Per-step search runs as equi-joins on precomputed "next step-k event" ranks (window
    functions over the small filtered event table), or as one window pass over probes and
    candidate events (funnel_next_match_sql) where a minimum gap is involved: no join of
    attempts with events ever multiplies rows.
-#}
{% macro funnel_attempts_ctes(funnel, prefix) -%}
{%- set p = prefix -%}
{%- set steps = funnel.steps -%}
{%- set n = steps | length -%}
{%- set order = funnel.order -%}
{%- set window = funnel.window_seconds -%}
{%- set exclusions = funnel.exclusions -%}
{%- set unit_column = 'session_id' if funnel.count_by == 'sessions' else 'user_id' -%}
{%- set has_hold = funnel.hold_constant | length > 0 -%}
{%- set event_order = journey.event_order() -%}
{%- set string_type = dbt.type_string() -%}
{%- set bigint_type = dbt.type_bigint() -%}
{%- set required = [] -%}
{%- for s in steps -%}{%- if not s.optional -%}{%- do required.append(s.index) -%}{%- endif -%}{%- endfor -%}
{%- set state = {'prev': p ~ 'entries'} -%}

{#- ---- expressions shared by the CTEs ---- -#}
{%- set held_parts = [] -%}
{%- for h in funnel.hold_constant -%}{%- do held_parts.append(journey.funnel_field_sql(h) | trim) -%}{%- endfor -%}
{%- if held_parts | length == 0 -%}
    {%- set held_expr = 'cast(null as ' ~ string_type ~ ')' -%}
{%- elif held_parts | length == 1 -%}
    {%- set held_expr = held_parts[0] -%}
{%- else -%}
    {%- set held_expr = 'case when ' ~ (held_parts | join(' is not null and ')) ~ ' is not null then concat(' ~ (held_parts | join(", '|', ")) ~ ') end' -%}
{%- endif -%}
{%- if funnel.breakdown is not none -%}
    {%- set breakdown_expr = journey.funnel_field_sql(funnel.breakdown.field) | trim -%}
{%- else -%}
    {%- set breakdown_expr = 'cast(null as ' ~ string_type ~ ')' -%}
{%- endif -%}
{%- set any_match = [] -%}
{%- for s in steps -%}{%- do any_match.append('is_step_' ~ s.index) -%}{%- endfor -%}
{%- set any_step = any_match | join(' or ') -%}
{%- for x in exclusions -%}{%- do any_match.append('is_exclusion_' ~ x.index) -%}{%- endfor -%}
{%- set name_literals = [] -%}
{%- for e in funnel.event_names -%}{%- do name_literals.append(journey.funnel_literal(e)) -%}{%- endfor -%}
{%- set has_ignored_exclusions = [] -%}
{%- for x in exclusions -%}{%- for e in x.events -%}{%- if e in funnel.ignore_events -%}{%- do has_ignored_exclusions.append(e) -%}{%- endif -%}{%- endfor -%}{%- endfor -%}
{%- set has_ignored_exclusions = has_ignored_exclusions | length > 0 -%}
{%- set ignore_literals = [] -%}
{%- for e in funnel.ignore_events -%}{%- do ignore_literals.append(journey.funnel_literal(e)) -%}{%- endfor -%}

{#- the conversion window, inclusive at its edge, from the entry to a candidate event -#}
{%- if window is not none -%}
    {%- set window_check = 'and ' ~ (journey.seconds_between('prev.entered_at', 'candidate.event_at') | trim) ~ ' <= ' ~ window -%}
{%- else -%}
    {%- set window_check = '' -%}
{%- endif -%}

{%- set source_columns %}
        {{ unit_column }} as unit_id,
        user_id,
        session_id,
        event_id,
        event_at,
        event_date,
        sequence_number,
        {%- for s in steps %}
        {{ journey.funnel_condition_sql(s) }} as is_step_{{ s.index }},
        {%- endfor %}
        {%- for x in exclusions %}
        {{ journey.funnel_condition_sql(x) }} as is_exclusion_{{ x.index }},
        {%- endfor %}
        {{ held_expr }} as held_value,
        {{ breakdown_expr }} as breakdown_value
{%- endset %}

{%- if order == 'strict' %}
{%- set step_flags = [] -%}
{%- for s in steps -%}{%- do step_flags.append('is_step_' ~ s.index) -%}{%- endfor -%}
{%- for x in exclusions -%}{%- do step_flags.append('is_exclusion_' ~ x.index) -%}{%- endfor %}
{{ p }}stream as (

    -- every event of the unit that strict adjacency looks at (all but ignore_events), narrow:
    -- its position among them and whether the one before it can be a step
    select
        unit_id,
        event_id,
        {{ step_flags | join(',\n        ') }},
        row_number() over (partition by unit_id order by {{ event_order }}) as strict_rank,
        lag({{ any_step }}) over (partition by unit_id order by {{ event_order }}) as follows_step
    from (
        select
            {{ unit_column }} as unit_id,
            event_id,
            event_at,
            sequence_number
            {%- for s in steps %},
            {{ journey.funnel_condition_sql(s) }} as is_step_{{ s.index }}
            {%- endfor %}
            {%- for x in exclusions %},
            {{ journey.funnel_condition_sql(x) }} as is_exclusion_{{ x.index }}
            {%- endfor %}
        from {{ ref('fct_events') }}
        {%- if ignore_literals | length > 0 %}
        where event_name not in ({{ ignore_literals | join(', ') }})
        {%- endif %}
    ) as adjacent_events

),

{{ p }}filtered as (

    -- step and exclusion events, plus each step event's next event (the one that breaks it)
    select
        stream.unit_id,
        events.user_id,
        events.session_id,
        stream.event_id,
        events.event_at,
        events.event_date,
        events.sequence_number,
        {%- for f in step_flags %}
        stream.{{ f }},
        {%- endfor %}
        {%- set held_parts_q = [] -%}
        {%- for h in funnel.hold_constant -%}{%- do held_parts_q.append(journey.funnel_field_sql(h, 'events') | trim) -%}{%- endfor %}
        {%- if held_parts_q | length == 0 %}
        cast(null as {{ string_type }}) as held_value,
        {%- elif held_parts_q | length == 1 %}
        {{ held_parts_q[0] }} as held_value,
        {%- else %}
        case when {{ held_parts_q | join(' is not null and ') }} is not null then concat({{ held_parts_q | join(", '|', ") }}) end as held_value,
        {%- endif %}
        {%- if funnel.breakdown is not none %}
        {{ journey.funnel_field_sql(funnel.breakdown.field, 'events') }} as breakdown_value,
        {%- else %}
        cast(null as {{ string_type }}) as breakdown_value,
        {%- endif %}
        stream.strict_rank
    from {{ p }}stream as stream
    inner join {{ ref('fct_events') }} as events
        on stream.event_id = events.event_id
    where {{ any_match | join(' or ') }} or follows_step
    {%- set ignored_exclusions = [] -%}
    {%- for x in exclusions -%}{%- for e in x.events -%}{%- if e in funnel.ignore_events -%}{%- do ignored_exclusions.append(e) -%}{%- endif -%}{%- endfor -%}{%- endfor -%}
    {%- if ignored_exclusions | length > 0 %}
    union all
    -- exclusion events that strict adjacency ignores still exclude
    select
        unit_id, user_id, session_id, event_id, event_at, event_date, sequence_number,
        {%- for f in step_flags %} {{ f }},{% endfor %}
        held_value, breakdown_value, cast(null as {{ bigint_type }}) as strict_rank
    from (
        select{{ source_columns }}
        from {{ ref('fct_events') }}
        {%- set ignored_literals = [] -%}
        {%- for e in ignored_exclusions | unique -%}{%- do ignored_literals.append(journey.funnel_literal(e)) -%}{%- endfor %}
        where event_name in ({{ ignored_literals | join(', ') }})
    ) as ignored_events
    where {{ any_match | join(' or ') }}
    {%- endif %}

),
{%- else %}
{{ p }}source as (

    select{{ source_columns }}
    from {{ ref('fct_events') }}
    where event_name in ({{ name_literals | join(', ') }})

),

{{ p }}filtered as (

    -- events that fill a step or an exclusion of the funnel
    select
        {{ p }}source.*,
        cast(null as {{ bigint_type }}) as strict_rank
    from {{ p }}source
    where {{ any_match | join(' or ') }}

),
{%- endif %}

{{ p }}ranked as (

    select
        {{ p }}filtered.*,
        {%- if order == 'strict' and not has_ignored_exclusions %}
        -- every kept row is non-ignored: its strict position already orders the unit
        strict_rank as unit_rank,
        {%- else %}
        row_number() over (partition by unit_id order by {{ event_order }}) as unit_rank,
        {%- endif %}
        {%- if has_hold %}
        -- an event without the held values is a part of its own: it can enter, never progress
        coalesce(held_value, concat('~', event_id)) as held_key,
        {%- else %}
        '' as held_key,
        {%- endif %}
        ({{ any_step if order == 'any_order' else 'is_step_1' }})
        {%- if funnel.entry_start is not none %}
        and event_date >= cast('{{ funnel.entry_start }}' as date)
        {%- endif %}
        {%- if funnel.entry_end is not none %}
        and event_date <= cast('{{ funnel.entry_end }}' as date)
        {%- endif %} as is_entry
    from {{ p }}filtered

),

{%- set next_columns = [] -%}
{%- if order != 'strict' -%}
    {%- for s in steps -%}
        {%- if order == 'any_order' or s.index > 1 -%}
            {%- do next_columns.append('min(case when is_step_' ~ s.index ~ ' then unit_rank end) over (partition by unit_id, held_key order by unit_rank rows between 1 following and unbounded following) as next_step_' ~ s.index ~ '_rank') -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}
{%- for x in exclusions -%}
    {%- do next_columns.append('min(case when is_exclusion_' ~ x.index ~ ' then unit_rank end) over (partition by unit_id order by unit_rank rows between 1 following and unbounded following) as next_exclusion_' ~ x.index ~ '_rank') -%}
{%- endfor -%}
{#- attempt_policy first picks the unit's first attempt whatever the others do, unless an
    excluded first attempt must fall back to a later one: only first attempts are evaluated -#}
{%- set first_only = funnel.count_by != 'attempts' and funnel.attempt_policy == 'first'
    and (exclusions | length == 0 or funnel.exclusion_removes == 'user') -%}
{%- if first_only -%}
    {%- do next_columns.append('min(case when is_entry then unit_rank end) over (partition by unit_id) as first_entry_rank') -%}
{%- endif %}

{{ p }}events as (

    -- next_step_k_rank: the unit_rank of the first step-k event after this one in its part;
    -- next_exclusion_j_rank: the first exclusion-j event after this one in the unit
    select
        {{ p }}ranked.*
        {%- for c in next_columns %},
        {{ c }}
        {%- endfor %}
    from {{ p }}ranked

),

{{ p }}entries as (

    select
        unit_id,
        held_key,
        held_value,
        user_id,
        session_id,
        event_id as attempt_id,
        unit_rank as entry_rank,
        {%- if funnel.count_by == 'attempts' %}
        row_number() over (partition by unit_id, held_key order by unit_rank) as attempt_number,
        {%- else %}
        cast(null as {{ bigint_type }}) as attempt_number,
        {%- endif %}
        event_at as entered_at,
        event_date as entry_date
        {%- if order == 'any_order' %}
        {%- for s in steps %},
        case when is_step_{{ s.index }} then unit_rank else next_step_{{ s.index }}_rank end as candidate_{{ s.index }}_rank
        {%- endfor %}
        {%- else %},
        unit_rank as step_1_rank,
        event_at as step_1_at,
        event_id as step_1_event_id
        {%- endif %}
        {%- if order == 'strict' %},
        strict_rank as cursor_strict_rank,
        false as is_broken
        {%- endif %}
    from {{ p }}events
    where
        is_entry
        {%- if first_only %}
        -- attempt_policy first: the unit's first entry is the only attempt that can count
        and unit_rank = first_entry_rank
        {%- endif %}

),

{#- ================================ ordered ================================ -#}
{%- if order == 'ordered' -%}
{%- set chain = [] -%}
{%- for k in required if k > 1 -%}{%- do chain.append(k) -%}{%- endfor -%}
{%- for s in steps if s.optional -%}{%- do chain.append(s.index) -%}{%- endfor -%}
{%- for k in chain -%}
    {%- set s = steps[k - 1] -%}
    {%- set previous_required = required | select('<', k) | list | last -%}
    {%- set next_required = required | select('>', k) | list | first -%}
    {#- the cursor is the last reached step before k: for a required step its previous
        required step; for an optional step the latest reached one since that step -#}
    {%- set cursor_ranks = [] -%}
    {%- set cursor_ats = [] -%}
    {%- for j in (range(k - 1, previous_required - 1, -1) if s.optional else [previous_required]) -%}
        {%- do cursor_ranks.append('step_' ~ j ~ '_rank') -%}
        {%- do cursor_ats.append('step_' ~ j ~ '_at') -%}
    {%- endfor -%}
    {%- if cursor_ranks | length == 1 -%}
        {%- set cursor_rank = cursor_ranks[0] -%}
        {%- set cursor_at = cursor_ats[0] -%}
    {%- else -%}
        {%- set cursor_rank = 'coalesce(' ~ (cursor_ranks | join(', ')) ~ ')' -%}
        {%- set cursor_at = 'coalesce(' ~ (cursor_ats | join(', ')) ~ ')' -%}
    {%- endif -%}
    {%- if s.min_gap_seconds is not none -%}
        {%- set threshold = journey.funnel_timestamp_add_seconds('step_' ~ previous_required ~ '_at', s.min_gap_seconds) | trim -%}
        {%- set probe_sql -%}
            select
                unit_id,
                held_key,
                attempt_id,
                case when {{ cursor_at }} >= {{ threshold }} then {{ cursor_at }} else {{ threshold }} end as sort_at,
                case when {{ cursor_at }} >= {{ threshold }} then 1 else 0 end as sort_group,
                case when {{ cursor_at }} >= {{ threshold }} then {{ cursor_rank }} else 0 end as sort_rank,
                1 as sort_tie,
                cast(null as {{ bigint_type }}) as candidate_rank
            from {{ state.prev }}
            where {{ cursor_rank }} is not null
        {%- endset -%}
        {%- set target_sql -%}
            select
                unit_id,
                held_key,
                cast(null as {{ string_type }}) as attempt_id,
                event_at as sort_at,
                1 as sort_group,
                unit_rank as sort_rank,
                0 as sort_tie,
                unit_rank as candidate_rank
            from {{ p }}events
            where is_step_{{ k }}
        {%- endset %}

{{ p }}step_{{ k }}_next as (

    -- first step-{{ k }} event after the cursor and at least {{ s.min_gap_seconds }} s after step {{ previous_required }}
    {{ journey.funnel_next_match_sql(probe_sql, target_sql) }}

),
    {%- endif %}

{{ p }}step_{{ k }} as (

    {% if s.optional -%}
    -- optional step {{ k }}: between the last reached step and step {{ next_required }}
    {%- else -%}
    -- step {{ k }}: the first step-{{ k }} event after step {{ previous_required }}
    {%- endif %}
    {%- set checks = [] %}
    {%- if s.optional %}
    {%- do checks.append('(prev.step_' ~ next_required ~ '_rank is null or candidate.unit_rank < prev.step_' ~ next_required ~ '_rank)') %}
    {%- endif %}
    {%- if window is not none %}
    {%- do checks.append(window_check[4:]) %}
    {%- endif %}
    {%- if s.within_seconds is not none %}
    {%- do checks.append((journey.seconds_between('prev.step_' ~ previous_required ~ '_at', 'candidate.event_at') | trim) ~ ' <= ' ~ s.within_seconds) %}
    {%- endif %}
    {#- checks stay out of the join condition: DuckDB would fall back to a nested-loop join -#}
    {%- set keep = ('case when ' ~ (checks | join(' and ')) ~ ' then ') if checks | length > 0 else '' %}
    {%- set keep_end = ' end' if checks | length > 0 else '' %}
    select
        prev.*,
        {{ keep }}candidate.unit_rank{{ keep_end }} as step_{{ k }}_rank,
        {{ keep }}candidate.event_at{{ keep_end }} as step_{{ k }}_at,
        {{ keep }}candidate.event_id{{ keep_end }} as step_{{ k }}_event_id
    from {{ state.prev }} as prev
    {%- if s.min_gap_seconds is not none %}
    left join {{ p }}step_{{ k }}_next as next_match
        on prev.attempt_id = next_match.attempt_id
    left join {{ p }}events as candidate
        on prev.unit_id = candidate.unit_id
        and next_match.next_rank = candidate.unit_rank
    {%- else %}
    left join {{ p }}events as cursor_event
        on prev.unit_id = cursor_event.unit_id
        and {{ cursor_rank | replace('step_', 'prev.step_') }} = cursor_event.unit_rank
    left join {{ p }}events as candidate
        on cursor_event.unit_id = candidate.unit_id
        and cursor_event.next_step_{{ k }}_rank = candidate.unit_rank
    {%- endif %}

),
    {%- do state.update({'prev': p ~ 'step_' ~ k}) -%}
{%- endfor -%}

{#- ================================ strict ================================= -#}
{%- elif order == 'strict' -%}
{%- set carried = ['unit_id', 'held_key', 'held_value', 'user_id', 'session_id', 'attempt_id', 'entry_rank', 'attempt_number', 'entered_at', 'entry_date', 'step_1_rank', 'step_1_at', 'step_1_event_id'] -%}
{%- for s in steps if s.index > 1 -%}
    {%- set k = s.index -%}
    {%- set previous_required = required | select('<', k) | list | last %}

{{ p }}step_{{ k }} as (

    -- step {{ k }} must be the next non-ignored event after the last reached step
    {%- if s.optional %}; optional: skipped when it is not{% endif %}
    select
        {%- for c in carried %}
        matched.{{ c }},
        {%- endfor %}
        case when matched.is_match then matched.candidate_rank end as step_{{ k }}_rank,
        case when matched.is_match then matched.candidate_at end as step_{{ k }}_at,
        case when matched.is_match then matched.candidate_event_id end as step_{{ k }}_event_id,
        case when matched.is_match then matched.candidate_strict_rank else matched.cursor_strict_rank end as cursor_strict_rank,
        {%- if s.optional %}
        matched.is_broken
        {%- else %}
        matched.is_broken or not matched.is_match as is_broken
        {%- endif %}
    from (
        select
            prev.*,
            candidate.unit_rank as candidate_rank,
            candidate.event_at as candidate_at,
            candidate.event_id as candidate_event_id,
            candidate.strict_rank as candidate_strict_rank,
            coalesce(
                not prev.is_broken
                and candidate.is_step_{{ k }}
                {%- if has_hold %}
                and candidate.held_key = prev.held_key
                {%- endif %}
                {{ window_check }}
                {%- if s.within_seconds is not none %}
                and {{ journey.seconds_between('prev.step_' ~ previous_required ~ '_at', 'candidate.event_at') }} <= {{ s.within_seconds }}
                {%- endif %}
                {%- if s.min_gap_seconds is not none %}
                and {{ journey.seconds_between('prev.step_' ~ previous_required ~ '_at', 'candidate.event_at') }} >= {{ s.min_gap_seconds }}
                {%- endif %},
                false
            ) as is_match
        from {{ state.prev }} as prev
        left join {{ p }}events as candidate
            on prev.unit_id = candidate.unit_id
            and prev.cursor_strict_rank + 1 = candidate.strict_rank
    ) as matched

),
    {%- do carried.extend(['step_' ~ k ~ '_rank', 'step_' ~ k ~ '_at', 'step_' ~ k ~ '_event_id']) -%}
    {%- do state.update({'prev': p ~ 'step_' ~ k}) -%}
{%- endfor -%}

{#- =============================== any order =============================== -#}
{%- else -%}
{%- for s in steps -%}
    {%- set k = s.index -%}
    {#- earlier steps that one event could also fill: their events must be skipped -#}
    {%- set overlaps = [] -%}
    {%- for other in steps if other.index < k -%}
        {%- for e in other.events -%}
            {%- if e in s.events and other.index not in overlaps -%}{%- do overlaps.append(other.index) -%}{%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set candidates = ['prev.candidate_' ~ k ~ '_rank'] -%}
    {%- for i in range(1, overlaps | length + 1) -%}
        {%- do candidates.append('alternative_' ~ i ~ '.next_step_' ~ k ~ '_rank') -%}
    {%- endfor %}

{%- if overlaps | length > 0 %}

{{ p }}step_{{ k }}_choice as (

    -- the first step-{{ k }} event at or after the entry not already filling step {{ overlaps | join(' or ') }}
    select
        prev.*,
        case
            {%- for c in candidates %}
            when {{ c }} is not null
                {%- for j in overlaps %}
                and coalesce({{ c }} != prev.step_{{ j }}_rank, true)
                {%- endfor %}
                then {{ c }}
            {%- endfor %}
        end as choice_{{ k }}_rank
    from {{ state.prev }} as prev
    {%- for i in range(1, overlaps | length + 1) %}
    left join {{ p }}events as alternative_{{ i }}
        on prev.unit_id = alternative_{{ i }}.unit_id
        and {{ candidates[i - 1] }} = alternative_{{ i }}.unit_rank
    {%- endfor %}

),
{%- endif %}

{{ p }}step_{{ k }} as (

    -- step {{ k }}: the first step-{{ k }} event at or after the entry
    {%- if overlaps | length > 0 %} not already filling an earlier step{% endif %}
    {%- set keep = ('case when ' ~ window_check[4:] ~ ' then ') if window is not none else '' %}
    {%- set keep_end = ' end' if window is not none else '' %}
    select
        prev.*,
        {{ keep }}candidate.unit_rank{{ keep_end }} as step_{{ k }}_rank,
        {{ keep }}candidate.event_at{{ keep_end }} as step_{{ k }}_at,
        {{ keep }}candidate.event_id{{ keep_end }} as step_{{ k }}_event_id
    from {{ (p ~ 'step_' ~ k ~ '_choice') if overlaps | length > 0 else state.prev }} as prev
    left join {{ p }}events as candidate
        on prev.unit_id = candidate.unit_id
        and prev.{{ ('choice_' ~ k) if overlaps | length > 0 else ('candidate_' ~ k) }}_rank = candidate.unit_rank

),
    {%- do state.update({'prev': p ~ 'step_' ~ k}) -%}
{%- endfor -%}
{%- endif -%}

{#- ============================ attempt summary ============================ -#}
{%- set reached_terms = [] -%}
{%- for s in steps -%}{%- do reached_terms.append('case when step_' ~ s.index ~ '_rank is not null then 1 else 0 end') -%}{%- endfor -%}
{%- set all_ranks = [] -%}{%- set all_ats = [] -%}{%- set ranks_or_zero = [] -%}{%- set all_reached = [] -%}
{%- for s in steps -%}
    {%- do all_ranks.append('step_' ~ s.index ~ '_rank') -%}
    {%- do all_ats.append('step_' ~ s.index ~ '_at') -%}
    {%- do ranks_or_zero.append('coalesce(step_' ~ s.index ~ '_rank, 0)') -%}
    {%- do all_reached.append('step_' ~ s.index ~ '_rank is not null') -%}
{%- endfor -%}
{%- if order == 'any_order' -%}
    {%- set converted_expr = all_reached | join(' and ') -%}
{%- else -%}
    {%- set converted_expr = 'step_' ~ n ~ '_rank is not null' -%}
{%- endif -%}
{%- if window is not none -%}
    {%- set deadline = journey.funnel_timestamp_add_seconds('entered_at', window) | trim -%}
{%- else -%}
    {%- set deadline = none -%}
{%- endif -%}
{#- the time after which a non-converted ordered attempt can no longer progress -#}
{%- set step_deadlines = [] -%}
{%- if order == 'ordered' -%}
    {%- for k in required if k > 1 and steps[k - 1].within_seconds is not none -%}
        {%- set previous_required = required | select('<', k) | list | last -%}
        {%- do step_deadlines.append('when ' ~ k ~ ' then ' ~ (journey.funnel_timestamp_add_seconds('step_' ~ previous_required ~ '_at', steps[k - 1].within_seconds) | trim)) -%}
    {%- endfor -%}
{%- endif -%}
{%- set dropped_whens = [] -%}
{%- for s in steps if (order == 'any_order' or not s.optional) -%}
    {%- do dropped_whens.append('when step_' ~ s.index ~ '_rank is null then ' ~ s.index) -%}
{%- endfor %}

{{ p }}summary as (

    select
        last_step.*,
        cast({{ reached_terms | join(' + ') }} as {{ bigint_type }}) as steps_reached,
        {{ converted_expr }} as is_converted,
        {%- if order == 'any_order' %}
        cast({{ reached_terms | join(' + ') }} as {{ bigint_type }}) as furthest_step_index,
        case when {{ converted_expr }} then greatest({{ all_ranks | join(', ') }}) end as conversion_rank,
        case when {{ converted_expr }} then greatest({{ all_ats | join(', ') }}) end as converted_at,
        greatest({{ ranks_or_zero | join(', ') }}) as last_reached_rank,
        {%- else %}
        cast(case
            {%- for s in steps | reverse %}
            when step_{{ s.index }}_rank is not null then {{ s.index }}
            {%- endfor %}
        end as {{ bigint_type }}) as furthest_step_index,
        step_{{ n }}_rank as conversion_rank,
        step_{{ n }}_at as converted_at,
        coalesce({{ all_ranks | reverse | join(', ') }}) as last_reached_rank,
        {%- endif %}
        cast(case {{ dropped_whens | join(' ') }} end as {{ bigint_type }}) as dropped_before_step_index,
        {%- if step_deadlines | length > 0 %}
        case when not ({{ converted_expr }}) then
            {%- set step_deadline = 'case ' ~ ('case ' ~ (dropped_whens | join(' ')) ~ ' end') ~ ' ' ~ (step_deadlines | join(' ')) ~ ' end' %}
            {%- if deadline is not none %}
            case
                when {{ step_deadline }} < {{ deadline }} then {{ step_deadline }}
                else {{ deadline }}
            end
            {%- else %}
            {{ step_deadline }}
            {%- endif %}
        end as open_until_at
        {%- elif deadline is not none %}
        case when not ({{ converted_expr }}) then {{ deadline }} end as open_until_at
        {%- else %}
        cast(null as timestamp) as open_until_at
        {%- endif %}
    from {{ state.prev }} as last_step

),

{%- set needs_break = order == 'strict' and (exclusions | length > 0 or funnel.count_by == 'attempts') %}

{{ p }}checked as (

    select
        summary.*
        {%- if needs_break %},
        break_event.unit_rank as break_rank,
        break_event.event_at as break_at
        {%- endif %}
        {%- for x in exclusions %}
        {%- set b_rank = 'summary.conversion_rank' if order == 'any_order' else 'summary.step_' ~ x.between[1] ~ '_rank' %},
        case
            when exclusion_{{ x.index }}.unit_rank is null then null
            when {{ b_rank }} is not null
                then case when exclusion_{{ x.index }}.unit_rank < {{ b_rank }} then exclusion_{{ x.index }}.unit_rank end
            when (summary.open_until_at is null or exclusion_{{ x.index }}.event_at <= summary.open_until_at)
                {%- if order == 'strict' %}
                and (break_event.unit_rank is null or exclusion_{{ x.index }}.unit_rank < break_event.unit_rank)
                {%- endif %}
                then exclusion_{{ x.index }}.unit_rank
        end as exclusion_{{ x.index }}_rank
        {%- endfor %}
    from {{ p }}summary as summary
    {%- if needs_break %}
    -- the event that ended a strict attempt that did not convert
    left join {{ p }}events as break_event
        on summary.unit_id = break_event.unit_id
        and case when not summary.is_converted then summary.cursor_strict_rank + 1 end = break_event.strict_rank
    {%- endif %}
    {%- for x in exclusions %}
    left join {{ p }}events as exclusion_start_{{ x.index }}
        on summary.unit_id = exclusion_start_{{ x.index }}.unit_id
        and {{ 'summary.entry_rank' if order == 'any_order' else 'summary.step_' ~ x.between[0] ~ '_rank' }} = exclusion_start_{{ x.index }}.unit_rank
    left join {{ p }}events as exclusion_{{ x.index }}
        on exclusion_start_{{ x.index }}.unit_id = exclusion_{{ x.index }}.unit_id
        and exclusion_start_{{ x.index }}.next_exclusion_{{ x.index }}_rank = exclusion_{{ x.index }}.unit_rank
    {%- endfor %}

),

{{ p }}excluded as (

    {%- if exclusions | length == 0 %}
    select
        checked.*,
        cast(null as {{ string_type }}) as exclusion_event_id,
        cast(null as timestamp) as exclusion_at,
        cast(null as {{ bigint_type }}) as exclusion_rank
    from {{ p }}checked as checked
    {%- else %}
    -- the first event that excluded the attempt
    select
        checked.*,
        exclusion_event.event_id as exclusion_event_id,
        exclusion_event.event_at as exclusion_at,
        exclusion_event.unit_rank as exclusion_rank
    from {{ p }}checked as checked
    left join {{ p }}events as exclusion_event
        on checked.unit_id = exclusion_event.unit_id
        {%- if exclusions | length == 1 %}
        and checked.exclusion_1_rank = exclusion_event.unit_rank
        {%- else %}
        {%- set big = 9000000000000000000 %}
        {%- set firsts = [] %}
        {%- for x in exclusions %}{% do firsts.append('coalesce(checked.exclusion_' ~ x.index ~ '_rank, ' ~ big ~ ')') %}{% endfor %}
        and least({{ firsts | join(', ') }}) = exclusion_event.unit_rank
        {%- endif %}
    {%- endif %}

),
{%- if funnel.count_by == 'attempts' %}
{%- set probe_sql -%}
            select
                unit_id,
                held_key,
                attempt_id,
                case
                    when exclusion_rank is not null then exclusion_at
                    when is_converted then converted_at
                    {%- if order == 'strict' %}
                    when break_rank is not null then break_at
                    {%- endif %}
                    else open_until_at
                end as sort_at,
                case
                    when exclusion_rank is not null or is_converted then 1
                    {%- if order == 'strict' %}
                    when break_rank is not null then 1
                    {%- endif %}
                    else 2
                end as sort_group,
                case
                    when exclusion_rank is not null then exclusion_rank
                    when is_converted then conversion_rank
                    {%- if order == 'strict' %}
                    when break_rank is not null then break_rank
                    {%- endif %}
                    else 0
                end as sort_rank,
                case
                    when exclusion_rank is not null or is_converted then 1
                    {%- if order == 'strict' %}
                    when break_rank is not null then -1
                    {%- endif %}
                    else 0
                end as sort_tie,
                cast(null as {{ bigint_type }}) as candidate_rank
            from {{ p }}excluded
            where exclusion_rank is not null or is_converted or open_until_at is not null
                {%- if order == 'strict' %} or break_rank is not null{% endif %}
{%- endset -%}
{%- set target_sql -%}
            select
                unit_id,
                held_key,
                cast(null as {{ string_type }}) as attempt_id,
                event_at as sort_at,
                1 as sort_group,
                unit_rank as sort_rank,
                0 as sort_tie,
                unit_rank as candidate_rank
            from {{ p }}events
            where is_entry
{%- endset %}

{{ p }}next_attempt as (

    -- the first entry after the attempt ended: after its conversion or exclusion event, at
    -- its strict breaking event, or after it timed out (Mixpanel's total conversions)
    {{ journey.funnel_next_match_sql(probe_sql, target_sql) }}

),
{%- endif %}

{{ p }}final as (

    select
        cast('{{ funnel.name }}' as {{ string_type }}) as funnel_name,
        excluded.attempt_id,
        excluded.unit_id,
        excluded.user_id,
        excluded.session_id,
        excluded.held_value,
        {%- if funnel.breakdown is not none %}
        coalesce(breakdown_event.breakdown_value, '(none)') as breakdown_value,
        {%- else %}
        cast(null as {{ string_type }}) as breakdown_value,
        {%- endif %}
        excluded.entry_rank,
        excluded.attempt_number,
        excluded.entered_at,
        excluded.entry_date,
        {%- for k in range(1, 11) %}
        {%- if k <= n %}
        excluded.step_{{ k }}_rank,
        excluded.step_{{ k }}_at,
        excluded.step_{{ k }}_event_id,
        {%- else %}
        cast(null as {{ bigint_type }}) as step_{{ k }}_rank,
        cast(null as timestamp) as step_{{ k }}_at,
        cast(null as {{ string_type }}) as step_{{ k }}_event_id,
        {%- endif %}
        {%- endfor %}
        excluded.steps_reached,
        excluded.furthest_step_index,
        {%- if order == 'any_order' %}
        cast(case
            {%- for s in steps %}
            when excluded.last_reached_rank = excluded.step_{{ s.index }}_rank then {{ s.index }}
            {%- endfor %}
        end as {{ bigint_type }}) as last_step_index,
        {%- else %}
        excluded.furthest_step_index as last_step_index,
        {%- endif %}
        excluded.dropped_before_step_index,
        excluded.is_converted,
        excluded.converted_at,
        (excluded.exclusion_rank is not null) as is_excluded,
        excluded.exclusion_event_id,
        {%- if funnel.count_by == 'attempts' %}
        next_entry.event_id as next_attempt_id
        {%- else %}
        cast(null as {{ string_type }}) as next_attempt_id
        {%- endif %}
    from {{ p }}excluded as excluded
    {%- if funnel.breakdown is not none %}
    {%- set at = funnel.breakdown.at %}
    left join {{ p }}events as breakdown_event
        on excluded.unit_id = breakdown_event.unit_id
        and {{ 'excluded.entry_rank' if at == 'first' else ('excluded.last_reached_rank' if at == 'last' else 'excluded.step_' ~ at ~ '_rank') }} = breakdown_event.unit_rank
    {%- endif %}
    {%- if funnel.count_by == 'attempts' %}
    left join {{ p }}next_attempt as next_attempt
        on excluded.attempt_id = next_attempt.attempt_id
    left join {{ p }}events as next_entry
        on excluded.unit_id = next_entry.unit_id
        and next_attempt.next_rank = next_entry.unit_rank
    {%- endif %}

)
{%- endmacro %}
