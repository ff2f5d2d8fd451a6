"""Run the attribution models on a path file or table and write every table they produce.

Input is one row per path (or per distinct path): the channels of the path in one
column, joined by a separator, and the number of journeys on it that converted, did
not convert (or in total), with their value.  It comes from a CSV or Parquet file
(``--input``) or a DuckDB table (``--database``/``--table``, e.g. the dbt mart
``fct_attribution_path_summary``).  Column names are mapped with ``--path-column``,
``--conversions-column``, ``--non-conversions-column`` (or ``--journeys-column``) and
``--revenue-column``; the separator is detected unless ``--separator`` is given.

Example::

    python scripts/run_attribution.py --input paths.csv --path-column channels \\
        --conversions-column orders --journeys-column visits --revenue-column value \\
        --out-dir attribution_out
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from journey_analytics.attribution import (
    AVAILABLE_MODELS,
    DEFAULT_MODELS,
    compare_models,
    load_path_summary,
    results_table,
    run_models,
)
from journey_analytics.attribution.bootstrap import bootstrap_intervals
from journey_analytics.attribution.core import AttributionResult, PathSummary, numeric_column
from journey_analytics.attribution.shapley import DEFAULT_MIN_SUPPORT
from journey_analytics.runner import (
    read_duckdb_table,
    read_file,
    replace_duckdb_tables,
)

# tried in this order; the one found in the most paths wins (ties: the earlier one)
SEPARATOR_CANDIDATES = (" > ", " >> ", " -> ", " → ", ">", "→", "|", ";", ",")

MODEL_HELP = """\
models (formulas: the docstrings of journey_analytics/attribution/*.py; README "Attribution"):
  first_touch         all credit to the first touch of each path.
  last_touch          all credit to the last touch of each path.
  last_non_direct     all credit to the last touch that is not a --direct-channels channel.
  linear              each touch gets 1/n of its path.
  position_based      --position-weights to the first and last touch, the rest spread evenly.
  markov              absorbing Markov chain of order k (--markov-order), solved exactly:
                      conversions split by removal effects 1 - P(conv without c) / P(conv),
                      revenue by value removal effects (expected value with and without c;
                      --markov-revenue-split conversion splits revenue like conversions).
  shapley             Shapley values of the conversion-rate game over channel coalitions
                      (model shapley_exact), coalitions seen on fewer than
                      --shapley-min-support journeys valued 0; exact up to
                      --max-exact-channels, then permutation sampling with an error bound.
  shapley_path        each converting path split among its own channels by their Shapley
                      values in the conversion-rate game restricted to those channels.
  shapley_simplified  each path's conversions split equally among its distinct channels
                      (Zhao et al. 2018).
  shapley_ordered     the same per touch position (table shapley_ordered_by_position).
  fractribution       Google/Snowplow fractribution: leave-one-out gains of each touch.

output tables (one file each in --out-dir):
  channel_results      model x channel: credit, revenue, removal effects, method and the
                       bootstrap interval (--bootstrap resamples of the journeys).
  comparison           channel x model: credit and share per model, spread between models.
  comparison_revenue   the same for revenue.
  shapley_ordered_by_position, fractribution_path_shares, shapley_path_path_shares,
  model_details (scalar details such as P(conversion)), channel_details (per-channel
  details such as Shapley values and sampling error bounds).
"""


def build_parser() -> argparse.ArgumentParser:
    """Command-line interface."""
    parser = argparse.ArgumentParser(
        description="Multi-touch attribution (heuristics, Markov, Shapley, fractribution) on "
        "a file or table of channel paths, with bootstrap intervals and a model comparison.",
        epilog=MODEL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_argument_group("input")
    source.add_argument("--input", type=Path, help="CSV or Parquet file of paths")
    source.add_argument("--csv", type=Path, help="same as --input (kept for old scripts)")
    source.add_argument(
        "--input-format",
        choices=("auto", "csv", "parquet"),
        default="auto",
        help="format of --input (auto: by extension, .parquet/.pq is Parquet, else CSV)",
    )
    source.add_argument("--database", type=Path, help="DuckDB database file")
    source.add_argument(
        "--table", default="fct_attribution_path_summary", help="path table in --database"
    )
    columns = parser.add_argument_group("columns")
    columns.add_argument("--path-column", default="transformed_path", help="channels of a path")
    columns.add_argument("--conversions-column", default="conversions", help="converting journeys")
    columns.add_argument(
        "--non-conversions-column", default="non_conversions", help="non-converting journeys"
    )
    columns.add_argument(
        "--journeys-column",
        help="all journeys on the path (instead of --non-conversions-column; "
        "non-conversions = journeys - conversions)",
    )
    columns.add_argument(
        "--revenue-column",
        default="revenue",
        help="value of the conversions (absent column: every value is 0, with a note)",
    )
    columns.add_argument(
        "--separator",
        default="auto",
        help="string between channels; auto tries "
        + ", ".join(repr(s) for s in SEPARATOR_CANDIDATES)
        + " and takes the one found in the most paths",
    )
    columns.add_argument(
        "--allow-single-channel-paths",
        action="store_true",
        help="accept a file where every path has one channel (otherwise an error: it usually "
        "means the separator is wrong)",
    )
    models = parser.add_argument_group("models")
    models.add_argument(
        "--models",
        default=",".join(DEFAULT_MODELS),
        help=f"comma-separated subset of: {', '.join(AVAILABLE_MODELS)} (default: all)",
    )
    models.add_argument(
        "--markov-order", default="1", help="Markov order(s), e.g. 1 or 1,2,3 (default: 1)"
    )
    models.add_argument("--collapse-repeats", action="store_true", help="Markov: merge A > A")
    models.add_argument(
        "--markov-revenue-split",
        choices=("value", "conversion"),
        default="value",
        help="Markov revenue by value removal effects (default) or conversion removal effects",
    )
    models.add_argument(
        "--shapley-value-function",
        choices=("conversion_rate", "conversions"),
        default="conversion_rate",
    )
    models.add_argument(
        "--shapley-min-support",
        type=float,
        default=DEFAULT_MIN_SUPPORT,
        help="Shapley: coalitions seen on fewer journeys are valued 0; 0 = plain game "
        "(default: %(default)s)",
    )
    models.add_argument("--max-exact-channels", type=int, default=15)
    models.add_argument("--force-exact", action="store_true", help="never approximate Shapley")
    models.add_argument("--n-permutations", type=int, default=1000)
    models.add_argument("--seed", type=int, default=0, help="seed of sampling and bootstrap")
    models.add_argument(
        "--direct-channels", default="Direct", help="comma-separated, for last_non_direct"
    )
    models.add_argument(
        "--position-weights",
        default="0.4,0.4",
        help="first,last shares for position_based (default: %(default)s)",
    )
    models.add_argument(
        "--bootstrap",
        type=int,
        default=100,
        help="bootstrap resamples of the journeys for the intervals; 0 = none "
        "(default: %(default)s)",
    )
    models.add_argument("--bootstrap-level", type=float, default=0.95, help="interval coverage")
    output = parser.add_argument_group("output")
    output.add_argument("--out-dir", type=Path, help="write one file per table here")
    output.add_argument(
        "--out-format", choices=("csv", "parquet"), default="csv", help="format of --out-dir files"
    )
    output.add_argument("--out-csv", type=Path, help="also write channel_results to this CSV")
    output.add_argument(
        "--out-table",
        default="attribution_channel_results",
        help="table written into --database (channel_results)",
    )
    output.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


# ---------------------------------------------------------------- input
def read_input(args: argparse.Namespace) -> pd.DataFrame:
    """The raw input table; its index names rows as the user sees them (file lines)."""
    path = args.input or args.csv
    if path is not None:
        # keep every CSV value as text: numbers are checked (and rows named) later
        return read_file(path, args.input_format, as_text=True)
    if args.database is None:
        raise SystemExit("error: give --input (CSV or Parquet) or --database")
    frame = read_duckdb_table(args.database, args.table)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    return frame


def detect_separator(paths: pd.Series) -> str:
    """The candidate separator found in the most paths (ties: the earlier candidate)."""
    text = paths.dropna().astype(str)
    best, best_count = SEPARATOR_CANDIDATES[0], 0
    for candidate in SEPARATOR_CANDIDATES:
        count = int(text.str.contains(candidate, regex=False).sum())
        if count > best_count:
            best, best_count = candidate, count
    return best


def map_columns(
    raw: pd.DataFrame, args: argparse.Namespace, notes: list[str]
) -> tuple[pd.DataFrame, str]:
    """Rename the user's columns to a path summary and settle the separator."""
    available = ", ".join(map(str, raw.columns))

    def need(name: str, option: str) -> pd.Series:
        if name not in raw.columns:
            raise SystemExit(
                f"error: column {name!r} ({option}) is not in the input; columns: {available}"
            )
        return raw[name]

    paths = need(args.path_column, "--path-column")
    conversions = need(args.conversions_column, "--conversions-column")
    frame = pd.DataFrame({"transformed_path": paths, "conversions": conversions}, index=raw.index)
    if args.journeys_column:
        named = pd.DataFrame(
            {
                args.conversions_column: conversions,
                args.journeys_column: need(args.journeys_column, "--journeys-column"),
            },
            index=raw.index,
        )
        converted = numeric_column(named, args.conversions_column, allow_null=False)
        journeys = numeric_column(named, args.journeys_column, allow_null=False)
        short = journeys < converted
        if short.any():
            rows = ", ".join(f"{raw.index.name or 'row'} {x}" for x in raw.index[short][:5])
            raise ValueError(
                f"column {args.journeys_column!r} is smaller than column "
                f"{args.conversions_column!r} at {rows}"
            )
        frame["conversions"] = converted
        frame["non_conversions"] = journeys - converted
    else:
        frame["non_conversions"] = need(args.non_conversions_column, "--non-conversions-column")
    if args.revenue_column in raw.columns:
        frame["revenue"] = raw[args.revenue_column]
    else:
        notes.append(f"no column {args.revenue_column!r}: every conversion value is 0")
    separator = args.separator
    if separator == "auto":
        separator = detect_separator(frame["transformed_path"])
        notes.append(f"separator detected: {separator!r}")
    text = frame["transformed_path"].dropna().astype(str)
    multi = text.str.contains(separator, regex=False)
    if len(text) and not multi.any() and not args.allow_single_channel_paths:
        example = text.iloc[0]
        raise SystemExit(
            f"error: every path has a single channel when split on {separator!r} "
            f"(e.g. {example!r}); the separator is probably wrong: pass --separator "
            "(or --allow-single-channel-paths if the paths really have one channel each)"
        )
    sep = re.escape(separator)
    padded = text.str.contains(rf"\s{sep}|{sep}\s|^\s|\s$", regex=True)
    if padded.any() and separator.strip() == separator:
        notes.append(
            f"stripped spaces around channel names in {int(padded.sum())} path(s) "
            f"(e.g. {text[padded].iloc[0]!r})"
        )
    return frame, separator


# ---------------------------------------------------------------- output
def _path_share_table(summary: PathSummary, shares: np.ndarray, by_touch: bool) -> pd.DataFrame:
    """Long table of per-path channel shares (touch shares are summed per channel)."""
    paths = np.asarray(summary.path_strings(), dtype=object)
    names = np.asarray(summary.channels, dtype=object)
    if by_touch:
        valid = summary.valid_mask()
        rows = np.broadcast_to(np.arange(summary.n_paths)[:, None], valid.shape)[valid]
        frame = pd.DataFrame(
            {"path": paths[rows], "channel": names[summary.codes[valid]], "share": shares[valid]}
        )
        frame = frame.groupby(["path", "channel"], as_index=False, sort=False).sum()
    else:
        rows, channels = np.nonzero(shares)
        frame = pd.DataFrame(
            {"path": paths[rows], "channel": names[channels], "share": shares[rows, channels]}
        )
    counts = pd.DataFrame(
        {"path": paths, "conversions": summary.conversions, "revenue": summary.revenue}
    )
    frame = frame.merge(counts, on="path", how="left")
    frame["attributed_conversions"] = frame["share"] * frame["conversions"]
    frame["attributed_revenue"] = frame["share"] * frame["revenue"]
    return frame.drop(columns=["conversions", "revenue"])


def detail_tables(
    summary: PathSummary, results: Sequence[AttributionResult]
) -> dict[str, pd.DataFrame]:
    """Every model's extra output: per-position, per-path and detail tables."""
    tables: dict[str, pd.DataFrame] = {}
    scalars, per_channel = [], []
    for result in results:
        for key, value in result.details.items():
            if key == "by_position":
                tables[f"{result.model}_by_position"] = value
            elif key == "touch_shares":
                tables[f"{result.model}_path_shares"] = _path_share_table(summary, value, True)
            elif key == "path_shares":
                tables[f"{result.model}_path_shares"] = _path_share_table(summary, value, False)
            elif isinstance(value, np.ndarray) and value.shape == (len(result.channels),):
                per_channel += [
                    (result.model, channel, key, float(x))
                    for channel, x in zip(result.channels, value.tolist(), strict=True)
                ]
            elif isinstance(value, str | int | float | np.floating | np.integer):
                scalars.append((result.model, key, str(value)))
    tables["model_details"] = pd.DataFrame(scalars, columns=["model", "detail", "value"])
    tables["channel_details"] = pd.DataFrame(
        per_channel, columns=["model", "channel", "detail", "value"]
    )
    return tables


def write_table(frame: pd.DataFrame, directory: Path, name: str, fmt: str) -> Path:
    """Write one table as ``directory/name.(csv|parquet)``."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{name}.{fmt}"
    if fmt == "parquet":
        frame.to_parquet(target, index=False)
    else:
        frame.to_csv(target, index=False)
    return target


def write_results(database: Path, table: str, results: pd.DataFrame) -> None:
    """Replace ``table`` in the DuckDB ``database`` with ``results``."""
    replace_duckdb_tables(database, [(table, results)])


def _floats(text: str) -> tuple[float, float]:
    first, last = (float(part) for part in text.split(","))
    return first, last


def user_column_names(message: str, args: argparse.Namespace) -> str:
    """Rewrite ``column 'conversions'`` etc. in a message with the user's column names."""
    names = {
        "transformed_path": args.path_column,
        "conversions": args.conversions_column,
        "non_conversions": args.journeys_column or args.non_conversions_column,
        "revenue": args.revenue_column,
    }
    return re.sub(
        r"column '(\w+)'", lambda m: f"column {names.get(m.group(1), m.group(1))!r}", message
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = build_parser().parse_args(argv)
    notes: list[str] = []
    raw = read_input(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            frame, separator = map_columns(raw, args, notes)
            summary = load_path_summary(frame, separator=separator)
        except ValueError as error:
            raise SystemExit(f"error: {user_column_names(str(error), args)}") from None
        options = {
            "models": args.models,
            "markov_order": [int(k) for k in args.markov_order.split(",")],
            "collapse_repeats": args.collapse_repeats,
            "markov_revenue_split": args.markov_revenue_split,
            "shapley_value_function": args.shapley_value_function,
            "shapley_min_support": args.shapley_min_support,
            "max_exact_channels": args.max_exact_channels,
            "force_exact": args.force_exact,
            "n_permutations": args.n_permutations,
            "seed": args.seed,
            "direct_channels": [c.strip() for c in args.direct_channels.split(",") if c.strip()],
            "position_weights": _floats(args.position_weights),
        }
        try:
            results = run_models(summary, **options)
        except ValueError as error:
            raise SystemExit(f"error: {error}") from None
    notes += list(dict.fromkeys(str(w.message) for w in caught))
    intervals = None
    if args.bootstrap > 0 and results:
        intervals = bootstrap_intervals(
            summary,
            lambda sample: run_models(sample, **options),
            n_resamples=args.bootstrap,
            seed=args.seed,
            level=args.bootstrap_level,
            progress=not args.no_progress,
        )
    table = results_table(results, intervals)
    tables = {
        "channel_results": table,
        "comparison": compare_models(table),
        "comparison_revenue": compare_models(table, value="attributed_revenue"),
        **detail_tables(summary, results),
    }
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(
        f"{summary.n_paths} distinct paths, {summary.n_channels} channels, "
        f"{summary.total_journeys:g} journeys, {summary.total_conversions:g} conversions, "
        f"revenue {summary.total_revenue:g}"
    )
    if args.out_dir is not None:
        for name, frame_out in tables.items():
            target = write_table(frame_out, args.out_dir, name, args.out_format)
            print(f"wrote {len(frame_out)} rows to {target}")
    if args.out_csv is not None:
        table.to_csv(args.out_csv, index=False)
    if args.database is not None:
        write_results(args.database, args.out_table, table)
        print(f"wrote {len(table)} rows to {args.out_table} in {args.database}")
    if args.out_dir is None:
        shown = tables["comparison"]
        columns = ["channel"] + [c for c in shown.columns if c.endswith("_share")]
        with pd.option_context("display.width", 200, "display.max_columns", 50):
            print(shown[columns].round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
