{#-
    First day of the period (day, week, month or quarter) that contains a date, as a date.
    Weeks are ISO weeks starting on Monday on every warehouse (BigQuery's plain 'week' starts on
    Sunday, hence 'isoweek' there).
-#}
{% macro segment_period_start(date_expr, period, var_name='journey__rfm_snapshot_period') -%}
    {%- if period not in ['day', 'week', 'month', 'quarter'] -%}
        {{ exceptions.raise_compiler_error(
            "journey: var " ~ var_name ~ " must be one of day, week, month, quarter; got '"
            ~ period ~ "'."
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('segment_period_start', 'journey')(date_expr, period)) }}
{%- endmacro %}

{% macro default__segment_period_start(date_expr, period) -%}
    date_trunc(cast({{ date_expr }} as date), {{ 'isoweek' if period == 'week' else period }})
{%- endmacro %}

{#- DuckDB's date_trunc takes the part first and returns a timestamp; its 'week' is ISO. -#}
{% macro duckdb__segment_period_start(date_expr, period) -%}
    cast(date_trunc('{{ period }}', cast({{ date_expr }} as date)) as date)
{%- endmacro %}

{#- Spark's date_trunc also takes the part first and returns a timestamp; its 'week' starts on Monday. -#}
{% macro spark__segment_period_start(date_expr, period) -%}
    cast(date_trunc('{{ period }}', cast({{ date_expr }} as date)) as date)
{%- endmacro %}
