{#-
    One row per customer (a user with at least one purchase up to the as-of date): the current
    RFM snapshot, the segment's description and suggested action from the seed, and the segment
    at the previous snapshot (null for customers whose first purchase is in the current period).
-#}
with snapshots as (

    select * from {{ ref('fct_rfm_snapshots') }}

),

segments as (

    select * from {{ journey.seed_ref('journey_rfm_segments') }}

),

ranked as (

    select
        snapshots.*,
        lag(snapshots.segment_name) over (
            partition by snapshots.user_id order by snapshots.snapshot_date
        ) as previous_segment_name
    from snapshots

),

final as (

    select
        ranked.user_id,
        ranked.snapshot_date as as_of_date,
        ranked.first_purchase_date,
        ranked.last_purchase_date,
        ranked.recency_days,
        ranked.frequency,
        ranked.purchase_day_count,
        ranked.monetary_value,
        ranked.average_order_value,
        ranked.recency_score,
        ranked.frequency_score,
        ranked.monetary_score,
        ranked.rfm_cell,
        ranked.rfm_score,
        ranked.segment_name,
        ranked.segment_priority,
        segments.description as segment_description,
        segments.suggested_action,
        ranked.previous_segment_name,
        ranked.currency
    from ranked
    left join segments
        on ranked.segment_name = segments.segment_name
    where ranked.is_current_snapshot

)

select * from final
