"""Experiment results per experiment, metric and variant (journey_analytics.experiments.
compute_results on fct_experiment_sufficient_stats, SRM flags from int_experiment_srm_computed);
fct_experiment_results publishes it with a contract.

A dbt Python model (in-process on DuckDB). On warehouses without Python models it is disabled
(journey__experiments_python_models: false); scripts/run_experiments.py computes the same table.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from journey_analytics.experiments import compute_results

    stats = dbt.ref("fct_experiment_sufficient_stats").df()
    srm = dbt.ref("int_experiment_srm_computed").df()
    return compute_results(stats, srm)
