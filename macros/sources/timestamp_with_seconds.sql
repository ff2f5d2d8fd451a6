{#-
    'YYYY-MM-DD HH:MM' completed to 'YYYY-MM-DD HH:MM:00' (BigQuery's cast needs the seconds);
    any other text is returned as it is. A cheap test: the text has a single ':'.
-#}
{% macro timestamp_with_seconds(text) -%}
    case
        when length({{ text }}) - length(replace({{ text }}, ':', '')) = 1
            then concat({{ text }}, ':00')
        else {{ text }}
    end
{%- endmacro %}
