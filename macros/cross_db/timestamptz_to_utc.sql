{#- A timestamp-with-time-zone value as the UTC instant, a timestamp without time zone. -#}
{% macro timestamptz_to_utc(value) -%}
    {{ return(adapter.dispatch('timestamptz_to_utc', 'journey')(value)) }}
{%- endmacro %}

{#- BigQuery's TIMESTAMP is already a UTC instant. -#}
{% macro default__timestamptz_to_utc(value) -%}
    {{ value }}
{%- endmacro %}

{#- DuckDB's cast to timestamp would use the session's TimeZone: go through epoch microseconds. -#}
{% macro duckdb__timestamptz_to_utc(value) -%}
    make_timestamp(epoch_us({{ value }}))
{%- endmacro %}

{#- Spark: a TIMESTAMP is an instant; the spark target's session time zone is UTC. -#}
{% macro spark__timestamptz_to_utc(value) -%}
    {{ value }}
{%- endmacro %}
