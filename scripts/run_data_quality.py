"""Validate every contracted mart with Great Expectations and write Data Docs that open offline.

The suites (journey_analytics/quality/suites.py) check what the dbt tests do not: that each
mart holds rows, value ranges (rates in [0, 1], nothing negative that cannot be), plausible
distributions (warnings: engaged share, unmapped share, stickiness, ...) and cross-mart totals.
Prints a summary; exits 1 when an expectation of critical severity failed (warnings do not fail).

Example: python scripts/run_data_quality.py --database target/journey.duckdb --out target/data_docs
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from journey_analytics.quality.runner import run_quality


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", required=True, type=Path, help="DuckDB file that `dbt build` wrote"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("target/data_docs"), help="Data Docs folder to write"
    )
    parser.add_argument("--mart", action="append", help="validate only this mart (repeatable)")
    parser.add_argument(
        "--max-rows",
        type=int,
        default=2_000_000,
        help="validate a reproducible sample of this many rows of bigger marts",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.database.exists():
        print(f"run_data_quality: database {args.database} does not exist", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        run = run_quality(args.database, args.out, args.mart, args.max_rows, not args.quiet)
    except KeyError as error:
        print(f"run_data_quality: {error.args[0]}", file=sys.stderr)
        return 2
    print(run.summary())
    print(f"Elapsed {time.perf_counter() - started:.1f} s")
    return 0 if run.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
