"""Run the attribution models on a path summary and store the per-channel results.

Reads a path summary (``transformed_path``, ``conversions``, ``non_conversions``,
``revenue``) from a DuckDB table or a CSV file, runs the selected models through
:func:`journey_analytics.attribution.attribute_path_summary` and writes the result
table (``model``, ``channel``, ``attributed_conversions``, ``attributed_revenue``,
``removal_effect``, ``method``) back into the DuckDB database, or prints it when no
database is given.

Example::

    python scripts/run_attribution.py --database dev.duckdb \\
        --models markov,shapley,fractribution --markov-order 1,2
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from journey_analytics.attribution import (
    AVAILABLE_MODELS,
    DEFAULT_MODELS,
    attribute_path_summary,
)

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")


def quote_table_name(name: str) -> str:
    """Validate ``[catalog.][schema.]table`` and return it double-quoted."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain table name: {name!r}")
    return ".".join(f'"{part}"' for part in name.split("."))


def build_parser() -> argparse.ArgumentParser:
    """Command-line interface."""
    parser = argparse.ArgumentParser(
        description="Multi-touch attribution (Markov, Shapley, fractribution, heuristics) "
        "on a path summary table.",
    )
    source = parser.add_argument_group("input")
    source.add_argument("--database", type=Path, help="DuckDB database file")
    source.add_argument(
        "--table", default="fct_attribution_path_summary", help="path summary table in --database"
    )
    source.add_argument("--csv", type=Path, help="read the path summary from this CSV instead")
    models = parser.add_argument_group("models")
    models.add_argument(
        "--models",
        default=",".join(DEFAULT_MODELS),
        help=f"comma-separated subset of: {', '.join(AVAILABLE_MODELS)} (default: %(default)s)",
    )
    models.add_argument(
        "--markov-order", default="1", help="Markov order(s), e.g. 1 or 1,2,3 (default: 1)"
    )
    models.add_argument("--collapse-repeats", action="store_true", help="Markov: merge A > A")
    models.add_argument(
        "--shapley-value-function",
        choices=("conversion_rate", "conversions"),
        default="conversion_rate",
    )
    models.add_argument("--max-exact-channels", type=int, default=15)
    models.add_argument("--force-exact", action="store_true", help="never approximate Shapley")
    models.add_argument("--n-permutations", type=int, default=1000)
    models.add_argument("--seed", type=int, default=0)
    models.add_argument(
        "--direct-channels", default="Direct", help="comma-separated, for last_non_direct"
    )
    models.add_argument(
        "--position-weights",
        default="0.4,0.4",
        help="first,last shares for position_based (default: %(default)s)",
    )
    output = parser.add_argument_group("output")
    output.add_argument("--out-table", default="attribution_channel_results")
    output.add_argument("--out-csv", type=Path, help="also write the results to this CSV")
    return parser


def read_path_summary(args: argparse.Namespace) -> pd.DataFrame:
    """Load the input table from ``--csv`` or ``--database``/``--table``."""
    if args.csv is not None:
        return pd.read_csv(args.csv)
    if args.database is None:
        raise SystemExit("error: give --database or --csv")
    with duckdb.connect(str(args.database), read_only=True) as con:
        return con.execute(f"select * from {quote_table_name(args.table)}").df()


def write_results(database: Path, table: str, results: pd.DataFrame) -> None:
    """Replace ``table`` in the DuckDB ``database`` with ``results``."""
    target = quote_table_name(table)
    with duckdb.connect(str(database)) as con:
        con.register("attribution_results_frame", results)
        con.execute(
            f"create or replace table {target} as select "
            "cast(model as varchar) as model, cast(channel as varchar) as channel, "
            "cast(attributed_conversions as double) as attributed_conversions, "
            "cast(attributed_revenue as double) as attributed_revenue, "
            "cast(removal_effect as double) as removal_effect, "
            "cast(method as varchar) as method from attribution_results_frame"
        )
        con.unregister("attribution_results_frame")


def _floats(text: str) -> tuple[float, float]:
    first, last = (float(part) for part in text.split(","))
    return first, last


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = build_parser().parse_args(argv)
    summary = read_path_summary(args)
    results = attribute_path_summary(
        summary,
        models=args.models,
        markov_order=[int(k) for k in args.markov_order.split(",")],
        collapse_repeats=args.collapse_repeats,
        shapley_value_function=args.shapley_value_function,
        max_exact_channels=args.max_exact_channels,
        force_exact=args.force_exact,
        n_permutations=args.n_permutations,
        seed=args.seed,
        direct_channels=[c.strip() for c in args.direct_channels.split(",") if c.strip()],
        position_weights=_floats(args.position_weights),
    )
    results["removal_effect"] = results["removal_effect"].astype("Float64")
    if args.out_csv is not None:
        results.to_csv(args.out_csv, index=False)
    if args.database is not None:
        write_results(args.database, args.out_table, results)
        print(f"wrote {len(results)} rows to {args.out_table} in {args.database}")
    else:
        print(results.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
