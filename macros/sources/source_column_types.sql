{#-
    The column types of a source as {lower-cased name: upper-cased type}, so that staging can
    pick a cheap exact parser for typed columns (a Parquet TIMESTAMP or BIGINT) and the general
    text rules for the rest. On DuckDB from `describe`; elsewhere, while parsing, in the offline
    compile and in unit tests: {} (every column takes the text rules, which are exact too).
-#}
{% macro source_column_types(relation) -%}
    {{ return(adapter.dispatch('source_column_types', 'journey')(relation)) }}
{%- endmacro %}

{% macro default__source_column_types(relation) -%}
    {{ return({}) }}
{%- endmacro %}

{% macro duckdb__source_column_types(relation) -%}
    {%- if not execute or journey.journey_var('journey__offline_compile') or journey.is_unit_test_run() -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set described = run_query('describe select * from ' ~ relation) -%}
    {%- set types = {} -%}
    {%- for row in described.rows -%}
        {%- do types.update({row[0] | lower: row[1] | upper}) -%}
    {%- endfor -%}
    {{ return(types) }}
{%- endmacro %}
