{#- The stage names in order (used by journey_stage_rank and the stage marts). -#}
{% macro journey_stages() -%}
    {{ return(['aware', 'appeal', 'ask', 'act', 'advocate']) }}
{%- endmacro %}
