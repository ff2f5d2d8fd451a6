{#-
    One row per declared funnel step, as literals (union all), with the funnel's options:
    funnel_name, step_index, step_name, position_name (the row label of fct_funnel_steps: the
    step name, or 'any k of n' for any_order funnels), event_names, is_optional,
    previous_required_step_index (null on step 1), step_count, count_by, order_mode,
    attempt_policy, conversion_window_seconds, breakdown_field. No funnels: no rows.
-#}
{% macro funnel_step_spine(funnels) -%}
    {%- set string_type = dbt.type_string() -%}
    {%- set bigint_type = dbt.type_bigint() -%}
    {%- set rows = [] -%}
    {%- for f in funnels -%}
        {%- set n = f.steps | length -%}
        {%- set required = [] -%}
        {%- for s in f.steps -%}
            {%- set previous = required | last if required | length > 0 else none -%}
            {%- if f.order == 'any_order' -%}
                {%- set previous = (s.index - 1) if s.index > 1 else none -%}
                {%- set position_name = 'any ' ~ s.index ~ ' of ' ~ n -%}
            {%- else -%}
                {%- set position_name = s.name -%}
            {%- endif -%}
            {%- if not s.optional -%}{%- do required.append(s.index) -%}{%- endif -%}
            {%- if f.breakdown is none -%}
                {%- set breakdown_field = none -%}
            {%- else -%}
                {%- set breakdown_field = f.breakdown.field.kind ~ ':' ~ f.breakdown.field.name ~ '@' ~ f.breakdown.at -%}
            {%- endif -%}
            {%- do rows.append(
                'select cast(' ~ journey.funnel_literal(f.name) ~ ' as ' ~ string_type ~ ') as funnel_name, '
                ~ 'cast(' ~ s.index ~ ' as ' ~ bigint_type ~ ') as step_index, '
                ~ 'cast(' ~ journey.funnel_literal(s.name) ~ ' as ' ~ string_type ~ ') as step_name, '
                ~ 'cast(' ~ journey.funnel_literal(position_name) ~ ' as ' ~ string_type ~ ') as position_name, '
                ~ 'cast(' ~ journey.funnel_literal(s.events | join(',')) ~ ' as ' ~ string_type ~ ') as event_names, '
                ~ ('true' if s.optional else 'false') ~ ' as is_optional, '
                ~ 'cast(' ~ (previous if previous is not none else 'null') ~ ' as ' ~ bigint_type ~ ') as previous_required_step_index, '
                ~ 'cast(' ~ n ~ ' as ' ~ bigint_type ~ ') as step_count, '
                ~ 'cast(' ~ journey.funnel_literal(f.count_by) ~ ' as ' ~ string_type ~ ') as count_by, '
                ~ 'cast(' ~ journey.funnel_literal(f.order) ~ ' as ' ~ string_type ~ ') as order_mode, '
                ~ 'cast(' ~ (journey.funnel_literal(f.attempt_policy) if f.attempt_policy else 'null') ~ ' as ' ~ string_type ~ ') as attempt_policy, '
                ~ 'cast(' ~ (f.window_seconds if f.window_seconds is not none else 'null') ~ ' as ' ~ bigint_type ~ ') as conversion_window_seconds, '
                ~ 'cast(' ~ (journey.funnel_literal(breakdown_field) if breakdown_field else 'null') ~ ' as ' ~ string_type ~ ') as breakdown_field'
            ) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if rows | length == 0 -%}
        select
            cast(null as {{ string_type }}) as funnel_name,
            cast(null as {{ bigint_type }}) as step_index,
            cast(null as {{ string_type }}) as step_name,
            cast(null as {{ string_type }}) as position_name,
            cast(null as {{ string_type }}) as event_names,
            cast(null as boolean) as is_optional,
            cast(null as {{ bigint_type }}) as previous_required_step_index,
            cast(null as {{ bigint_type }}) as step_count,
            cast(null as {{ string_type }}) as count_by,
            cast(null as {{ string_type }}) as order_mode,
            cast(null as {{ string_type }}) as attempt_policy,
            cast(null as {{ bigint_type }}) as conversion_window_seconds,
            cast(null as {{ string_type }}) as breakdown_field
        from (select 1 as no_funnels) as empty_spine
        where 1 = 0
    {%- else -%}
        {{ rows | join('\n        union all\n        ') }}
    {%- endif -%}
{%- endmacro %}
