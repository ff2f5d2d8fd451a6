{#-
    One row per snapshot and pair of segments (from, to): how many customers who were in one
    segment at the previous snapshot are in the other now ("how many Champions became At Risk
    this month"). Customers whose first purchase falls after the previous snapshot come from
    '(new customer)'. Customers never leave the base, so each snapshot's rows add up to its
    customer count.
-#}
with snapshots as (

    select * from {{ ref('fct_rfm_snapshots') }}

),

snapshot_dates as (

    select
        snapshot_date,
        lag(snapshot_date) over (order by snapshot_date) as previous_snapshot_date
    from (select distinct snapshot_date from snapshots) as distinct_dates

),

current_and_previous as (

    select
        snapshots.snapshot_period_start,
        snapshots.snapshot_date,
        snapshot_dates.previous_snapshot_date,
        snapshots.user_id,
        snapshots.segment_name as to_segment_name,
        coalesce(previous.segment_name, '(new customer)') as from_segment_name
    from snapshots
    inner join snapshot_dates
        on snapshots.snapshot_date = snapshot_dates.snapshot_date
    left join snapshots as previous
        on
            snapshots.user_id = previous.user_id
            and snapshot_dates.previous_snapshot_date = previous.snapshot_date

),

counted as (

    select
        snapshot_period_start,
        snapshot_date,
        previous_snapshot_date,
        from_segment_name,
        to_segment_name,
        cast(count(*) as {{ dbt.type_bigint() }}) as customer_count
    from current_and_previous
    group by 1, 2, 3, 4, 5

),

final as (

    select
        {{ dbt.concat([
            dbt.cast('snapshot_date', dbt.type_string()), "'|'", 'from_segment_name', "'|'", 'to_segment_name'
        ]) }} as rfm_transition_id,
        snapshot_period_start,
        snapshot_date,
        previous_snapshot_date,
        from_segment_name,
        to_segment_name,
        from_segment_name = to_segment_name as is_same_segment,
        customer_count,
        cast(
            sum(customer_count) over (partition by snapshot_date, from_segment_name)
            as {{ dbt.type_bigint() }}
        ) as from_segment_customer_count,
        cast(
            1.0 * customer_count / sum(customer_count) over (partition by snapshot_date, from_segment_name)
            as {{ dbt.type_numeric() }}
        ) as share_of_from_segment
    from counted

)

select * from final
