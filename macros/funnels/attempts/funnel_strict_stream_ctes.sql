{#-
    CTEs <prefix>stream and <prefix>filtered of a strict funnel: every event strict adjacency
    looks at (all but ignore_events) with its position, and the step and exclusion events plus
    each step event's next event (the one that breaks it); exclusion events that adjacency
    ignores still exclude.
-#}
{% macro funnel_strict_stream_ctes(funnel, ctx) -%}
{%- set p = ctx.p -%}
{%- set steps = ctx.steps -%}
{%- set n = ctx.n -%}
{%- set order = ctx.order -%}
{%- set exclusions = ctx.exclusions -%}
{%- set unit_column = ctx.unit_column -%}
{%- set event_order = ctx.event_order -%}
{%- set string_type = ctx.string_type -%}
{%- set bigint_type = ctx.bigint_type -%}
{%- set any_match = ctx.any_match -%}
{%- set any_step = ctx.any_step -%}
{%- set ignore_literals = ctx.ignore_literals -%}
{%- set source_columns = ctx.source_columns -%}
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
{%- endmacro %}
