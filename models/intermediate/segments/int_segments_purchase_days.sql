{{ config(materialized='table') }}

{#-
    One row per customer and day with at least one purchase event (var
    journey__segments_purchase_events, default order_completed) on or before the as-of date:
    orders and revenue converted to the reporting currency with seed journey_currency_rates, the
    way fct_sessions converts it (a null currency is taken as the reporting currency). Revenue in
    a currency the seed lacks is not converted: it is left out of revenue and counted in
    unconverted_revenue_event_count, never dropped silently.
-#}
{%- set purchase_filter = journey.segment_event_filter(
    'events.event_name', 'journey__segments_purchase_events', ['order_completed']
) -%}

with events as (

    select * from {{ ref('fct_events') }}

),

currency_rates as (

    select * from {{ journey.seed_ref('journey_currency_rates') }}

),

as_of as (

    select {{ journey.segments_as_of_date() }} as as_of_date

),

purchases as (

    select
        events.user_id,
        events.event_date as purchase_date,
        events.revenue,
        currency_rates.rate_to_reporting_currency,
        as_of.as_of_date,
        events.revenue is not null and currency_rates.currency is null as is_unconverted
    from events
    cross join as_of
    left join currency_rates
        on coalesce(events.currency, '{{ var("journey__reporting_currency", "USD") }}') = currency_rates.currency
    where
        {{ purchase_filter }}
        and events.event_date <= as_of.as_of_date

),

final as (

    select
        user_id,
        purchase_date,
        cast(count(*) as {{ dbt.type_bigint() }}) as order_count,
        cast(coalesce(sum(revenue * rate_to_reporting_currency), 0) as {{ dbt.type_numeric() }}) as revenue,
        cast(sum(case when is_unconverted then 1 else 0 end) as {{ dbt.type_bigint() }})
            as unconverted_revenue_event_count,
        '{{ var("journey__reporting_currency", "USD") }}' as currency,
        max(as_of_date) as as_of_date
    from purchases
    group by 1, 2

)

select * from final
