{#-
    The as-of date the power-user population and cohorts are defined on, as a SQL date
    expression. With var journey__segments_as_of_date set, that date. Otherwise, with var
    journey__power_user_outcome_days = N (default 28), the newest event_date minus N days, so
    that the N days of outcomes the comparison measures after it are in the data; with N null,
    the newest event_date (the segments' own as-of date).
-#}
{% macro power_user_as_of_date() -%}
    {%- set outcome_days = journey.journey_var('journey__power_user_outcome_days') -%}
    {%- if outcome_days is not none and (outcome_days is not number or outcome_days is sameas true
        or outcome_days is sameas false or outcome_days < 1 or outcome_days != outcome_days | int) -%}
        {{ exceptions.raise_compiler_error(
            "journey: var journey__power_user_outcome_days must be a whole number of days >= 1 or null, got: "
            ~ outcome_days
        ) }}
    {%- endif -%}
    {%- if journey.journey_var('journey__segments_as_of_date') not in [none, ''] or outcome_days is none -%}
        {{ journey.segments_as_of_date() }}
    {%- else -%}
        (select cast({{ dbt.dateadd('day', -outcome_days, 'max(event_date)') }} as date) from {{ ref('fct_events') }})
    {%- endif -%}
{%- endmacro %}
