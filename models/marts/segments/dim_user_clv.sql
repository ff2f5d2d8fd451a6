{#-
    One row per user of dim_users first seen on or before the as-of date: historical customer
    lifetime value = revenue of the user's purchase events (var journey__segments_purchase_events)
    up to the as-of date, in the reporting currency, with the acquisition cohort (month of
    first_seen_date) and channel (dim_users.acquisition_channel) to aggregate it by. Users who
    never bought have 0. The predicted value is in fct_customer_clv_predicted.
-#}
with users as (

    select * from {{ ref('dim_users') }}

),

purchase_days as (

    select * from {{ ref('int_segments_purchase_days') }}

),

as_of as (

    select {{ journey.segments_as_of_date() }} as as_of_date

),

purchases as (

    select
        user_id,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        sum(order_count) as order_count,
        count(*) as purchase_day_count,
        sum(revenue) as revenue
    from purchase_days
    group by 1

),

final as (

    select
        users.user_id,
        users.is_identified,
        users.first_seen_date,
        {{ journey.segment_period_start('users.first_seen_date', 'month') }} as acquisition_cohort_month,
        coalesce(users.acquisition_channel, '(unknown)') as acquisition_channel,
        purchases.user_id is not null as is_customer,
        purchases.first_purchase_date,
        purchases.last_purchase_date,
        cast(coalesce(purchases.order_count, 0) as {{ dbt.type_bigint() }}) as order_count,
        cast(coalesce(purchases.purchase_day_count, 0) as {{ dbt.type_bigint() }}) as purchase_day_count,
        cast(coalesce(purchases.revenue, 0) as {{ dbt.type_numeric() }}) as historical_clv,
        cast(
            {{ dbt.datediff('users.first_seen_date', 'as_of.as_of_date', 'day') }}
            as {{ dbt.type_bigint() }}
        ) as tenure_days,
        as_of.as_of_date,
        '{{ journey.journey_var("journey__reporting_currency") }}' as currency
    from users
    cross join as_of
    left join purchases
        on users.user_id = purchases.user_id
    where users.first_seen_date <= as_of.as_of_date

)

select * from final
