-- Every raw row is either an event in fct_events or a quarantined row: nothing disappears.
-- Returns a row (a failure) when the counts differ.
with raw_rows as (

    select count(*) as row_count from {{ ref('int_events_unioned') }}

),

kept as (

    select count(*) as row_count from {{ ref('fct_events') }}

),

quarantined as (

    select count(*) as row_count from {{ ref('fct_quarantined_events') }}

)

select
    raw_rows.row_count as raw_row_count,
    kept.row_count as kept_row_count,
    quarantined.row_count as quarantined_row_count
from raw_rows
cross join kept
cross join quarantined
where raw_rows.row_count <> kept.row_count + quarantined.row_count
