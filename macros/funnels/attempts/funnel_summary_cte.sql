{#-
    CTE <prefix>summary: per attempt the steps reached, whether and when it converted, the
    furthest and last reached step, the step it dropped before, and open_until_at, the time
    after which a non-converted attempt can no longer progress.
-#}
{% macro funnel_summary_cte(funnel, ctx) -%}
{%- set p = ctx.p -%}
{%- set steps = ctx.steps -%}
{%- set n = ctx.n -%}
{%- set order = ctx.order -%}
{%- set window = ctx.window -%}
{%- set bigint_type = ctx.bigint_type -%}
{%- set required = ctx.required -%}
{%- set state = ctx.state -%}
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
{%- endmacro %}
