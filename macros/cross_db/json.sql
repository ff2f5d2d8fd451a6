{% macro json_extract_string(json_column, key) -%}
    {{ return(adapter.dispatch('json_extract_string', 'journey')(json_column, key)) }}
{%- endmacro %}

{% macro default__json_extract_string(json_column, key) -%}
    json_value({{ json_column }}, '$.{{ key }}')
{%- endmacro %}

{% macro duckdb__json_extract_string(json_column, key) -%}
    json_extract_string({{ json_column }}, '$.{{ key }}')
{%- endmacro %}

{#- Spark: get_json_object returns the value as text (null on invalid JSON). -#}
{% macro spark__json_extract_string(json_column, key) -%}
    get_json_object({{ json_column }}, '$.{{ key }}')
{%- endmacro %}
