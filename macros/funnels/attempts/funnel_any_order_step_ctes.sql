{#-
    CTEs <prefix>step_k of an any-order funnel: each step is the first step-k event at or after
    the entry, within the window, that does not already fill an earlier step
    (<prefix>step_k_choice where step events overlap). Moves ctx.state.prev to its last CTE.
-#}
{% macro funnel_any_order_step_ctes(funnel, ctx) -%}
{%- set p = ctx.p -%}
{%- set steps = ctx.steps -%}
{%- set window = ctx.window -%}
{%- set state = ctx.state -%}
{%- set window_check = ctx.window_check -%}
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
{%- endmacro %}
