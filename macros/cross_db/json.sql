{% macro json_extract_string(json_column, key) -%}
    {{ return(adapter.dispatch('json_extract_string', 'journey')(json_column, key)) }}
{%- endmacro %}

{% macro default__json_extract_string(json_column, key) -%}
    json_value({{ json_column }}, '$.{{ key }}')
{%- endmacro %}

{% macro duckdb__json_extract_string(json_column, key) -%}
    json_extract_string({{ json_column }}, '$.{{ key }}')
{%- endmacro %}
