"""One row per power-user cohort and metric: the cohort against everyone else in the
power-user population, with the difference, its confidence interval and a two-sided p-value
(two-proportion z-test for rates, Welch's t-test for means), the relative difference with its
delta-method interval and p-values adjusted over all rows (BH, or Holm), computed by
journey_analytics.segments.stats.compare_summary from int_power_user_comparison_inputs.

A dbt Python model: runs in-process on DuckDB (dbt-duckdb). On warehouses without Python models
it is disabled (journey__segments_python_models: false); run
`python -m journey_analytics.segments.stats` on the inputs table instead.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from journey_analytics.segments.stats import compare_summary

    # a plain assignment: dbt only passes the config keys it finds in `x = dbt.config.get(...)`
    confidence_level = dbt.config.get("confidence_level")
    correction = dbt.config.get("correction")
    inputs = dbt.ref("int_power_user_comparison_inputs").df()
    confidence = float(confidence_level if confidence_level is not None else 0.95)
    return compare_summary(inputs, confidence=confidence, correction=str(correction or "bh"))
