{#-
    A step's `where` (kind 'property') or `where_columns` (kind 'column') mapping as a list of
    {field, op, value}. A value is an equality, a list is `in`, and a one-key mapping names an
    operator: eq, ne, in, not_in, contains, starts_with, ends_with, regex, gt, gte, lt, lte,
    is_set (true / false).
-#}
{% macro funnel_parse_filters(spec, kind, where) -%}
    {%- if spec is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if spec is not mapping -%}
        {{ exceptions.raise_compiler_error(where ~ " must be a mapping of " ~ kind ~ " name to value, list or {operator: value}, got: " ~ spec) }}
    {%- endif -%}
    {%- set operators = ['eq', 'ne', 'in', 'not_in', 'contains', 'starts_with', 'ends_with', 'regex', 'gt', 'gte', 'lt', 'lte', 'is_set'] -%}
    {%- set filters = [] -%}
    {%- for name, value in spec.items() -%}
        {%- set field = journey.funnel_parse_field({kind: name}, where) -%}
        {%- set where_key = where ~ "." ~ name -%}
        {%- if value is mapping -%}
            {%- if value | length != 1 or (value.keys() | list)[0] not in operators -%}
                {{ exceptions.raise_compiler_error(where_key ~ ": an operator mapping has one key out of " ~ operators | join(', ') ~ "; got: " ~ value) }}
            {%- endif -%}
            {%- set op = (value.keys() | list)[0] -%}
            {%- set operand = value[op] -%}
        {%- elif value is string or value is number or value is boolean -%}
            {%- set op = 'eq' -%}
            {%- set operand = value -%}
        {%- elif value is iterable -%}
            {%- set op = 'in' -%}
            {%- set operand = value | list -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error(where_key ~ ": a value, a list or {operator: value} is needed, got: " ~ value) }}
        {%- endif -%}
        {%- if op in ['in', 'not_in'] -%}
            {%- if operand is string or operand is mapping or operand is not iterable or operand | length == 0 -%}
                {{ exceptions.raise_compiler_error(where_key ~ ": " ~ op ~ " needs a non-empty list, got: " ~ operand) }}
            {%- endif -%}
            {%- for v in operand -%}
                {%- if not (v is string or v is number or v is boolean) -%}
                    {{ exceptions.raise_compiler_error(where_key ~ ": list items must be plain values, got: " ~ v) }}
                {%- endif -%}
            {%- endfor -%}
        {%- elif op in ['gt', 'gte', 'lt', 'lte'] -%}
            {%- if operand is not number or operand is boolean -%}
                {{ exceptions.raise_compiler_error(where_key ~ ": " ~ op ~ " compares numbers, got: " ~ operand) }}
            {%- endif -%}
        {%- elif op == 'is_set' -%}
            {%- if operand is not boolean -%}
                {{ exceptions.raise_compiler_error(where_key ~ ": is_set takes true or false, got: " ~ operand) }}
            {%- endif -%}
        {%- elif op == 'regex' -%}
            {%- if operand is not string or "'" in operand -%}
                {{ exceptions.raise_compiler_error(where_key ~ ": regex takes a pattern without single quotes, got: " ~ operand) }}
            {%- endif -%}
        {%- elif not (operand is string or operand is number or operand is boolean) -%}
            {{ exceptions.raise_compiler_error(where_key ~ ": " ~ op ~ " takes a plain value, got: " ~ operand) }}
        {%- endif -%}
        {%- do filters.append({'field': field, 'op': op, 'value': operand}) -%}
    {%- endfor -%}
    {{ return(filters) }}
{%- endmacro %}
