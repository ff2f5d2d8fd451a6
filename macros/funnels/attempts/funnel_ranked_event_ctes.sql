{#-
    CTEs <prefix>ranked and <prefix>events: the filtered events numbered per unit in event order
    (unit_rank), their part (held_key), whether each is an entry, and the ranks of the next
    step-k and exclusion-j events after each (the equi-join keys of the step search).
-#}
{% macro funnel_ranked_event_ctes(funnel, ctx) -%}
{%- set p = ctx.p -%}
{%- set steps = ctx.steps -%}
{%- set order = ctx.order -%}
{%- set exclusions = ctx.exclusions -%}
{%- set has_hold = ctx.has_hold -%}
{%- set event_order = ctx.event_order -%}
{%- set any_step = ctx.any_step -%}
{%- set has_ignored_exclusions = ctx.has_ignored_exclusions -%}
{%- set first_only = ctx.first_only -%}
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
{%- endmacro %}
