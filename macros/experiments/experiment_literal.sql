{#- A string literal with single quotes doubled (declared names and values in generated SQL). -#}
{% macro experiment_literal(value) -%}
    '{{ (value | string).replace("'", "''") }}'
{%- endmacro %}
