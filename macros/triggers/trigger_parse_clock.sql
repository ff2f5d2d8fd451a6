{#- A local clock time 'HH:MM' (00:00 to 23:59) as minutes after midnight; `where` names the key. -#}
{% macro trigger_parse_clock(value, where) -%}
    {%- set match = modules.re.match('^([01][0-9]|2[0-3]):([0-5][0-9])$', value if value is string else '') -%}
    {%- if match is none -%}
        {{ exceptions.raise_compiler_error(where ~ " must be a local time 'HH:MM' from 00:00 to 23:59, got: " ~ value) }}
    {%- endif -%}
    {{ return((match.group(1) | int) * 60 + (match.group(2) | int)) }}
{%- endmacro %}
