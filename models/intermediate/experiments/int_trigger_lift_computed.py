"""Trigger lift per trigger, step and holdout arm (journey_analytics.experiments.
compute_trigger_lift on int_trigger_lift_stats); fct_trigger_lift publishes it with a contract.

A dbt Python model (in-process on DuckDB); disabled with journey__experiments_python_models:
false, where scripts/run_experiments.py computes the same table.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from journey_analytics.experiments import compute_trigger_lift

    # a plain assignment: dbt only passes the config keys it finds in `x = dbt.config.get(...)`
    confidence_level = dbt.config.get("confidence_level")
    stats = dbt.ref("int_trigger_lift_stats").df()
    confidence = float(confidence_level if confidence_level is not None else 0.95)
    return compute_trigger_lift(stats, confidence=confidence)
