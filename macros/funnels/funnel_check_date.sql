{#- A 'YYYY-MM-DD' date (YAML may hand over a date object) as text, or none; else an error. -#}
{% macro funnel_check_date(value, where) -%}
    {%- if value is none or value == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- if not modules.re.match('^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$', text) -%}
        {{ exceptions.raise_compiler_error(where ~ " must be a date YYYY-MM-DD, got: " ~ value) }}
    {%- endif -%}
    {{ return(text) }}
{%- endmacro %}
