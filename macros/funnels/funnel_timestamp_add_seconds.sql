{#- A timestamp plus a whole number of seconds (a literal or an integer expression). -#}
{% macro funnel_timestamp_add_seconds(timestamp_expr, seconds) -%}
    {{ return(adapter.dispatch('funnel_timestamp_add_seconds', 'journey')(timestamp_expr, seconds)) }}
{%- endmacro %}

{#- BigQuery: dbt.dateadd casts to datetime, which no longer compares with a timestamp. -#}
{% macro default__funnel_timestamp_add_seconds(timestamp_expr, seconds) -%}
    timestamp_add({{ timestamp_expr }}, interval {{ seconds }} second)
{%- endmacro %}

{% macro duckdb__funnel_timestamp_add_seconds(timestamp_expr, seconds) -%}
    ({{ timestamp_expr }} + to_seconds(cast({{ seconds }} as bigint)))
{%- endmacro %}

{% macro spark__funnel_timestamp_add_seconds(timestamp_expr, seconds) -%}
    timestampadd(second, cast({{ seconds }} as bigint), {{ timestamp_expr }})
{%- endmacro %}
