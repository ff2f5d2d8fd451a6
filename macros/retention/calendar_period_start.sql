{#- The first day of calendar period number `period_number_expression` (inverse of calendar_period_number). -#}
{% macro calendar_period_start(period_unit, period_number_expression) -%}
    {%- if period_unit == 'day' -%}
        cast({{ dbt.dateadd('day', period_number_expression, "cast('1970-01-01' as date)") }} as date)
    {%- elif period_unit == 'week' -%}
        cast({{ dbt.dateadd('day', '7 * (' ~ period_number_expression ~ ')', "cast('1970-01-05' as date)") }} as date)
    {%- elif period_unit == 'month' -%}
        cast({{ dbt.dateadd('month', period_number_expression, "cast('1970-01-01' as date)") }} as date)
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "journey.calendar_period_start: period_unit must be day, week or month; got: " ~ period_unit
        ) }}
    {%- endif -%}
{%- endmacro %}
