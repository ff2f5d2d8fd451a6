{#-
    An identity text (user_id, anonymous_id) as used: spaces around removed; null when absent,
    blank or a placeholder (the cases journey.identity_value_issue names).
-#}
{% macro identity_value(raw, column_name) -%}
    {%- set issue = journey.identity_value_issue(raw, column_name) -%}
    case
        when {{ issue }} is null then nullif({{ raw }}, '')
        when {{ issue }} = '{{ column_name }}_trimmed' then trim({{ raw }})
    end
{%- endmacro %}
