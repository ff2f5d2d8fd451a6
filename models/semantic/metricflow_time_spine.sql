-- One row per day, 2015-01-01 to 2039-12-31: the time spine MetricFlow joins cumulative and
-- time-offset metrics to (dbt's cross-database date_spine).
with days as (
    {{ dbt.date_spine(
        datepart="day",
        start_date="cast('2015-01-01' as date)",
        end_date="cast('2040-01-01' as date)",
    ) }}
)

select cast(date_day as date) as date_day
from days
