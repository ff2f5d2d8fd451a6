{#-
    The JSON type of a text value in lower case - object, array, string, number / bigint /
    double (engines name numbers differently), boolean, null - or null when the text is not
    valid JSON. Never fails on bad JSON.
-#}
{% macro json_type_name(text) -%}
    {{ return(adapter.dispatch('json_type_name', 'journey')(text)) }}
{%- endmacro %}

{#- BigQuery: safe.parse_json yields null on invalid JSON; json_type names the type in lower case. -#}
{% macro default__json_type_name(text) -%}
    lower(json_type(safe.parse_json({{ text }})))
{%- endmacro %}

{#-
    DuckDB's json_type fails on invalid JSON: json_valid guards it. Valid JSON that starts with
    '{' is an object, which spares most rows the second parse.
-#}
{% macro duckdb__json_type_name(text) -%}
    case
        when not json_valid({{ text }}) then null
        when starts_with(ltrim({{ text }}), '{') then 'object'
        else lower(json_type({{ text }}))
    end
{%- endmacro %}

{#-
    Spark 4: try_parse_json gives a VARIANT (null on invalid JSON); schema_of_variant names its
    type in upper case (OBJECT<...>, ARRAY<...>, BIGINT, STRING, BOOLEAN, VOID for JSON null).
-#}
{% macro spark__json_type_name(text) -%}
    case
        when try_parse_json({{ text }}) is null then null
        when startswith(ltrim({{ text }}), '{{ '{' }}') then 'object'
        when schema_of_variant(try_parse_json({{ text }})) = 'VOID' then 'null'
        else lower(regexp_extract(schema_of_variant(try_parse_json({{ text }})), '^[A-Z]+', 0))
    end
{%- endmacro %}
