{#- Regular expressions differ in name and flags between engines; these wrap them. -#}

{% macro regexp_contains(value, pattern) -%}
    {{ return(adapter.dispatch('regexp_contains', 'journey')(value, pattern)) }}
{%- endmacro %}

{% macro default__regexp_contains(value, pattern) -%}
    regexp_contains({{ value }}, r'{{ pattern }}')
{%- endmacro %}

{#- DuckDB names it regexp_matches and has no raw-string literal. -#}
{% macro duckdb__regexp_contains(value, pattern) -%}
    regexp_matches({{ value }}, '{{ pattern }}')
{%- endmacro %}


{% macro regexp_replace_all(value, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'journey')(value, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, r'{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{#- DuckDB replaces the first match only unless given the 'g' flag. -#}
{% macro duckdb__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}


{% macro regexp_extract_group(value, pattern) -%}
    {{ return(adapter.dispatch('regexp_extract_group', 'journey')(value, pattern)) }}
{%- endmacro %}

{#- BigQuery returns the first capturing group when the pattern has one. -#}
{% macro default__regexp_extract_group(value, pattern) -%}
    regexp_extract({{ value }}, r'{{ pattern }}')
{%- endmacro %}

{#- DuckDB returns '' rather than null when nothing matches: nullif restores null. -#}
{% macro duckdb__regexp_extract_group(value, pattern) -%}
    nullif(regexp_extract({{ value }}, '{{ pattern }}', 1), '')
{%- endmacro %}

{#-
    Spark: Java regular expressions; rlike matches anywhere, regexp_replace replaces all. Spark
    string literals read a backslash as an escape, so the pattern's backslashes are doubled.
-#}
{% macro spark__regexp_contains(value, pattern) -%}
    ({{ value }} rlike '{{ pattern | replace('\\', '\\\\') }}')
{%- endmacro %}

{% macro spark__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, '{{ pattern | replace('\\', '\\\\') }}', '{{ replacement | replace('\\', '\\\\') }}')
{%- endmacro %}

{#- Spark's regexp_extract returns '' when nothing matches, like DuckDB's. -#}
{% macro spark__regexp_extract_group(value, pattern) -%}
    nullif(regexp_extract({{ value }}, '{{ pattern | replace('\\', '\\\\') }}', 1), '')
{%- endmacro %}
