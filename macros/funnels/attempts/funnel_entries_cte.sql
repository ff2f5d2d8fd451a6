{#-
    CTE <prefix>entries: one row per attempt, started at an entry event (with attempt_policy
    first only the unit's first entry), carrying step 1 (ordered, strict) or every step's first
    candidate (any order).
-#}
{% macro funnel_entries_cte(funnel, ctx) -%}
{%- set p = ctx.p -%}
{%- set steps = ctx.steps -%}
{%- set order = ctx.order -%}
{%- set bigint_type = ctx.bigint_type -%}
{%- set first_only = ctx.first_only -%}
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
{%- endmacro %}
