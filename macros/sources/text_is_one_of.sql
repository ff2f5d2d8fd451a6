{#-
    True when a text expression equals one of the literal values, as `in` lists of at most four
    values joined by `or`. DuckDB plans an IN list of more values as a join, which a view then
    runs over every row even when the column is not selected.
-#}
{% macro text_is_one_of(expression, values) -%}
    (
    {%- for chunk in values | batch(4) %}
        {{ expression }} in ('{{ chunk | join("', '") }}'){{ " or" if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}
