{#-
    A timestamp plus a number of units (microsecond to day), still a timestamp. dbt.dateadd
    returns a DATETIME on BigQuery, which no longer compares with a TIMESTAMP column.
-#}
{% macro timestamp_add(datepart, interval, timestamp_expr) -%}
    {{ return(adapter.dispatch('timestamp_add', 'journey')(datepart, interval, timestamp_expr)) }}
{%- endmacro %}

{% macro default__timestamp_add(datepart, interval, timestamp_expr) -%}
    timestamp_add({{ timestamp_expr }}, interval ({{ interval }}) {{ datepart }})
{%- endmacro %}

{#- DuckDB adds an interval to a timestamp and keeps the type. -#}
{% macro duckdb__timestamp_add(datepart, interval, timestamp_expr) -%}
    {{ dbt.dateadd(datepart, interval, timestamp_expr) }}
{%- endmacro %}

{#- Spark: timestampadd keeps the timestamp type. -#}
{% macro spark__timestamp_add(datepart, interval, timestamp_expr) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ timestamp_expr }})
{%- endmacro %}
