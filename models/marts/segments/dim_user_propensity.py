"""Trial conversion propensity of every current trial user (trial started less than 14 days
before the end of the data, not converted yet): P(subscription_started within 14 days of the
trial start) from an L2 logistic regression fit on all labelled trials, and its decile among
the current trials (journey_analytics.segments.propensity.score_current_trials).

A dbt Python model (DuckDB, in-process).
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from journey_analytics.segments.propensity import score_current_trials

    l2_penalty = dbt.config.get("l2_penalty")
    features = dbt.ref("int_trial_propensity_features").df()
    return score_current_trials(features, l2=float(l2_penalty))
