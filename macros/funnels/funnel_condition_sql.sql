{#-
    Boolean SQL for "this fct_events row matches the step (or exclusion) definition `spec`":
    its event name is one of spec.events and every property / column filter holds. `ne` and
    `not_in` also match rows where the field is missing (null).
-#}
{% macro funnel_condition_sql(spec, relation_alias=none) -%}
    {%- set prefix = (relation_alias ~ '.') if relation_alias else '' -%}
    {%- set parts = [] -%}
    {%- set names = [] -%}
    {%- for e in spec.events -%}{%- do names.append(journey.funnel_literal(e)) -%}{%- endfor -%}
    {%- do parts.append(prefix ~ 'event_name in (' ~ names | join(', ') ~ ')') -%}
    {%- for f in spec.where + spec.where_columns -%}
        {%- set expr = journey.funnel_field_sql(f.field, relation_alias) | trim -%}
        {%- if f.op == 'eq' -%}
            {%- do parts.append(expr ~ ' = ' ~ journey.funnel_literal(f.value)) -%}
        {%- elif f.op == 'ne' -%}
            {%- do parts.append('(' ~ expr ~ ' is null or ' ~ expr ~ ' != ' ~ journey.funnel_literal(f.value) ~ ')') -%}
        {%- elif f.op in ['in', 'not_in'] -%}
            {%- set values = [] -%}
            {%- for v in f.value -%}{%- do values.append(journey.funnel_literal(v)) -%}{%- endfor -%}
            {%- if f.op == 'in' -%}
                {%- do parts.append(expr ~ ' in (' ~ values | join(', ') ~ ')') -%}
            {%- else -%}
                {%- do parts.append('(' ~ expr ~ ' is null or ' ~ expr ~ ' not in (' ~ values | join(', ') ~ '))') -%}
            {%- endif -%}
        {%- elif f.op == 'contains' -%}
            {%- do parts.append('strpos(' ~ expr ~ ', ' ~ journey.funnel_literal(f.value) ~ ') > 0') -%}
        {%- elif f.op == 'starts_with' -%}
            {%- do parts.append('starts_with(' ~ expr ~ ', ' ~ journey.funnel_literal(f.value) ~ ')') -%}
        {%- elif f.op == 'ends_with' -%}
            {%- do parts.append('ends_with(' ~ expr ~ ', ' ~ journey.funnel_literal(f.value) ~ ')') -%}
        {%- elif f.op == 'regex' -%}
            {%- do parts.append(journey.regexp_contains(expr, f.value) | trim) -%}
        {%- elif f.op in ['gt', 'gte', 'lt', 'lte'] -%}
            {%- set symbol = {'gt': '>', 'gte': '>=', 'lt': '<', 'lte': '<='}[f.op] -%}
            {%- do parts.append(journey.try_cast(expr, journey.type_double()) | trim ~ ' ' ~ symbol ~ ' ' ~ f.value) -%}
        {%- elif f.op == 'is_set' -%}
            {%- do parts.append(expr ~ (' is not null' if f.value else ' is null')) -%}
        {%- endif -%}
    {%- endfor -%}
    ({{ parts | join(' and ') }})
{%- endmacro %}
