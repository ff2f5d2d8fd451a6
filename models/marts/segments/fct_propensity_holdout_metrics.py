"""Time-based holdout check of the trial conversion propensity model: an L2 logistic
regression fit on the labelled trials that started before the cutoff date, evaluated on those
that started on or after it (AUC with its standard error, Brier score, reliability bins)
(journey_analytics.segments.propensity.holdout_metrics_table).

A dbt Python model (DuckDB, in-process).
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from datetime import date

    from journey_analytics.segments.propensity import holdout_metrics_table

    # plain assignments: dbt only passes the config keys it finds in `x = dbt.config.get(...)`
    cutoff_date = dbt.config.get("cutoff_date")
    l2_penalty = dbt.config.get("l2_penalty")
    cutoff = None if cutoff_date in (None, "", "None", "none") else date.fromisoformat(cutoff_date)
    features = dbt.ref("int_trial_propensity_features").df()
    return holdout_metrics_table(features, cutoff=cutoff, l2=float(l2_penalty))
