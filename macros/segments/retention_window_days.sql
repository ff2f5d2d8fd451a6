{#-
    The retention window of the power-user comparison (var journey__power_user_retention_days):
    a pair [first_day, last_day] of days after the first-seen day (day 0), default [29, 56].
-#}
{% macro retention_window_days() -%}
    {%- set value = journey.journey_var('journey__power_user_retention_days') -%}
    {%- if value is string or value is mapping or value | length != 2
        or value[0] is not integer or value[1] is not integer
        or value[0] < 1 or value[1] < value[0] -%}
        {{ exceptions.raise_compiler_error(
            "journey: var journey__power_user_retention_days must be [first_day, last_day] with "
            ~ "1 <= first_day <= last_day (days after the first-seen day), got '" ~ value ~ "'."
        ) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
