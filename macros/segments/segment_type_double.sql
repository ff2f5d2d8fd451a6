{#-
    A 64-bit float type for statistics inputs (means, variances), where numeric(28,6) would round
    small variances. dbt.type_float() is a 32-bit REAL on DuckDB, hence this macro.
-#}
{% macro segment_type_double() -%}
    {{ return(adapter.dispatch('segment_type_double', 'journey')()) }}
{%- endmacro %}

{% macro default__segment_type_double() -%}
    float64
{%- endmacro %}

{#- DuckDB's 64-bit float is double ('float' is 32-bit there). -#}
{% macro duckdb__segment_type_double() -%}
    double
{%- endmacro %}

{#- Spark's 64-bit float is double. -#}
{% macro spark__segment_type_double() -%}
    double
{%- endmacro %}
