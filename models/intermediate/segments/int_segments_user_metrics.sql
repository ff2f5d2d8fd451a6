{{ config(materialized='table') }}

{#-
    One row per user of the power-user population (users of dim_users first seen on or before
    the as-of date of macro power_user_as_of_date: journey__segments_as_of_date when set, else
    the newest event_date minus journey__power_user_outcome_days, default 28; only identified users when var journey__power_user_identified_only, the
    default) with the behaviour the cohorts are defined and compared on, all up to the as-of
    date: L28 activity (distinct active days and events in the 28 days ending on the as-of date,
    counting the events of var journey__power_user_l28_events, default feature_used, [] = every
    event), retention (any event of journey__power_user_retention_events, [] = every event, in
    days [29, 56] after the first-seen day, var journey__power_user_retention_days, measured
    only for users first seen long enough ago), conversion (any event of
    journey__power_user_conversion_events), revenue (every revenue-bearing event, in the
    reporting currency) and feature usage (events of journey__power_user_feature_event).
-#}
{%- set retention = journey.retention_window_days() -%}
{%- set l28_activity = journey.segment_event_filter(
    'events.event_name', 'journey__power_user_l28_events', ['feature_used'], allow_all_when_empty=true
) -%}
{%- set retention_activity = journey.segment_event_filter(
    'events.event_name', 'journey__power_user_retention_events', [], allow_all_when_empty=true
) -%}
{%- set conversion = journey.segment_event_filter(
    'events.event_name', 'journey__power_user_conversion_events', ['order_completed', 'subscription_started']
) -%}
{%- set feature = journey.segment_event_filter(
    'events.event_name', 'journey__power_user_feature_event', 'feature_used'
) -%}

with users as (

    select * from {{ ref('dim_users') }}

),

events as (

    select * from {{ ref('fct_events') }}

),

currency_rates as (

    select * from {{ journey.seed_ref('journey_currency_rates') }}

),

as_of as (

    select {{ journey.power_user_as_of_date() }} as as_of_date

),

population as (

    select
        users.user_id,
        users.first_seen_date,
        as_of.as_of_date
    from users
    cross join as_of
    where
        users.first_seen_date <= as_of.as_of_date
        {% if journey.journey_var('journey__power_user_identified_only') %}
            and users.is_identified
        {% endif %}

),

user_events as (

    select
        population.user_id,
        population.first_seen_date,
        population.as_of_date,
        events.event_date,
        {{ dbt.datediff('population.first_seen_date', 'events.event_date', 'day') }}
            as days_since_first_seen,
        {{ dbt.datediff('events.event_date', 'population.as_of_date', 'day') }}
            as days_before_as_of,
        {{ l28_activity }} as is_l28_activity,
        {{ retention_activity }} as is_retention_activity,
        {{ conversion }} as is_conversion,
        {{ feature }} as is_feature_use,
        events.revenue * currency_rates.rate_to_reporting_currency as converted_revenue
    from population
    inner join events
        on population.user_id = events.user_id
    left join currency_rates
        on
            coalesce(events.currency, '{{ journey.journey_var("journey__reporting_currency") }}')
            = currency_rates.currency
    where events.event_date <= population.as_of_date

),

aggregated as (

    select
        user_id,
        count(distinct case when is_l28_activity and days_before_as_of < 28 then event_date end) as l28_active_days,
        sum(case when is_l28_activity and days_before_as_of < 28 then 1 else 0 end) as l28_event_count,
        max(
            case
                when
                    is_retention_activity
                    and days_since_first_seen between {{ retention[0] }} and {{ retention[1] }}
                    then 1
                else 0
            end
        ) as retained_flag,
        max(case when is_conversion then 1 else 0 end) as converted_flag,
        sum(coalesce(converted_revenue, 0)) as revenue,
        sum(case when is_feature_use then 1 else 0 end) as feature_event_count
    from user_events
    group by 1

),

final as (

    select
        population.user_id,
        population.first_seen_date,
        population.as_of_date,
        cast(coalesce(aggregated.l28_active_days, 0) as {{ dbt.type_bigint() }}) as l28_active_days,
        cast(coalesce(aggregated.l28_event_count, 0) as {{ dbt.type_bigint() }}) as l28_event_count,
        (
            {{ dbt.datediff('population.first_seen_date', 'population.as_of_date', 'day') }}
            >= {{ retention[1] }}
        ) as is_retention_eligible,
        case
            when
                {{ dbt.datediff('population.first_seen_date', 'population.as_of_date', 'day') }}
                >= {{ retention[1] }}
                then coalesce(aggregated.retained_flag, 0) = 1
        end as is_retained,
        coalesce(aggregated.converted_flag, 0) = 1 as has_converted,
        cast(coalesce(aggregated.revenue, 0) as {{ dbt.type_numeric() }}) as revenue,
        cast(coalesce(aggregated.feature_event_count, 0) as {{ dbt.type_bigint() }}) as feature_event_count
    from population
    left join aggregated
        on population.user_id = aggregated.user_id

)

select * from final
