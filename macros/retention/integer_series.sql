{#-
    A select of the whole numbers 1..upper_bound in column generated_number, typed bigint:
    dbt.generate_series builds them with power(2, i), a FLOAT64 on BigQuery, which date
    arithmetic (interval n day) refuses.
-#}
{% macro integer_series(upper_bound) -%}
    select cast(generated_number as {{ dbt.type_bigint() }}) as generated_number
    from ({{ dbt.generate_series(upper_bound) }}) as generated
{%- endmacro %}
