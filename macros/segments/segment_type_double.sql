{#-
    The 64-bit float of statistics inputs (means, variances), where numeric(28,6) would round
    small variances: journey.type_double().
-#}
{% macro segment_type_double() -%}
    {{ return(journey.type_double()) }}
{%- endmacro %}
