{#-
    The SQL condition of an entry state's column predicates (trigger_parse_state's `where`) on
    the state row `relation_alias`: typed comparisons on the mart's own columns (numbers as
    numbers, text as text); true when there are none.
-#}
{% macro trigger_state_condition_sql(filters, relation_alias) -%}
    {%- set parts = ['1 = 1'] -%}
    {%- set symbols = {'eq': '=', 'gt': '>', 'gte': '>=', 'lt': '<', 'lte': '<='} -%}
    {%- for f in filters -%}
        {%- set expr = relation_alias ~ '.' ~ f.field.name -%}
        {%- set values = [] -%}
        {%- for v in (f.value if f.op in ['in', 'not_in'] else [f.value]) -%}
            {%- do values.append((v | string) if (v is number and v is not boolean) else journey.funnel_literal(v)) -%}
        {%- endfor -%}
        {%- if f.op in symbols -%}
            {%- do parts.append(expr ~ ' ' ~ symbols[f.op] ~ ' ' ~ values[0]) -%}
        {%- elif f.op == 'ne' -%}
            {%- do parts.append('(' ~ expr ~ ' is null or ' ~ expr ~ ' != ' ~ values[0] ~ ')') -%}
        {%- elif f.op == 'in' -%}
            {%- do parts.append(expr ~ ' in (' ~ values | join(', ') ~ ')') -%}
        {%- elif f.op == 'not_in' -%}
            {%- do parts.append('(' ~ expr ~ ' is null or ' ~ expr ~ ' not in (' ~ values | join(', ') ~ '))') -%}
        {%- elif f.op == 'is_set' -%}
            {%- do parts.append(expr ~ (' is not null' if f.value else ' is null')) -%}
        {%- endif -%}
    {%- endfor -%}
    ({{ parts | join(' and ') }})
{%- endmacro %}
