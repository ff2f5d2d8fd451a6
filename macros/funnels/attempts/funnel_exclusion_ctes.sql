{#-
    CTEs <prefix>checked and <prefix>excluded: for each exclusion the first exclusion event
    between its steps (or while the attempt could still progress; for strict funnels before
    its breaking event), then the first event that excluded the attempt.
-#}
{% macro funnel_exclusion_ctes(funnel, ctx) -%}
{%- set p = ctx.p -%}
{%- set order = ctx.order -%}
{%- set exclusions = ctx.exclusions -%}
{%- set string_type = ctx.string_type -%}
{%- set bigint_type = ctx.bigint_type -%}
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
{%- endmacro %}
