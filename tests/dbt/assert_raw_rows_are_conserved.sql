-- Every raw row is an event in fct_events, a quarantined row, or a row of an erased person:
-- nothing disappears. Returns a row (a failure) when the counts differ.
with raw_rows as (

    select
        count(*) as row_count,
        sum(case when {{ journey.is_not_erased('user_id', 'anonymous_id') }} then 0 else 1 end) as erased_count
    from {{ ref('int_events_unioned') }}

),

kept as (

    select count(*) as row_count from {{ ref('fct_events') }}

),

quarantined as (

    select count(*) as row_count from {{ ref('fct_quarantined_events') }}

)

select
    raw_rows.row_count as raw_row_count,
    raw_rows.erased_count as erased_row_count,
    kept.row_count as kept_row_count,
    quarantined.row_count as quarantined_row_count
from raw_rows
cross join kept
cross join quarantined
where raw_rows.row_count <> kept.row_count + quarantined.row_count + coalesce(raw_rows.erased_count, 0)
