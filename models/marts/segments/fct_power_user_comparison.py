"""One row per power-user cohort and metric: the cohort against everyone else in the
power-user population, with the difference, its confidence interval and a two-sided p-value
(two-proportion z-test for rates, Welch's t-test for means), computed by
journey_analytics.segments_stats from int_power_user_comparison_inputs.

A dbt Python model: runs in-process on DuckDB (dbt-duckdb). On warehouses without Python models
it is disabled (see _segments__models.yml); run `python -m journey_analytics.segments_stats`
on the inputs table instead.
"""

from journey_analytics.segments_stats import compare_summary


def model(dbt, session):
    dbt.config(materialized="table")
    inputs = dbt.ref("int_power_user_comparison_inputs").df()
    confidence = float(dbt.config.get("confidence_level") or 0.95)
    return compare_summary(inputs, confidence=confidence)
