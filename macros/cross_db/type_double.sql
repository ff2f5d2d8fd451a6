{#-
    A 64-bit float on every engine. dbt.type_float() is not one: it says `float`, which is a
    32-bit REAL on DuckDB (which also casts a REAL to a decimal in 32-bit arithmetic: revenue
    sent as 298.25 was stored as 298.249984) and a 32-bit float on Spark (77.55 became
    77.550003). Revenue and every other measure use this macro, so the engines store exactly the
    decimals that were sent, whether journey is the root project or an installed package.
-#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'journey')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    float64
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}
