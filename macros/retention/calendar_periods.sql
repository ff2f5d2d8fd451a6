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


{#- The first day of calendar period number `period_number_expression` (inverse of the above). -#}
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
