{#-
    Every date from the smallest to the largest value of a date column of a relation, as a
    select of one column `date_column_alias`. Portable (dbt.generate_series): covers spans of
    up to 32768 days, about 89 years.
-#}
{% macro day_spine(relation, date_column, date_column_alias='calendar_date') -%}
    select
        cast({{ dbt.dateadd('day', 'series.generated_number - 1', 'bounds.first_date') }} as date)
            as {{ date_column_alias }}
    from ({{ journey.integer_series(32768) }}) as series
    cross join (
        select
            min({{ date_column }}) as first_date,
            max({{ date_column }}) as last_date
        from {{ relation }}
    ) as bounds
    where series.generated_number - 1 <= {{ dbt.datediff('bounds.first_date', 'bounds.last_date', 'day') }}
{%- endmacro %}
