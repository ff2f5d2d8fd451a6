"""Sample-ratio check per experiment and variant (journey_analytics.experiments.compute_srm on
int_experiment_variant_counts); fct_experiment_srm publishes it with a contract.

A dbt Python model (in-process on DuckDB). On warehouses without Python models it is disabled
(journey__experiments_python_models: false); scripts/run_experiments.py computes the same table.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from journey_analytics.experiments import compute_srm

    # a plain assignment: dbt only passes the config keys it finds in `x = dbt.config.get(...)`
    srm_threshold = dbt.config.get("srm_threshold")
    counts = dbt.ref("int_experiment_variant_counts").df()
    threshold = float(srm_threshold if srm_threshold is not None else 0.001)
    return compute_srm(counts, threshold=threshold)
