{#-
    Local wall-clock time of a UTC instant in an IANA time zone (both without time zone), and
    back. Daylight-saving changes follow the engine's time zone database.
-#}
{% macro trigger_utc_to_local(utc_expr, tz_expr) -%}
    {{ return(adapter.dispatch('trigger_utc_to_local', 'journey')(utc_expr, tz_expr)) }}
{%- endmacro %}

{% macro default__trigger_utc_to_local(utc_expr, tz_expr) -%}
    datetime({{ utc_expr }}, {{ tz_expr }})
{%- endmacro %}

{#- DuckDB (ICU): timezone('UTC', naive) reads the naive value as UTC; timezone(tz, instant) gives local time. -#}
{% macro duckdb__trigger_utc_to_local(utc_expr, tz_expr) -%}
    timezone({{ tz_expr }}, timezone('UTC', {{ utc_expr }}))
{%- endmacro %}

{% macro trigger_local_to_utc(local_expr, tz_expr) -%}
    {{ return(adapter.dispatch('trigger_local_to_utc', 'journey')(local_expr, tz_expr)) }}
{%- endmacro %}

{% macro default__trigger_local_to_utc(local_expr, tz_expr) -%}
    timestamp({{ local_expr }}, {{ tz_expr }})
{%- endmacro %}

{% macro duckdb__trigger_local_to_utc(local_expr, tz_expr) -%}
    timezone('UTC', timezone({{ tz_expr }}, {{ local_expr }}))
{%- endmacro %}

{#- Whether a text value names a time zone the engine knows (others fall back to the default). -#}
{% macro trigger_is_known_time_zone(tz_expr) -%}
    {{ return(adapter.dispatch('trigger_is_known_time_zone', 'journey')(tz_expr)) }}
{%- endmacro %}

{% macro default__trigger_is_known_time_zone(tz_expr) -%}
    regexp_contains({{ tz_expr }}, r'^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+)+)$')
{%- endmacro %}

{% macro duckdb__trigger_is_known_time_zone(tz_expr) -%}
    {{ tz_expr }} in (select pg_timezone_names.name from pg_timezone_names())
{%- endmacro %}

{#- Spark: IANA names checked by their shape (as on BigQuery); unknown ones fall back. -#}
{% macro spark__trigger_is_known_time_zone(tz_expr) -%}
    {{ journey.regexp_contains(tz_expr, '^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+)+)$') }}
{%- endmacro %}

{#- Spark's timestamps are instants shown in the session time zone (UTC in the profile):
    from_utc_timestamp gives the local wall clock, to_utc_timestamp goes back. -#}
{% macro spark__trigger_utc_to_local(utc_expr, tz_expr) -%}
    from_utc_timestamp({{ utc_expr }}, {{ tz_expr }})
{%- endmacro %}

{% macro spark__trigger_local_to_utc(local_expr, tz_expr) -%}
    to_utc_timestamp({{ local_expr }}, {{ tz_expr }})
{%- endmacro %}
