{#- SQL text of a parsed funnel field (see funnel_parse_field) on fct_events, as a string. -#}
{% macro funnel_field_sql(field, relation_alias=none) -%}
    {%- set prefix = (relation_alias ~ '.') if relation_alias else '' -%}
    {%- if field.kind == 'property' -%}
        {{ journey.json_extract_string(prefix ~ 'properties', field.name) }}
    {%- else -%}
        cast({{ prefix ~ field.name }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}
