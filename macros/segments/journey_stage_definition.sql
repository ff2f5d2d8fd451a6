{#-
    Which stage counts as a user's current one (var journey__journey_stage_current):
    'furthest' (default) = the furthest stage of the 5 A's ever reached, so the stage never moves
    back; 'latest' = the stage of the user's most recent event with a stage.
-#}
{% macro journey_stage_definition() -%}
    {%- set value = journey.journey_var('journey__journey_stage_current') -%}
    {%- if value not in ['furthest', 'latest'] -%}
        {{ exceptions.raise_compiler_error(
            "journey: var journey__journey_stage_current must be 'furthest' or 'latest', got '"
            ~ value ~ "'."
        ) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
