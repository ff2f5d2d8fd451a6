{#- The stage name of a rank 1-5, inverse of journey_stage_rank. -#}
{% macro journey_stage_name(rank_expr) -%}
    case {{ rank_expr }}
        {%- for stage in journey.journey_stages() %}
        when {{ loop.index }} then '{{ stage }}'
        {%- endfor %}
    end
{%- endmacro %}
