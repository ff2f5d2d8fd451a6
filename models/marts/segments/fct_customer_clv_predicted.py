"""One row per customer (a user with at least one purchase day up to the as-of date): BG/NBD
(Fader, Hardie & Lee 2005) expected purchase days and P(alive), Gamma-Gamma (Fader & Hardie 2013)
expected spend per purchase day, and the predicted CLV over the next horizon_days, fit by
maximum likelihood on every customer's history up to the as-of date
(journey_analytics.clv). Acquisition cohort and channel come from dim_user_clv.

A dbt Python model (DuckDB, in-process). Elsewhere: scripts/run_clv.py.
"""

import pandas as pd

from journey_analytics.clv import fit_models, predict_customers, summarize_purchases


def model(dbt, session):
    dbt.config(materialized="table")
    purchases = dbt.ref("int_segments_purchase_days").df()
    users = dbt.ref("dim_user_clv").df()
    horizon_days = int(dbt.config.get("horizon_days") or 365)
    discount = float(dbt.config.get("monthly_discount_rate") or 0.0)
    columns = [
        "user_id", "as_of_date", "acquisition_cohort_month", "acquisition_channel",
        "first_purchase_date", "last_purchase_date", "frequency", "recency_weeks", "age_weeks",
        "monetary_value", "historical_clv", "p_alive", "predicted_purchases", "expected_spend",
        "predicted_clv", "horizon_days", "currency",
    ]
    if purchases.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    as_of = pd.Timestamp(purchases["as_of_date"].max()).date()
    summary = summarize_purchases(purchases, as_of)
    fitted = fit_models(summary)
    predicted = predict_customers(
        summary, fitted, horizon_days=horizon_days, monthly_discount_rate=discount
    )
    out = summary.merge(predicted, on="user_id").merge(
        users[["user_id", "acquisition_cohort_month", "acquisition_channel", "currency"]],
        on="user_id",
        how="left",
    )
    out["as_of_date"] = as_of
    out["historical_clv"] = out["total_revenue"]
    out["horizon_days"] = horizon_days
    out["acquisition_cohort_month"] = pd.to_datetime(out["acquisition_cohort_month"]).dt.date
    out["first_purchase_date"] = out["first_purchase_date"].dt.date
    out["last_purchase_date"] = out["last_purchase_date"].dt.date
    return out[columns]
