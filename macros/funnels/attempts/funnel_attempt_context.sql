{#-
    Everything the funnel attempt CTE macros share for one funnel (see funnel_configs for its
    shape) and CTE prefix: the parsed options, SQL types, the event order, the held-constant and
    breakdown expressions, the step and exclusion flags, the conversion-window check, the source
    columns, whether only first attempts are evaluated, and state.prev, the name of the latest
    CTE of the step chain (the step macros move it on).
-#}
{% macro funnel_attempt_context(funnel, prefix) -%}
{%- set p = prefix -%}
{%- set steps = funnel.steps -%}
{%- set n = steps | length -%}
{%- set order = funnel.order -%}
{%- set window = funnel.window_seconds -%}
{%- set exclusions = funnel.exclusions -%}
{%- set unit_column = 'session_id' if funnel.count_by == 'sessions' else 'user_id' -%}
{%- set has_hold = funnel.hold_constant | length > 0 -%}
{%- set event_order = journey.event_order() -%}
{%- set string_type = dbt.type_string() -%}
{%- set bigint_type = dbt.type_bigint() -%}
{%- set required = [] -%}
{%- for s in steps -%}{%- if not s.optional -%}{%- do required.append(s.index) -%}{%- endif -%}{%- endfor -%}
{%- set state = {'prev': p ~ 'entries'} -%}

{#- ---- expressions shared by the CTEs ---- -#}
{%- set held_parts = [] -%}
{%- for h in funnel.hold_constant -%}{%- do held_parts.append(journey.funnel_field_sql(h) | trim) -%}{%- endfor -%}
{%- if held_parts | length == 0 -%}
    {%- set held_expr = 'cast(null as ' ~ string_type ~ ')' -%}
{%- elif held_parts | length == 1 -%}
    {%- set held_expr = held_parts[0] -%}
{%- else -%}
    {%- set held_expr = 'case when ' ~ (held_parts | join(' is not null and ')) ~ ' is not null then concat(' ~ (held_parts | join(", '|', ")) ~ ') end' -%}
{%- endif -%}
{%- if funnel.breakdown is not none -%}
    {%- set breakdown_expr = journey.funnel_field_sql(funnel.breakdown.field) | trim -%}
{%- else -%}
    {%- set breakdown_expr = 'cast(null as ' ~ string_type ~ ')' -%}
{%- endif -%}
{%- set any_match = [] -%}
{%- for s in steps -%}{%- do any_match.append('is_step_' ~ s.index) -%}{%- endfor -%}
{%- set any_step = any_match | join(' or ') -%}
{%- for x in exclusions -%}{%- do any_match.append('is_exclusion_' ~ x.index) -%}{%- endfor -%}
{%- set name_literals = [] -%}
{%- for e in funnel.event_names -%}{%- do name_literals.append(journey.funnel_literal(e)) -%}{%- endfor -%}
{%- set has_ignored_exclusions = [] -%}
{%- for x in exclusions -%}{%- for e in x.events -%}{%- if e in funnel.ignore_events -%}{%- do has_ignored_exclusions.append(e) -%}{%- endif -%}{%- endfor -%}{%- endfor -%}
{%- set has_ignored_exclusions = has_ignored_exclusions | length > 0 -%}
{%- set ignore_literals = [] -%}
{%- for e in funnel.ignore_events -%}{%- do ignore_literals.append(journey.funnel_literal(e)) -%}{%- endfor -%}

{#- the conversion window, inclusive at its edge, from the entry to a candidate event -#}
{%- if window is not none -%}
    {%- set window_check = 'and ' ~ (journey.seconds_between('prev.entered_at', 'candidate.event_at') | trim) ~ ' <= ' ~ window -%}
{%- else -%}
    {%- set window_check = '' -%}
{%- endif -%}

{%- set source_columns %}
        {{ unit_column }} as unit_id,
        user_id,
        session_id,
        event_id,
        event_at,
        event_date,
        sequence_number,
        {%- for s in steps %}
        {{ journey.funnel_condition_sql(s) }} as is_step_{{ s.index }},
        {%- endfor %}
        {%- for x in exclusions %}
        {{ journey.funnel_condition_sql(x) }} as is_exclusion_{{ x.index }},
        {%- endfor %}
        {{ held_expr }} as held_value,
        {{ breakdown_expr }} as breakdown_value
{%- endset %}
{#- attempt_policy first picks the unit's first attempt whatever the others do, unless an
    excluded first attempt must fall back to a later one: only first attempts are evaluated -#}
{%- set first_only = funnel.count_by != 'attempts' and funnel.attempt_policy == 'first'
    and (exclusions | length == 0 or funnel.exclusion_removes == 'user') -%}
{{ return({
    'p': p,
    'steps': steps,
    'n': n,
    'order': order,
    'window': window,
    'exclusions': exclusions,
    'unit_column': unit_column,
    'has_hold': has_hold,
    'event_order': event_order,
    'string_type': string_type,
    'bigint_type': bigint_type,
    'required': required,
    'state': state,
    'held_expr': held_expr,
    'breakdown_expr': breakdown_expr,
    'any_match': any_match,
    'any_step': any_step,
    'name_literals': name_literals,
    'has_ignored_exclusions': has_ignored_exclusions,
    'ignore_literals': ignore_literals,
    'window_check': window_check,
    'source_columns': source_columns,
    'first_only': first_only,
}) }}
{%- endmacro %}
