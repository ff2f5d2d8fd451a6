{#-
    CTEs <prefix>step_k of a strict funnel: step k must be the next non-ignored event after the
    last reached step (an optional step that is not next is skipped; a required one breaks the
    attempt). Moves ctx.state.prev to its last CTE.
-#}
{% macro funnel_strict_step_ctes(funnel, ctx) -%}
{%- set p = ctx.p -%}
{%- set steps = ctx.steps -%}
{%- set has_hold = ctx.has_hold -%}
{%- set required = ctx.required -%}
{%- set state = ctx.state -%}
{%- set window_check = ctx.window_check -%}
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
{%- endmacro %}
