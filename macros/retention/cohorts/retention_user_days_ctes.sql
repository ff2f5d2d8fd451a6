{#-
    CTEs user_days_<k> and last_returns_<k> for each event filter k of the plan: one row per user
    and day with a matching event (first and last time, day/week/month numbers), and per user the
    last such day. Rolling windows are evaluated on these user-days, never on the events.
-#}
{% macro retention_user_days_ctes(plan) -%}
{%- set filters = plan.filters -%}{%- for event in filters %}

    user_days_{{ loop.index }} as (

        -- one row per user and day with a {{ event if event else 'any' }} event
        select
            user_id,
            event_date,
            {{ journey.calendar_period_number('day', 'event_date') }} as day_number,
            {{ journey.calendar_period_number('week', 'event_date') }} as week_number,
            {{ journey.calendar_period_number('month', 'event_date') }} as month_number,
            min(event_at) as first_at,
            max(event_at) as last_at
        from events
        {%- if event %}
            where event_name = '{{ event }}'
        {%- endif %}
        group by 1, 2

    ),

    last_returns_{{ loop.index }} as (

        select
            user_id,
            max(last_at) as last_at,
            max(day_number) as last_day_number,
            max(week_number) as last_week_number,
            max(month_number) as last_month_number
        from user_days_{{ loop.index }}
        group by 1

    ),
{%- endfor %}
{%- endmacro %}
