{#-
    The deterministic holdout bucket 0..9999 of a user id and a salt (both SQL text
    expressions), the same on every engine and in Python:
    int(md5_hex(salt || ':' || user_id)[0:8], 16) mod 10000.
-#}
{% macro stable_bucket(value_expr, salt_expr) -%}
    {{ return(adapter.dispatch('stable_bucket', 'journey')(value_expr, salt_expr)) }}
{%- endmacro %}

{#- BigQuery's md5 returns bytes; a '0x' hex string casts to INT64. -#}
{% macro default__stable_bucket(value_expr, salt_expr) -%}
    mod(cast(concat('0x', substr(to_hex(md5(concat({{ salt_expr }}, ':', {{ value_expr }}))), 1, 8)) as int64), 10000)
{%- endmacro %}

{#- DuckDB's md5 returns lower-case hex text; a '0x' string casts to an integer. -#}
{% macro duckdb__stable_bucket(value_expr, salt_expr) -%}
    (cast('0x' || substr(md5({{ salt_expr }} || ':' || {{ value_expr }}), 1, 8) as bigint) % 10000)
{%- endmacro %}

{#- Spark's md5 returns lower-case hex text; conv() reads the first 8 hex digits as a number. -#}
{% macro spark__stable_bucket(value_expr, salt_expr) -%}
    pmod(cast(conv(substr(md5(concat({{ salt_expr }}, ':', {{ value_expr }})), 1, 8), 16, 10) as bigint), 10000)
{%- endmacro %}

{#- The fire id: md5 hex of trigger | step | user | entry event. -#}
{% macro trigger_fire_id(trigger_expr, step_expr, user_expr, entry_event_expr) -%}
    {{ return(adapter.dispatch('trigger_fire_id', 'journey')(trigger_expr, step_expr, user_expr, entry_event_expr)) }}
{%- endmacro %}

{% macro default__trigger_fire_id(trigger_expr, step_expr, user_expr, entry_event_expr) -%}
    to_hex(md5(concat({{ trigger_expr }}, '|', {{ step_expr }}, '|', {{ user_expr }}, '|', {{ entry_event_expr }})))
{%- endmacro %}

{% macro duckdb__trigger_fire_id(trigger_expr, step_expr, user_expr, entry_event_expr) -%}
    md5({{ trigger_expr }} || '|' || {{ step_expr }} || '|' || {{ user_expr }} || '|' || {{ entry_event_expr }})
{%- endmacro %}

{#- Spark's md5 returns the hex text already (no to_hex there). -#}
{% macro spark__trigger_fire_id(trigger_expr, step_expr, user_expr, entry_event_expr) -%}
    md5(concat({{ trigger_expr }}, '|', {{ step_expr }}, '|', {{ user_expr }}, '|', {{ entry_event_expr }}))
{%- endmacro %}
