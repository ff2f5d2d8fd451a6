{#-
    A config value as a SQL string literal, the way it compares with text extracted from
    JSON or cast from a column: booleans as 'true' / 'false', numbers as written.
-#}
{% macro funnel_literal(value) -%}
    {%- if value is boolean -%}
        {%- set text = 'true' if value else 'false' -%}
    {%- else -%}
        {%- set text = value | string -%}
    {%- endif -%}
    {{ return(adapter.dispatch('funnel_literal', 'journey')(text)) }}
{%- endmacro %}

{#- BigQuery string literals escape with a backslash. -#}
{% macro default__funnel_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{#- DuckDB string literals double the quote and take backslashes literally. -#}
{% macro duckdb__funnel_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}
