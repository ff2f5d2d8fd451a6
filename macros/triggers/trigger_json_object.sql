{#-
    A JSON object text from (key, SQL text expression) pairs: the values a trigger step's payload
    reads from data. Null values stay JSON null.
-#}
{% macro trigger_json_object(pairs) -%}
    {{ return(adapter.dispatch('trigger_json_object', 'journey')(pairs)) }}
{%- endmacro %}

{% macro default__trigger_json_object(pairs) -%}
    cast(json_object(
        {%- for key, expr in pairs %}{{ journey.funnel_literal(key) }}, {{ expr }}{% if not loop.last %}, {% endif %}{% endfor -%}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{#- BigQuery: JSON_OBJECT returns JSON, written out as text. -#}
{% macro bigquery__trigger_json_object(pairs) -%}
    to_json_string(json_object(
        {%- for key, expr in pairs %}{{ journey.funnel_literal(key) }}, {{ expr }}{% if not loop.last %}, {% endif %}{% endfor -%}
    ))
{%- endmacro %}

{#- Spark: no json_object; a named struct written out by to_json (nulls dropped, read as null). -#}
{% macro spark__trigger_json_object(pairs) -%}
    to_json(named_struct(
        {%- for key, expr in pairs %}{{ journey.funnel_literal(key) }}, {{ expr }}{% if not loop.last %}, {% endif %}{% endfor -%}
    ))
{%- endmacro %}
