{#-
    Calendar periods as whole numbers, the same on every engine: days since 1970-01-01, ISO
    weeks (Monday to Sunday) since Monday 1970-01-05, months since January 1970. Period n of a
    cohort is then a plain difference of numbers, and no engine's week start setting applies.
-#}
{% macro calendar_period_number(period_unit, date_expression) -%}
    {%- if period_unit == 'day' -%}
        {{ dbt.datediff("cast('1970-01-01' as date)", date_expression, 'day') }}
    {%- elif period_unit == 'week' -%}
        cast(floor({{ dbt.datediff("cast('1970-01-05' as date)", date_expression, 'day') }} / 7) as {{ dbt.type_bigint() }})
    {%- elif period_unit == 'month' -%}
        {{ dbt.datediff("cast('1970-01-01' as date)", date_expression, 'month') }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "journey.calendar_period_number: period_unit must be day, week or month; got: " ~ period_unit
        ) }}
    {%- endif -%}
{%- endmacro %}
