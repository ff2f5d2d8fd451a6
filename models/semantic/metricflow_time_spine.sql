-- One row per day, 2015-01-01 to 2039-12-31: the time spine MetricFlow joins cumulative and
-- time-offset metrics to. Built from a fixed integer series (no query at compile time, so the
-- offline BigQuery compile works; dbt.date_spine asks the warehouse for the span).
with days as (

    select
        cast(
            {{ dbt.dateadd('day', 'series.generated_number - 1', "cast('2015-01-01' as date)") }}
            as date
        ) as date_day
    from ({{ journey.integer_series(9131) }}) as series

)

select date_day
from days
