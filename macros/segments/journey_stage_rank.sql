{#-
    The 5 A's (Kotler, Kartajaya & Setiawan, Marketing 4.0, 2016) in journey order:
    aware 1, appeal 2, ask 3, act 4, advocate 5; null for any other value.
-#}
{% macro journey_stage_rank(stage_expr) -%}
    case {{ stage_expr }}
        {%- for stage in journey.journey_stages() %}
        when '{{ stage }}' then {{ loop.index }}
        {%- endfor %}
    end
{%- endmacro %}
