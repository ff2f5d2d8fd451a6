{#- A cast that yields null instead of failing on a bad value. -#}
{% macro try_cast(field, data_type) -%}
    {{ return(adapter.dispatch('try_cast', 'journey')(field, data_type)) }}
{%- endmacro %}

{#- dbt's safe_cast is safe on BigQuery, Snowflake and Spark. -#}
{% macro default__try_cast(field, data_type) -%}
    {{ dbt.safe_cast(field, data_type) }}
{%- endmacro %}

{#- dbt-duckdb inherits dbt's plain cast, which fails on a bad value. -#}
{% macro duckdb__try_cast(field, data_type) -%}
    try_cast({{ field }} as {{ data_type }})
{%- endmacro %}

{#- Spark 4 runs in ANSI mode, where cast fails on a bad value; try_cast yields null. -#}
{% macro spark__try_cast(field, data_type) -%}
    try_cast({{ field }} as {{ data_type }})
{%- endmacro %}
