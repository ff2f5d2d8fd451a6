"""Predicted CLV (BG/NBD + Gamma-Gamma) and its holdout check outside dbt.

For warehouses without dbt Python models (journey__segments_python_models: false): export the
table int_segments_purchase_days (user_id, purchase_date, revenue[, as_of_date]) and optionally
dim_user_clv, run this script, and load the results. On DuckDB it reads and writes the tables
directly. The results equal the dbt Python models fct_customer_clv_predicted and
fct_clv_holdout_calibration (both call journey_analytics.segments.clv).

Examples::

    python scripts/run_clv.py --database dev.duckdb \\
        --output-table fct_customer_clv_predicted --calibration-table fct_clv_holdout_calibration
    python scripts/run_clv.py --csv purchase_days.csv --users-csv dim_user_clv.csv \\
        --output-csv predicted.csv --calibration-csv calibration.csv --holdout-days 60
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from journey_analytics.runner import read_duckdb_table, replace_duckdb_tables
from journey_analytics.segments.clv import (
    holdout_calibration_table,
    model_parameters_frame,
    predicted_clv_table,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="BG/NBD + Gamma-Gamma customer lifetime value and its holdout calibration.",
    )
    source = parser.add_argument_group("input")
    source.add_argument("--database", type=Path, help="DuckDB database file")
    source.add_argument(
        "--table", default="int_segments_purchase_days", help="purchase days table in --database"
    )
    source.add_argument(
        "--users-table",
        default="dim_user_clv",
        help="table with acquisition_cohort_month/channel in --database ('' to skip)",
    )
    source.add_argument("--csv", type=Path, help="read the purchase days from this CSV instead")
    source.add_argument("--users-csv", type=Path, help="dim_user_clv as CSV (optional)")
    options = parser.add_argument_group("model")
    options.add_argument("--as-of", type=date.fromisoformat, help="observation end (YYYY-MM-DD)")
    options.add_argument("--horizon-days", type=int, default=365, help="default %(default)s")
    options.add_argument(
        "--monthly-discount-rate", type=float, default=0.01, help="default %(default)s"
    )
    options.add_argument(
        "--holdout-days",
        type=int,
        help="holdout length for the calibration check (default: last third of the data)",
    )
    output = parser.add_argument_group("output")
    output.add_argument("--output-table", help="write predictions to this table of --database")
    output.add_argument("--calibration-table", help="write the holdout check to this table")
    output.add_argument("--output-csv", type=Path, help="write predictions to this CSV")
    output.add_argument("--calibration-csv", type=Path, help="write the holdout check to this CSV")
    return parser


def load_inputs(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    if args.csv is not None:
        purchases = pd.read_csv(args.csv)
        users = pd.read_csv(args.users_csv) if args.users_csv else None
        return purchases, users
    purchases = read_duckdb_table(args.database, args.table)
    users = read_duckdb_table(args.database, args.users_table) if args.users_table else None
    return purchases, users


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if (args.database is None) == (args.csv is None):
        print("give exactly one of --database or --csv", file=sys.stderr)
        return 2
    if (args.output_table or args.calibration_table) and args.database is None:
        print("--output-table and --calibration-table need --database", file=sys.stderr)
        return 2
    steps = tqdm(total=3, desc="clv", unit="step", disable=None)
    purchases, users = load_inputs(args)
    steps.update()
    predicted, model = predicted_clv_table(
        purchases,
        users,
        as_of=args.as_of,
        horizon_days=args.horizon_days,
        monthly_discount_rate=args.monthly_discount_rate,
    )
    steps.update()
    calibration = holdout_calibration_table(
        purchases, as_of=args.as_of, holdout_days=args.holdout_days
    )
    steps.update()
    steps.close()
    if model is not None:
        print(model_parameters_frame(model).to_string(index=False))
    print(calibration.to_string(index=False))
    if args.output_csv:
        predicted.to_csv(args.output_csv, index=False)
    if args.calibration_csv:
        calibration.to_csv(args.calibration_csv, index=False)
    if args.output_table or args.calibration_table:
        written = ((args.output_table, predicted), (args.calibration_table, calibration))
        replace_duckdb_tables(args.database, [(name, frame) for name, frame in written if name])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
