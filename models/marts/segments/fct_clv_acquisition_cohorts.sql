{#-
    One row per acquisition cohort (month of first_seen_date), acquisition channel and month of
    age (0 = the acquisition month): the cohort's users, revenue from purchases in that month of
    age, cumulative revenue and cumulative historical CLV per acquired user and per customer.
    Month of age m covers days [30m, 30m + 29] after the first-seen day, so every user's months
    have the same length; is_complete is false for a month of age the as-of date cuts short for
    some of the cohort's users (compare cohorts only on complete months).
-#}
with users as (

    select * from {{ ref('dim_user_clv') }}

),

purchase_days as (

    select * from {{ ref('int_segments_purchase_days') }}

),

cohorts as (

    select
        acquisition_cohort_month,
        acquisition_channel,
        max(as_of_date) as as_of_date,
        max(first_seen_date) as last_first_seen_date,
        min(first_seen_date) as first_first_seen_date,
        count(*) as cohort_users
    from users
    group by 1, 2

),

user_months as (

    select
        users.acquisition_cohort_month,
        users.acquisition_channel,
        users.user_id,
        cast(
            floor(
                {{ dbt.datediff('users.first_seen_date', 'purchase_days.purchase_date', 'day') }}
                / 30
            )
            as {{ dbt.type_bigint() }}
        ) as months_since_acquisition,
        purchase_days.revenue
    from users
    inner join purchase_days
        on users.user_id = purchase_days.user_id

),

monthly as (

    select
        acquisition_cohort_month,
        acquisition_channel,
        months_since_acquisition,
        sum(revenue) as revenue,
        count(distinct user_id) as purchasing_users
    from user_months
    group by 1, 2, 3

),

-- months of age 0 .. 999 (portable: no generate_series), cut per cohort in spine
digits as (

    {% for digit in range(10) -%}
        select {{ digit }} as digit
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

age_months as (

    select ones.digit + 10 * tens.digit + 100 * hundreds.digit as months_since_acquisition
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds

),

spine as (

    select
        cohorts.*,
        age_months.months_since_acquisition
    from cohorts
    inner join age_months
        on
            {{ dbt.datediff('cohorts.first_first_seen_date', 'cohorts.as_of_date', 'day') }}
            >= age_months.months_since_acquisition * 30

),

first_purchases as (

    select
        users.acquisition_cohort_month,
        users.acquisition_channel,
        cast(
            floor(
                {{ dbt.datediff('users.first_seen_date', 'users.first_purchase_date', 'day') }}
                / 30
            )
            as {{ dbt.type_bigint() }}
        ) as months_since_acquisition,
        count(*) as new_customers
    from users
    where users.is_customer
    group by 1, 2, 3

),

final as (

    select
        {{ dbt.concat([
            dbt.cast('spine.acquisition_cohort_month', dbt.type_string()), "'|'", 'spine.acquisition_channel',
            "'|'", dbt.cast('spine.months_since_acquisition', dbt.type_string()),
        ]) }} as clv_cohort_month_id,
        spine.acquisition_cohort_month,
        spine.acquisition_channel,
        cast(spine.months_since_acquisition as {{ dbt.type_bigint() }}) as months_since_acquisition,
        cast(spine.cohort_users as {{ dbt.type_bigint() }}) as cohort_users,
        cast(coalesce(monthly.purchasing_users, 0) as {{ dbt.type_bigint() }}) as purchasing_users,
        cast(sum(coalesce(first_purchases.new_customers, 0)) over (
            partition by spine.acquisition_cohort_month, spine.acquisition_channel
            order by spine.months_since_acquisition
            rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as cumulative_customers,
        cast(coalesce(monthly.revenue, 0) as {{ dbt.type_numeric() }}) as revenue,
        cast(sum(coalesce(monthly.revenue, 0)) over (
            partition by spine.acquisition_cohort_month, spine.acquisition_channel
            order by spine.months_since_acquisition
            rows between unbounded preceding and current row
        ) as {{ dbt.type_numeric() }}) as cumulative_revenue,
        cast(sum(coalesce(monthly.revenue, 0)) over (
            partition by spine.acquisition_cohort_month, spine.acquisition_channel
            order by spine.months_since_acquisition
            rows between unbounded preceding and current row
        ) / spine.cohort_users as {{ dbt.type_numeric() }}) as cumulative_clv_per_user,
        (
            {{ dbt.datediff('spine.last_first_seen_date', 'spine.as_of_date', 'day') }}
            >= (spine.months_since_acquisition + 1) * 30 - 1
        ) as is_complete,
        '{{ journey.journey_var("journey__reporting_currency") }}' as currency
    from spine
    left join monthly
        on
            spine.acquisition_cohort_month = monthly.acquisition_cohort_month
            and spine.acquisition_channel = monthly.acquisition_channel
            and spine.months_since_acquisition = monthly.months_since_acquisition
    left join first_purchases
        on
            spine.acquisition_cohort_month = first_purchases.acquisition_cohort_month
            and spine.acquisition_channel = first_purchases.acquisition_channel
            and spine.months_since_acquisition = first_purchases.months_since_acquisition

)

select * from final
