{#-
    A trigger's entry.state: the user must be in a state of a segments mart at the entry event.
    {relation, where: {column: value | list | {operator: value}}, within: {column, min, max}}
    becomes {relation, order_column, where (the funnels' filter list, kind column), within
    {column, min_seconds, max_seconds} | none}. Unknown relations and columns, thresholds of the
    wrong type for the column and a within column that is not a time are refused naming `where`.
-#}
{% macro trigger_parse_state(spec, where) -%}
    {%- if spec is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if spec is not mapping -%}
        {{ exceptions.raise_compiler_error(where ~ " must be {relation, where, within}, got: " ~ spec) }}
    {%- endif -%}
    {%- for key in spec.keys() -%}
        {%- if key not in ['relation', 'where', 'within'] -%}
            {{ exceptions.raise_compiler_error(where ~ ": unknown key '" ~ key ~ "' (allowed: relation, where, within)") }}
        {%- endif -%}
    {%- endfor -%}
    {%- set relations = journey.trigger_state_relations() -%}
    {%- set relation = spec.get('relation') -%}
    {%- if relation not in relations -%}
        {{ exceptions.raise_compiler_error(where ~ ".relation must be one of the segment marts " ~ relations.keys() | sort | join(', ') ~ "; got: " ~ relation) }}
    {%- endif -%}
    {%- set columns = journey.trigger_state_columns(relation) -%}
    {%- set numeric_types = ['int', 'integer', 'bigint', 'smallint', 'tinyint', 'hugeint', 'double', 'float', 'real', 'numeric', 'decimal', 'number', 'int64', 'float64'] -%}
    {%- set filters = [] -%}
    {%- for f in journey.trigger_parse_predicates(spec.get('where'), 'property', where ~ ".where") -%}
        {%- set where_key = where ~ ".where." ~ f.field.name -%}
        {%- if f.op not in ['eq', 'ne', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'is_set'] -%}
            {{ exceptions.raise_compiler_error(where_key ~ ": a state predicate is =, !=, <, <=, >, >=, in, not_in or is_null, got: " ~ f.op) }}
        {%- endif -%}
        {%- if columns is not none and f.field.name not in columns -%}
            {{ exceptions.raise_compiler_error(where_key ~ ": " ~ relation ~ " has no column '" ~ f.field.name ~ "' (columns: " ~ columns.keys() | sort | join(', ') ~ ")") }}
        {%- endif -%}
        {%- set data_type = columns.get(f.field.name) if columns is not none else none -%}
        {%- set is_numeric = data_type is not none and data_type.split('(')[0] in numeric_types -%}
        {%- set values = f.value if f.op in ['in', 'not_in'] else [f.value] -%}
        {%- if data_type is not none and f.op != 'is_set' -%}
            {%- for v in values -%}
                {%- if is_numeric and (v is not number or v is boolean) -%}
                    {{ exceptions.raise_compiler_error(where_key ~ ": " ~ relation ~ "." ~ f.field.name ~ " is " ~ data_type ~ ", so " ~ f.op ~ " needs a number, got: " ~ v) }}
                {%- elif not is_numeric and f.op in ['gt', 'gte', 'lt', 'lte'] -%}
                    {{ exceptions.raise_compiler_error(where_key ~ ": " ~ relation ~ "." ~ f.field.name ~ " is " ~ data_type ~ ", not a number: " ~ f.op ~ " compares numbers") }}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
        {%- do filters.append({'field': {'kind': 'column', 'name': f.field.name}, 'op': f.op, 'value': f.value}) -%}
    {%- endfor -%}
    {%- set within = none -%}
    {%- set raw_within = spec.get('within') -%}
    {%- if raw_within is not none -%}
        {%- if raw_within is not mapping -%}
            {{ exceptions.raise_compiler_error(where ~ ".within must be {column, min, max} (the entry event between column + min and column + max), got: " ~ raw_within) }}
        {%- endif -%}
        {%- for key in raw_within.keys() -%}
            {%- if key not in ['column', 'min', 'max'] -%}
                {{ exceptions.raise_compiler_error(where ~ ".within: unknown key '" ~ key ~ "' (allowed: column, min, max)") }}
            {%- endif -%}
        {%- endfor -%}
        {%- set within_column = raw_within.get('column') -%}
        {%- if within_column is not string or (columns is not none and within_column not in columns) -%}
            {{ exceptions.raise_compiler_error(where ~ ".within.column: " ~ relation ~ " has no column '" ~ within_column ~ "'" ~ ((" (columns: " ~ columns.keys() | sort | join(', ') ~ ")") if columns is not none else "")) }}
        {%- endif -%}
        {%- set within_type = columns.get(within_column) if columns is not none else none -%}
        {%- if within_type is not none and not (within_type.startswith('timestamp') or within_type == 'date') -%}
            {{ exceptions.raise_compiler_error(where ~ ".within.column: " ~ relation ~ "." ~ within_column ~ " is " ~ within_type ~ ", not a date or timestamp") }}
        {%- endif -%}
        {%- set min_seconds = journey.funnel_parse_duration(raw_within.get('min', '0 seconds'), where ~ ".within.min") or 0 -%}
        {%- set max_seconds = journey.funnel_parse_duration(raw_within.get('max'), where ~ ".within.max") -%}
        {%- if max_seconds is not none and max_seconds < min_seconds -%}
            {{ exceptions.raise_compiler_error(where ~ ".within: max (" ~ raw_within.get('max') ~ ") is before min (" ~ raw_within.get('min') ~ ")") }}
        {%- endif -%}
        {%- set within = {'column': within_column, 'min_seconds': min_seconds, 'max_seconds': max_seconds} -%}
    {%- endif -%}
    {{ return({
        'relation': relation,
        'order_column': relations[relation].order_column,
        'where': filters,
        'within': within,
    }) }}
{%- endmacro %}
