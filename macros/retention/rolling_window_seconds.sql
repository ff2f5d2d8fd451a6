{#- Length in seconds of a rolling window: 24 hours, 7 x 24 hours, or 30 x 24 hours for a month. -#}
{% macro rolling_window_seconds(period_unit) -%}
    {%- set seconds = {'day': 86400, 'week': 604800, 'month': 2592000} -%}
    {%- if period_unit not in seconds -%}
        {{ exceptions.raise_compiler_error(
            "journey.rolling_window_seconds: period_unit must be day, week or month; got: " ~ period_unit
        ) }}
    {%- endif -%}
    {{ return(seconds[period_unit]) }}
{%- endmacro %}
