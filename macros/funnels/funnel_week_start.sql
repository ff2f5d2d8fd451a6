{#- Monday of the ISO week of a date, on every engine (date_trunc's week start differs). -#}
{% macro funnel_week_start(date_expr) -%}
    {{ return(adapter.dispatch('funnel_week_start', 'journey')(date_expr)) }}
{%- endmacro %}

{% macro default__funnel_week_start(date_expr) -%}
    date_trunc({{ date_expr }}, isoweek)
{%- endmacro %}

{#- DuckDB's week already starts on Monday; date_trunc returns a timestamp there. -#}
{% macro duckdb__funnel_week_start(date_expr) -%}
    cast(date_trunc('week', {{ date_expr }}) as date)
{%- endmacro %}

{#- Spark's date_trunc takes the part first, starts weeks on Monday and returns a timestamp. -#}
{% macro spark__funnel_week_start(date_expr) -%}
    cast(date_trunc('week', {{ date_expr }}) as date)
{%- endmacro %}
