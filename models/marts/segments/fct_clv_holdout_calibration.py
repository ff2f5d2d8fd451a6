"""Holdout check of the BG/NBD purchase model: fit on purchases up to a calibration cut-off
(the as-of date minus holdout_days, or two thirds of the observed span when holdout_days is
null), predict each calibration customer's purchase days in the holdout period, and compare with
what they did, in total ('all') and by calibration-period repeat purchases ('0' .. '7+')
(journey_analytics.segments.clv.holdout_calibration_table).

A dbt Python model (DuckDB, in-process); elsewhere scripts/run_clv.py --holdout-days N.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from journey_analytics.segments.clv import holdout_calibration_table

    # a plain assignment: dbt only passes the config keys it finds in `x = dbt.config.get(...)`
    holdout_days = dbt.config.get("holdout_days")
    holdout = None if holdout_days in (None, "", "None", "none") else int(holdout_days)
    purchases = dbt.ref("int_segments_purchase_days").df()
    return holdout_calibration_table(purchases, holdout_days=holdout)
