"""Holdout check of the BG/NBD purchase model: fit on purchases up to a calibration cut-off
(the as-of date minus holdout_days, or two thirds of the observed span when holdout_days is
null), predict each calibration customer's purchase days in the holdout period, and compare with
what they did, in total ('all') and by calibration-period repeat purchases ('0' .. '7+').

A dbt Python model (DuckDB, in-process). Elsewhere: scripts/run_clv.py --holdout-days N.
"""

import pandas as pd

from journey_analytics.clv import default_calibration_end, holdout_calibration


def model(dbt, session):
    dbt.config(materialized="table")
    purchases = dbt.ref("int_segments_purchase_days").df()
    holdout_days = dbt.config.get("holdout_days")
    columns = [
        "bucket", "customers", "actual_purchases", "predicted_purchases", "actual_per_customer",
        "predicted_per_customer", "error", "relative_error", "calibration_end_date",
        "holdout_end_date",
    ]
    if purchases.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    as_of = pd.Timestamp(purchases["as_of_date"].max()).date()
    holdout = None if holdout_days in (None, "", "None") else int(holdout_days)
    calibration_end = default_calibration_end(purchases, as_of, holdout)
    result, _ = holdout_calibration(purchases, calibration_end, as_of)
    result["calibration_end_date"] = calibration_end
    result["holdout_end_date"] = as_of
    return result[columns]
