{#-
    dbt.type_float() on DuckDB: dbt says `float`, a 32-bit REAL there, and DuckDB casts a REAL to
    a decimal in 32-bit arithmetic, so revenue sent as 298.25 was stored as 298.249984 in
    fct_events (and a value with more than 7 digits lost its cents). Revenue and the other
    measures need the 64-bit double that Spark (spark__type_float) and BigQuery (float64) use;
    with it both engines store exactly the decimals that were sent. Applies while journey is the
    root project.
-#}
{% macro duckdb__type_float() -%}
    double
{%- endmacro %}
