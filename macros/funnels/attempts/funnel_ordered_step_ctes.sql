{#-
    CTEs <prefix>step_k of an ordered funnel: required steps matched greedily (the first step-k
    event after step k-1's, within the window and `within`, at least min_gap later through
    <prefix>step_k_next), then optional steps between their reached neighbours. Moves
    ctx.state.prev to its last CTE.
-#}
{% macro funnel_ordered_step_ctes(funnel, ctx) -%}
{%- set p = ctx.p -%}
{%- set steps = ctx.steps -%}
{%- set window = ctx.window -%}
{%- set string_type = ctx.string_type -%}
{%- set bigint_type = ctx.bigint_type -%}
{%- set required = ctx.required -%}
{%- set state = ctx.state -%}
{%- set window_check = ctx.window_check -%}
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
{%- endmacro %}
