{#-
    One select per declared trigger joined by union all; when there is none (no trigger
    declares the part), a typed empty select from `relation` so the CTE keeps its columns.
-#}
{% macro trigger_union_all(selects, empty_columns, relation) -%}
    {%- if selects -%}
        {{ selects | join('\n    union all\n') }}
    {%- else %}
    select
        {%- for name, type in empty_columns %}
        cast(null as {{ type }}) as {{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ relation }}
    where false
    {%- endif -%}
{%- endmacro %}
