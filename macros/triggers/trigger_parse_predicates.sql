{#-
    A trigger's `where` (kind 'property') or `where_columns` (kind 'column') mapping as the
    funnels' filter list. Operators may be written as symbols (=, !=, >, >=, <, <=), as the
    funnel names (eq, ne, gt, gte, lt, lte, in, not_in, ...) or as is_null: true | false.
-#}
{% macro trigger_parse_predicates(spec, kind, where) -%}
    {%- if spec is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if spec is not mapping -%}
        {{ exceptions.raise_compiler_error(where ~ " must be a mapping of " ~ kind ~ " name to value, list or {operator: value}, got: " ~ spec) }}
    {%- endif -%}
    {%- set symbols = {'=': 'eq', '==': 'eq', '!=': 'ne', '<>': 'ne', '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte'} -%}
    {%- set normalised = {} -%}
    {%- for name, value in spec.items() -%}
        {%- if value is mapping and value | length == 1 -%}
            {%- set op = (value.keys() | list)[0] -%}
            {%- set operand = value[op] -%}
            {%- if op in symbols -%}
                {%- do normalised.update({name: {symbols[op]: operand}}) -%}
            {%- elif op == 'is_null' -%}
                {%- if operand is not boolean -%}
                    {{ exceptions.raise_compiler_error(where ~ "." ~ name ~ ": is_null takes true or false, got: " ~ operand) }}
                {%- endif -%}
                {%- do normalised.update({name: {'is_set': not operand}}) -%}
            {%- else -%}
                {%- do normalised.update({name: value}) -%}
            {%- endif -%}
        {%- else -%}
            {%- do normalised.update({name: value}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(journey.funnel_parse_filters(normalised, kind, where)) }}
{%- endmacro %}
