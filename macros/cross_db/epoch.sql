{#- Seconds between two timestamps as a float (sub-second precision kept). -#}
{% macro seconds_between(start_at, end_at) -%}
    {{ return(adapter.dispatch('seconds_between', 'journey')(start_at, end_at)) }}
{%- endmacro %}

{% macro default__seconds_between(start_at, end_at) -%}
    (timestamp_diff({{ end_at }}, {{ start_at }}, microsecond) / 1000000.0)
{%- endmacro %}

{% macro duckdb__seconds_between(start_at, end_at) -%}
    (epoch_us({{ end_at }}) - epoch_us({{ start_at }})) / 1000000.0
{%- endmacro %}

{#- Spark: unix_micros counts microseconds since the epoch (session time zone UTC). -#}
{% macro spark__seconds_between(start_at, end_at) -%}
    (unix_micros({{ end_at }}) - unix_micros({{ start_at }})) / 1000000.0
{%- endmacro %}
