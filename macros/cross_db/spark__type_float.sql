{#-
    dbt.type_float() on Spark: dbt-spark says `float`, a 32-bit float there (77.55 becomes
    77.550003); revenue and the other measures need the 64-bit double that DuckDB and BigQuery
    use. Applies while journey is the root project.
-#}
{% macro spark__type_float() -%}
    double
{%- endmacro %}
