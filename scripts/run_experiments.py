"""Experiment results, sample-ratio checks and trigger lift from the warehouse's aggregates.

For warehouses without dbt Python models (journey__experiments_python_models: false): dbt
builds the sufficient statistics in SQL (fct_experiment_sufficient_stats,
int_experiment_variant_counts, int_trigger_lift_stats); this script computes what the Python
models would (journey_analytics.experiments) from those small tables, read from a DuckDB file or
from CSV exports, and writes the results to tables or CSV files with the marts' columns.

Examples::

    python scripts/run_experiments.py --database target/journey.duckdb --write-tables
    python scripts/run_experiments.py --stats-csv stats.csv --counts-csv counts.csv \\
        --out-dir experiments_out
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd
from tqdm import tqdm

from journey_analytics.experiments import compute_results, compute_srm, compute_trigger_lift

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")


def quote_table_name(name: str) -> str:
    """Validate ``[catalog.][schema.]table`` and return it double-quoted."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain table name: {name!r}")
    return ".".join(f'"{part}"' for part in name.split("."))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=(
            "Compute experiment results (effects, intervals, adjusted p-values, MDE), the "
            "sample-ratio check and trigger lift from the sufficient statistics dbt built."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    source = parser.add_argument_group("input (a DuckDB file or CSV exports)")
    source.add_argument("--database", type=Path, help="DuckDB database file")
    source.add_argument("--stats-table", default="fct_experiment_sufficient_stats")
    source.add_argument("--counts-table", default="int_experiment_variant_counts")
    source.add_argument(
        "--trigger-table", default="int_trigger_lift_stats", help="'' to skip trigger lift"
    )
    source.add_argument("--stats-csv", type=Path, help="the sufficient statistics as CSV")
    source.add_argument("--counts-csv", type=Path, help="the variant counts as CSV")
    source.add_argument("--trigger-csv", type=Path, help="the trigger-lift statistics as CSV")
    options = parser.add_argument_group("options")
    options.add_argument("--srm-threshold", type=float, default=0.001, help="default %(default)s")
    options.add_argument(
        "--trigger-confidence", type=float, default=0.95, help="default %(default)s"
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--write-tables",
        action="store_true",
        help="write fct_experiment_results, fct_experiment_srm, fct_trigger_lift to --database",
    )
    output.add_argument("--out-dir", type=Path, help="write the three tables as CSV here")
    return parser


def load(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    if args.database is None:
        stats = pd.read_csv(args.stats_csv)
        counts = pd.read_csv(args.counts_csv)
        trigger = pd.read_csv(args.trigger_csv) if args.trigger_csv else None
        return stats, counts, trigger
    with duckdb.connect(str(args.database), read_only=True) as con:
        stats = con.execute(f"select * from {quote_table_name(args.stats_table)}").df()
        counts = con.execute(f"select * from {quote_table_name(args.counts_table)}").df()
        trigger = None
        if args.trigger_table:
            trigger = con.execute(f"select * from {quote_table_name(args.trigger_table)}").df()
    return stats, counts, trigger


def run(args: argparse.Namespace) -> dict[str, pd.DataFrame]:
    steps = tqdm(total=3, desc="experiments", unit="step", disable=None)
    stats, counts, trigger = load(args)
    srm = compute_srm(counts, threshold=args.srm_threshold)
    steps.update()
    results = compute_results(stats, srm)
    steps.update()
    tables = {"fct_experiment_results": results, "fct_experiment_srm": srm}
    if trigger is not None:
        tables["fct_trigger_lift"] = compute_trigger_lift(
            trigger, confidence=args.trigger_confidence
        )
    steps.update()
    steps.close()
    return tables


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if (args.database is None) == (args.stats_csv is None):
        print("give exactly one of --database or --stats-csv (with --counts-csv)", file=sys.stderr)
        return 2
    if args.stats_csv is not None and args.counts_csv is None:
        print(
            "--stats-csv needs --counts-csv (the variant counts for the SRM check)", file=sys.stderr
        )
        return 2
    if args.write_tables and args.database is None:
        print("--write-tables needs --database", file=sys.stderr)
        return 2
    tables = run(args)
    if args.write_tables:
        with duckdb.connect(str(args.database)) as con:
            for name, frame in tables.items():
                con.register("frame", frame)
                con.execute(
                    f"create or replace table {quote_table_name(name)} as select * from frame"
                )
                con.unregister("frame")
    if args.out_dir is not None:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        for name, frame in tables.items():
            frame.to_csv(args.out_dir / f"{name}.csv", index=False)
    for name, frame in tables.items():
        flagged = int((frame["status"] != "ok").sum()) if len(frame) else 0
        print(f"{name}: {len(frame)} rows, {flagged} flagged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
