{#-
    CTE <prefix>final: one row per attempt with the columns of funnel_attempt_columns() (ten
    step slots, breakdown value at the configured step, exclusion and next attempt).
-#}
{% macro funnel_final_cte(funnel, ctx) -%}
{%- set p = ctx.p -%}
{%- set steps = ctx.steps -%}
{%- set n = ctx.n -%}
{%- set order = ctx.order -%}
{%- set string_type = ctx.string_type -%}
{%- set bigint_type = ctx.bigint_type -%}
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
