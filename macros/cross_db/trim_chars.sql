{#-
    A text without the given characters at both ends (side 'both'), at its end ('trailing') or
    at its start ('leading').
-#}
{% macro trim_chars(value, characters, side='both') -%}
    {%- if side not in ['both', 'leading', 'trailing'] -%}
        {{ exceptions.raise_compiler_error("journey.trim_chars: side must be both, leading or trailing; got '" ~ side ~ "'") }}
    {%- endif -%}
    {{ return(adapter.dispatch('trim_chars', 'journey')(value, characters, side)) }}
{%- endmacro %}

{#- DuckDB and BigQuery: trim / ltrim / rtrim(value, characters). -#}
{% macro default__trim_chars(value, characters, side) -%}
    {{ {'both': 'trim', 'leading': 'ltrim', 'trailing': 'rtrim'}[side] }}({{ value }}, '{{ characters }}')
{%- endmacro %}

{#- Spark's two-argument trims take the characters first (deprecated): the SQL-standard form. -#}
{% macro spark__trim_chars(value, characters, side) -%}
    trim({{ side }} '{{ characters }}' from {{ value }})
{%- endmacro %}
