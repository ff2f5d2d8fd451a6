{#-
    An identity text (user_id, anonymous_id) as used: spaces around removed; null when absent,
    blank or a placeholder (the cases journey.identity_value_issue names).
-#}
{% macro identity_value(raw, column_name) -%}
    case
        when {{ journey.identity_value_issue(raw, column_name) }}
            in ('{{ column_name }}_blank', '{{ column_name }}_placeholder')
            then null
        else nullif(trim({{ raw }}), '')
    end
{%- endmacro %}
