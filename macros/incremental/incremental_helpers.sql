{#-
    is_incremental() asks the warehouse whether the table exists. The offline BigQuery compile
    check has no warehouse, so the var journey__offline_compile decides there instead:
    'incremental' compiles the incremental branch, any other true value the full-refresh one.
-#}
{% macro is_incremental_run() -%}
    {%- set offline = journey.journey_var('journey__offline_compile') -%}
    {%- if offline -%}
        {{ return(offline == 'incremental') }}
    {%- endif -%}
    {#- dbt unit tests render models without a target relation: always a full refresh there. -#}
    {%- if this is none -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(is_incremental()) }}
{%- endmacro %}


{#- The strategy that replaces reprocessed rows by key on each adapter. -#}
{% macro incremental_strategy() -%}
    {{ return(adapter.dispatch('incremental_strategy', 'journey')()) }}
{%- endmacro %}

{% macro default__incremental_strategy() -%}
    {{ return('merge') }}
{%- endmacro %}

{#- DuckDB's merge is slower than a delete of the reprocessed keys followed by an insert. -#}
{% macro duckdb__incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}


{#-
    BigQuery tables of events are partitioned by day and clustered; other engines ignore it.
    column_type: date, or timestamp for a timestamp column partitioned by its UTC day.
-#}
{% macro day_partition(column, column_type='date') -%}
    {{ return(adapter.dispatch('day_partition', 'journey')(column, column_type)) }}
{%- endmacro %}

{% macro default__day_partition(column, column_type='date') -%}
    {{ return(none) }}
{%- endmacro %}

{% macro bigquery__day_partition(column, column_type='date') -%}
    {{ return({'field': column, 'data_type': column_type, 'granularity': 'day'}) }}
{%- endmacro %}

{#-
    Spark: merge needs Delta Lake or Iceberg tables, which session mode has not got offline.
    The spark target builds the incremental models as full refreshes only (docs/spark.md);
    insert_overwrite is the strategy dbt-spark accepts for plain Parquet tables.
-#}
{% macro spark__incremental_strategy() -%}
    {%- if execute and journey.is_incremental_run() -%}
        {{ exceptions.raise_compiler_error(
            "journey: the spark target builds " ~ this ~ " as a full refresh only (no Delta Lake or "
            ~ "Iceberg for merge offline; docs/spark.md). Run `dbt build --target spark --full-refresh`."
        ) }}
    {%- endif -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}
