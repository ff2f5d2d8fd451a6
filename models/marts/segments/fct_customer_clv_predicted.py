"""One row per customer (a user with at least one purchase day up to the as-of date): BG/NBD
(Fader, Hardie & Lee 2005) expected purchase days and P(alive), Gamma-Gamma (Fader & Hardie 2013)
expected spend per purchase day, and the predicted CLV over the next horizon_days, fit by
maximum likelihood on every customer's history up to the as-of date
(journey_analytics.segments.clv.predicted_clv_table). Acquisition cohort and channel from dim_user_clv.

A dbt Python model (DuckDB, in-process); elsewhere scripts/run_clv.py writes the same table.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from journey_analytics.segments.clv import predicted_clv_table

    # plain assignments: dbt only passes the config keys it finds in `x = dbt.config.get(...)`
    horizon_days = dbt.config.get("horizon_days")
    monthly_discount_rate = dbt.config.get("monthly_discount_rate")
    purchases = dbt.ref("int_segments_purchase_days").df()
    users = dbt.ref("dim_user_clv").df()
    table, _ = predicted_clv_table(
        purchases,
        users,
        horizon_days=int(horizon_days if horizon_days is not None else 365),
        monthly_discount_rate=float(monthly_discount_rate or 0.0),
    )
    return table
