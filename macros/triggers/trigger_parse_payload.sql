{#-
    A step's payload split into its fixed values and the values it reads from data. A value
    written {property: p} is the entry event's property p; {column: c} the column c of the
    user's entry state row (entry.state); {relation: r, column: c} the column c of the user's row
    of the segments mart r. Any of them may map a number to a label by `tiers` ([{min, value}]:
    the value of the highest min at or below the number) and `default` (below every tier, or no
    row). Returns {payload (the fixed values), fields [{key, source: property | state |
    relation, relation, name, tiers (highest min first), default}]}.
-#}
{% macro trigger_parse_payload(payload, state_relation, where) -%}
    {%- set fixed = {} -%}
    {%- set fields = [] -%}
    {%- set relations = journey.trigger_state_relations() -%}
    {%- for key, value in payload.items() -%}
        {%- set where_key = where ~ "." ~ key -%}
        {%- if value is mapping and ('property' in value or 'column' in value) -%}
            {%- if key is not string or not modules.re.match('^[a-z_][a-z0-9_]{0,62}$', key) -%}
                {{ exceptions.raise_compiler_error(where_key ~ ": a payload key filled from data is lower-case letters, digits and '_'") }}
            {%- endif -%}
            {%- for k in value.keys() -%}
                {%- if k not in ['property', 'column', 'relation', 'tiers', 'default'] -%}
                    {{ exceptions.raise_compiler_error(where_key ~ ": unknown key '" ~ k ~ "' (a value from data is {property} or {column} or {relation, column}, with tiers and default)") }}
                {%- endif -%}
            {%- endfor -%}
            {%- if 'property' in value and ('column' in value or 'relation' in value) -%}
                {{ exceptions.raise_compiler_error(where_key ~ ": a value reads an entry event property or a column, not both, got: " ~ value) }}
            {%- endif -%}
            {%- if 'property' in value -%}
                {%- set source = 'property' -%}
                {%- set relation = none -%}
                {%- set name = journey.funnel_parse_field({'property': value.property}, where_key ~ ".property").name -%}
            {%- else -%}
                {%- set name = value.column -%}
                {%- if 'relation' in value -%}
                    {%- set source = 'relation' -%}
                    {%- set relation = value.relation -%}
                    {%- if relation not in relations -%}
                        {{ exceptions.raise_compiler_error(where_key ~ ".relation must be one of the segment marts " ~ relations.keys() | sort | join(', ') ~ "; got: " ~ relation) }}
                    {%- endif -%}
                {%- else -%}
                    {%- set source = 'state' -%}
                    {%- set relation = state_relation -%}
                    {%- if not state_relation -%}
                        {{ exceptions.raise_compiler_error(where_key ~ ": {column: " ~ name ~ "} reads the entry state row, and the trigger declares no entry.state (add relation: to read a segment mart)") }}
                    {%- endif -%}
                {%- endif -%}
                {%- set columns = journey.trigger_state_columns(relation) -%}
                {%- if name is not string or not modules.re.match('^[a-z_][a-z0-9_]*$', name) or (columns is not none and name not in columns) -%}
                    {{ exceptions.raise_compiler_error(where_key ~ ".column: " ~ relation ~ " has no column '" ~ name ~ "'" ~ ((" (columns: " ~ columns.keys() | sort | join(', ') ~ ")") if columns is not none else "")) }}
                {%- endif -%}
            {%- endif -%}
            {%- set tiers = [] -%}
            {%- set raw_tiers = value.get('tiers') -%}
            {%- if raw_tiers is not none -%}
                {%- if raw_tiers is string or raw_tiers is mapping or raw_tiers is not iterable or raw_tiers | length == 0 -%}
                    {{ exceptions.raise_compiler_error(where_key ~ ".tiers must be a list of {min: number, value: label}, got: " ~ raw_tiers) }}
                {%- endif -%}
                {%- for tier in raw_tiers -%}
                    {%- if tier is not mapping or tier.keys() | sort | list != ['min', 'value'] -%}
                        {{ exceptions.raise_compiler_error(where_key ~ ".tiers[" ~ loop.index ~ "] must be {min: number, value: label}, got: " ~ tier) }}
                    {%- endif -%}
                    {%- if tier.min is not number or tier.min is boolean -%}
                        {{ exceptions.raise_compiler_error(where_key ~ ".tiers[" ~ loop.index ~ "].min must be a number (the threshold), got: " ~ tier.min) }}
                    {%- endif -%}
                    {%- do tiers.append({'min': tier.min, 'value': tier.value}) -%}
                {%- endfor -%}
            {%- endif -%}
            {%- do fields.append({
                'key': key,
                'source': source,
                'relation': relation,
                'name': name,
                'tiers': tiers | sort(attribute='min', reverse=true),
                'default': value.get('default'),
            }) -%}
        {%- else -%}
            {%- do fixed.update({key: value}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'payload': fixed, 'fields': fields}) }}
{%- endmacro %}
