"""Write the journey analytics report: one static HTML file that opens offline.

Reads the marts of a DuckDB database that `dbt build` wrote (the sample's or your own) and
draws active users, funnels with drop-off and a breakdown, path Sankeys, retention heat maps,
lifecycle, RFM segment sizes and movement, power-user comparisons, attribution across models
and, when those marts exist, trigger fires, lift and experiment results. All aggregation runs
in SQL; plotly.js is inlined, so the file needs no network. A mart that is missing or empty
shows an empty-state message instead of a chart.

Example: python scripts/build_report.py --database target/journey.duckdb --out target/report.html
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from journey_analytics.report import browser
from journey_analytics.report.build import build_report


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", required=True, type=Path, help="DuckDB file that `dbt build` wrote"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("target/report.html"), help="HTML file to write"
    )
    parser.add_argument(
        "--schema", help="schema holding the marts (default: the schema that has fct_events)"
    )
    parser.add_argument(
        "--screenshot",
        type=Path,
        help="also save a PNG of the top of the page (needs chromium on PATH)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        result = build_report(args.database, args.out, args.schema, progress=not args.quiet)
    except (FileNotFoundError, LookupError, RuntimeError) as error:
        print(f"build_report: {error}", file=sys.stderr)
        return 2
    print(
        f"Report: {result.path.resolve()} ({result.size_bytes / 1e6:.1f} MB, "
        f"{len(result.drawn)} charts, {len(result.empty)} empty: "
        f"{', '.join(c.key for c in result.empty) or 'none'}) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    if args.screenshot:
        browser.screenshot(result.path, args.screenshot)
        print(f"Screenshot: {args.screenshot.resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
