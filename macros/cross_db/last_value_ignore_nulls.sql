{#-
    The last non-null value of an expression in a window frame: write
    `{{ journey.last_value_ignore_nulls('x') }} over w`. Engines place IGNORE NULLS differently.
-#}
{% macro last_value_ignore_nulls(expression) -%}
    {{ return(adapter.dispatch('last_value_ignore_nulls', 'journey')(expression)) }}
{%- endmacro %}

{#- DuckDB and BigQuery: inside the call. -#}
{% macro default__last_value_ignore_nulls(expression) -%}
    last_value({{ expression }} ignore nulls)
{%- endmacro %}

{#- Spark: the second argument of last_value is ignoreNulls. -#}
{% macro spark__last_value_ignore_nulls(expression) -%}
    last_value({{ expression }}, true)
{%- endmacro %}
