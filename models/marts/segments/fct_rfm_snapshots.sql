{#-
    One row per customer and snapshot: RFM as it stood at the end of each period (var
    journey__rfm_snapshot_period; the current period's snapshot is taken on the as-of date).
    Periods are those in which fct_events has any event up to the as-of date, from the period of
    the first purchase on. Scores are quintiles within the snapshot (macro quintile_score: equal
    values get equal scores); the segment is the first rule of seed journey_rfm_segments, by
    priority, whose three score ranges hold the customer's scores.
-#}
{%- set period = var('journey__rfm_snapshot_period', 'month') -%}

with purchase_days as (

    select * from {{ ref('int_segments_purchase_days') }}

),

events as (

    select event_date from {{ ref('fct_events') }}

),

segments as (

    select * from {{ journey.seed_ref('journey_rfm_segments') }}

),

as_of as (

    select {{ journey.segments_as_of_date() }} as as_of_date

),

periods as (

    select distinct
        {{ journey.segment_period_start('events.event_date', period) }} as snapshot_period_start
    from events
    cross join as_of
    where
        events.event_date <= as_of.as_of_date
        and events.event_date >= (select min(first_purchase.purchase_date) from purchase_days as first_purchase)

),

snapshot_dates as (

    select
        periods.snapshot_period_start,
        case
            when {{ journey.segment_period_end('periods.snapshot_period_start', period) }} < as_of.as_of_date
                then {{ journey.segment_period_end('periods.snapshot_period_start', period) }}
            else as_of.as_of_date
        end as snapshot_date
    from periods
    cross join as_of

),

-- every customer at every snapshot on or after their first purchase, with history to that date
customer_history as (

    select
        snapshot_dates.snapshot_period_start,
        snapshot_dates.snapshot_date,
        purchase_days.user_id,
        min(purchase_days.purchase_date) as first_purchase_date,
        max(purchase_days.purchase_date) as last_purchase_date,
        cast(sum(purchase_days.order_count) as {{ dbt.type_bigint() }}) as frequency,
        cast(count(*) as {{ dbt.type_bigint() }}) as purchase_day_count,
        cast(sum(purchase_days.revenue) as {{ dbt.type_numeric() }}) as monetary_value
    from snapshot_dates
    inner join purchase_days
        on snapshot_dates.snapshot_date >= purchase_days.purchase_date
    group by 1, 2, 3

),

scored as (

    select
        customer_history.*,
        cast(
            {{ dbt.datediff('customer_history.last_purchase_date', 'customer_history.snapshot_date', 'day') }}
            as {{ dbt.type_bigint() }}
        ) as recency_days,
        {{ journey.quintile_score(
            dbt.datediff('customer_history.last_purchase_date', 'customer_history.snapshot_date', 'day'),
            'customer_history.snapshot_date',
            higher_is_better=false
        ) }} as recency_score,
        {{ journey.quintile_score('customer_history.frequency', 'customer_history.snapshot_date') }}
            as frequency_score,
        {{ journey.quintile_score('customer_history.monetary_value', 'customer_history.snapshot_date') }}
            as monetary_score
    from customer_history

),

matched as (

    select
        scored.snapshot_date,
        scored.user_id,
        segments.segment_name,
        segments.priority,
        row_number() over (
            partition by scored.snapshot_date, scored.user_id
            order by segments.priority asc, segments.segment_name asc
        ) as match_rank
    from scored
    inner join segments
        on
            scored.recency_score between segments.recency_score_min and segments.recency_score_max
            and scored.frequency_score between segments.frequency_score_min and segments.frequency_score_max
            and scored.monetary_score between segments.monetary_score_min and segments.monetary_score_max

),

final as (

    select
        {{ dbt.concat(['scored.user_id', "'|'", dbt.cast('scored.snapshot_date', dbt.type_string())]) }}
            as rfm_snapshot_id,
        scored.snapshot_period_start,
        scored.snapshot_date,
        scored.snapshot_date = as_of.as_of_date as is_current_snapshot,
        scored.user_id,
        scored.first_purchase_date,
        scored.last_purchase_date,
        scored.recency_days,
        scored.frequency,
        scored.purchase_day_count,
        scored.monetary_value,
        cast(scored.monetary_value / scored.frequency as {{ dbt.type_numeric() }}) as average_order_value,
        scored.recency_score,
        scored.frequency_score,
        scored.monetary_score,
        {{ dbt.concat([
            dbt.cast('scored.recency_score', dbt.type_string()),
            dbt.cast('scored.frequency_score', dbt.type_string()),
            dbt.cast('scored.monetary_score', dbt.type_string()),
        ]) }} as rfm_cell,
        cast(scored.recency_score + scored.frequency_score + scored.monetary_score as {{ dbt.type_bigint() }})
            as rfm_score,
        coalesce(matched.segment_name, 'Unclassified') as segment_name,
        cast(matched.priority as {{ dbt.type_bigint() }}) as segment_priority,
        '{{ var("journey__reporting_currency", "USD") }}' as currency
    from scored
    cross join as_of
    left join matched
        on
            scored.snapshot_date = matched.snapshot_date
            and scored.user_id = matched.user_id
            and matched.match_rank = 1

)

select * from final
