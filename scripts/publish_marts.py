"""Publish the marts of the last successful dbt build as a snapshot file that BI tools read.

Run it after `dbt build` (`make scheduled-build` does both). It copies every model with an
enforced contract, every model an exposure depends on and any `--table` into a new DuckDB file
as plain tables, with `_serving_snapshot` (snapshot id, publish time, dbt invocation id) and
`_serving_tables` (row counts), then swaps that file in at the serving path atomically. BI tools
connect to the serving path read-only and never see a half-built mart nor block the build. A
build whose run_results.json records an error, a failed test or a skipped node is not published.

Examples::

    python scripts/publish_marts.py --database target/journey.duckdb
    python scripts/publish_marts.py --table fct_events --keep 5
    python scripts/publish_marts.py --list
    python scripts/publish_marts.py --rollback
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from journey_analytics.serving import (
    PublishError,
    list_versions,
    live_snapshot,
    publish,
    read_snapshot,
    rollback,
)


def default_serving_path(database: Path | None) -> Path | None:
    """JOURNEY_SERVING_PATH, else serving/<name> beside the working database."""
    configured = os.environ.get("JOURNEY_SERVING_PATH")
    if configured:
        return Path(configured)
    return database.parent / "serving" / database.name if database else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=(
            "Copy the marts BI reads from the working DuckDB database of a successful dbt build "
            "into a snapshot file and swap it in atomically at the serving path. Point BI tools "
            "at the serving path, read-only."
        ),
        epilog=(
            "Readers see the snapshot that was live when they connected until they reconnect. "
            "The newest --keep snapshot files stay in <serving stem>.versions/ for --rollback."
        ),
    )
    env_database = os.environ.get("JOURNEY_DUCKDB_PATH")
    parser.add_argument(
        "--database",
        type=Path,
        default=Path(env_database) if env_database else None,
        help="working database dbt builds (default: $JOURNEY_DUCKDB_PATH)",
    )
    parser.add_argument(
        "--target-path",
        type=Path,
        default=Path("target"),
        help="dbt target folder holding manifest.json and run_results.json (default: target)",
    )
    parser.add_argument(
        "--serving-path",
        type=Path,
        help="file BI reads (default: $JOURNEY_SERVING_PATH, else serving/<database file name> "
        "beside the working database)",
    )
    parser.add_argument(
        "--table",
        action="append",
        default=[],
        metavar="NAME",
        help="also publish this model, seed or snapshot (repeatable)",
    )
    parser.add_argument(
        "--keep", type=int, default=3, help="snapshot files kept for rollback (default: 3)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="publish even when the live snapshot already holds this dbt invocation",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--list", action="store_true", help="list the kept snapshots and the live one, then exit"
    )
    action.add_argument(
        "--rollback", action="store_true", help="serve the snapshot before the live one again"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    serving_path = args.serving_path or default_serving_path(args.database)
    if serving_path is None:
        print("error: give --serving-path or --database (or set JOURNEY_DUCKDB_PATH)")
        return 2
    try:
        if args.list:
            live = live_snapshot(serving_path)
            for path in list_versions(serving_path):
                snapshot = read_snapshot(path)
                marker = "*" if live and snapshot.snapshot_id == live.snapshot_id else " "
                total = sum(snapshot.row_counts.values())
                print(
                    f"{marker} {snapshot.snapshot_id}  invocation {snapshot.invocation_id}  "
                    f"{len(snapshot.row_counts)} tables  {total} rows"
                )
            return 0
        if args.rollback:
            snapshot = rollback(serving_path)
            print(f"serving {snapshot.snapshot_id} again at {serving_path}")
            return 0
        if args.database is None:
            print("error: give --database or set JOURNEY_DUCKDB_PATH")
            return 2
        started = time.perf_counter()
        snapshot = publish(
            args.database,
            args.target_path,
            serving_path,
            keep=args.keep,
            requested=args.table,
            force=args.force,
            progress=lambda tables: tqdm(tables, desc="publishing", unit="table"),
        )
    except PublishError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if snapshot is None:
        print(f"{serving_path} already serves this build (use --force to publish it again)")
        return 0
    rows = sum(snapshot.row_counts.values())
    print(
        f"published {snapshot.snapshot_id}: {len(snapshot.row_counts)} tables, {rows} rows, "
        f"in {time.perf_counter() - started:.1f} s -> {serving_path}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
