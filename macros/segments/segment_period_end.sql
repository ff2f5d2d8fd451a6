{#- Last day of the period that starts on a given date (period start + 1 period - 1 day). -#}
{% macro segment_period_end(period_start_expr, period) -%}
    {%- set steps = {'day': ('day', 1), 'week': ('day', 7), 'month': ('month', 1), 'quarter': ('month', 3)} -%}
    {%- if period not in steps -%}
        {{ exceptions.raise_compiler_error(
            "journey: segment period must be one of day, week, month, quarter; got '" ~ period ~ "'."
        ) }}
    {%- endif -%}
    {%- set unit, count = steps[period] -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd(unit, count, period_start_expr)) }} as date)
{%- endmacro %}
