"""Benchmark the experiment layer: its share of a full build at a chosen size, in one run.

Generates a sample once per size (--users, --days; reused under --workdir), plants
--experiments A/B tests on it with every unit exposed to every one of them (the worst case:
journey_sample.experiments.plant_experiments), declares --metrics metrics for each (a mix of
conversion, count, winsorised sum, ratio, retention day N, CUPED and a guardrail, all of the
sample's canonical events), loads the seeds and runs `dbt run --full-refresh` of every model (--threads 1 by
default, so node times add up to the build).

Reports, from target/run_results.json of that one build:

  experiment SQL  the SQL models that compute the sufficient statistics (exposures,
                  assignments, unit metrics, variant counts, sufficient stats);
  statistics      the Python models that turn them into results (seconds, mostly start-up);
  full build      every model of the project;
  share           experiment SQL / full build (issue target: at most 10% at 10M events).

Writes <out>/benchmark_experiments.json and .md (default target/bench/). Timings are not
asserted anywhere: they depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from bench.dbt import DbtWorkspace, RunResults
from bench.report import machine, markdown_table, write_report
from bench.sample import PROJECT_DIR, ensure_sample
from tqdm import tqdm

sys.path.insert(0, str(PROJECT_DIR / "tools" / "sample"))

from journey_sample.experiments import (
    PlantedExperiment,
    PlantedVariant,
    plant_experiments,
)

TARGET_SHARE = 0.10
#: The SQL models of the experiment layer that compute the sufficient statistics.
SQL_MODELS = (
    "int_experiment_exposures",
    "fct_experiment_assignments",
    "int_experiment_unit_metrics",
    "int_experiment_variants",
    "int_experiment_variant_counts",
    "fct_experiment_sufficient_stats",
)
#: The Python statistics steps and the marts that read them.
STAT_MODELS = (
    "int_experiment_results_computed",
    "int_experiment_srm_computed",
    "fct_experiment_results",
    "fct_experiment_srm",
)

#: Metric templates, cycled to --metrics (names get a numeric suffix past the first round).
METRIC_TEMPLATES: list[dict[str, Any]] = [
    {"name": "converted_7d", "type": "conversion", "event": "trial_started", "window": "7 days"},
    {"name": "orders_7d", "type": "count", "event": "planted_order", "window": "7 days"},
    {
        "name": "revenue_7d_capped",
        "type": "sum",
        "event": "planted_order",
        "value": "revenue",
        "window": "7 days",
        "winsorize_percentile": 0.99,
    },
    {
        "name": "revenue_per_session",
        "type": "ratio",
        "window": "7 days",
        "numerator": {"event": "order_completed", "agg": "sum", "value": "revenue"},
        "denominator": {"event": None, "agg": "sessions"},
    },
    {
        "name": "orders_per_active_day",
        "type": "ratio",
        "window": "14 days",
        "numerator": {"event": "order_completed", "agg": "count"},
        "denominator": {"event": None, "agg": "active_days"},
    },
    {"name": "active_day_3", "type": "retention", "retention_day": 3},
    {
        "name": "orders_7d_cuped",
        "type": "count",
        "event": "planted_order",
        "window": "7 days",
        "cuped_lookback": "7 days",
    },
    {"name": "page_views_7d", "type": "count", "event": "page_viewed", "window": "7 days"},
    {
        "name": "purchased_14d",
        "type": "conversion",
        "event": "order_completed",
        "window": "14 days",
    },
    {
        "name": "cancellations_guardrail",
        "type": "count",
        "event": "subscription_cancelled",
        "window": "7 days",
        "direction": "lower",
        "guardrail": True,
    },
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmark_experiments.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=2000, help="simulated people (size knob)")
    parser.add_argument("--days", type=int, default=60, help="simulated days (default 60)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--experiments", type=int, default=20, help="planted experiments (20)")
    parser.add_argument("--metrics", type=int, default=10, help="metrics per experiment (10)")
    parser.add_argument("--threads", type=int, default=1, help="dbt threads (default 1)")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=PROJECT_DIR / "target" / "bench-experiments",
        help="samples, planted events and the dbt target (default target/bench-experiments)",
    )
    parser.add_argument(
        "--out", type=Path, default=PROJECT_DIR / "target" / "bench", help="report folder"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no printed report")
    return parser.parse_args(argv)


def metrics(count: int) -> list[dict[str, Any]]:
    """`count` metric declarations, cycling through METRIC_TEMPLATES."""
    out = []
    for i in range(count):
        m = dict(METRIC_TEMPLATES[i % len(METRIC_TEMPLATES)])
        if i >= len(METRIC_TEMPLATES):
            m["name"] = f"{m['name']}_{i // len(METRIC_TEMPLATES)}"
        out.append(m)
    return out


def planted(count: int) -> list[PlantedExperiment]:
    """`count` two-arm experiments with every unit exposed (a lift on every other one)."""
    return [
        PlantedExperiment(
            f"bench_{i:02d}",
            (
                PlantedVariant("control", 0.5),
                PlantedVariant("treatment", 0.5, conversion_rate=0.2 + 0.05 * (i % 2)),
            ),
        )
        for i in range(count)
    ]


def seconds_of(results: RunResults, names: tuple[str, ...]) -> float:
    return sum(node.seconds for node in results.of_type("model") if node.name in names)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work: Path = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    progress = tqdm(total=5, unit="step", disable=args.quiet, file=sys.stderr)

    progress.set_description(f"sample ({args.users:,} people x {args.days} days)")
    sample = ensure_sample(work, args.users, args.days, args.seed)
    progress.update()

    progress.set_description(f"planting {args.experiments} experiments")
    events = work / f"events-u{args.users}-d{args.days}-s{args.seed}-x{args.experiments}"
    if not (events / "part-planted.parquet").exists():
        shutil.rmtree(events, ignore_errors=True)
        events.mkdir(parents=True)
        for part in sorted((sample / "events").glob("*.parquet")):
            (events / part.name).symlink_to(part.resolve())
        result = plant_experiments(sample / "events", args.seed, planted(args.experiments))
        pq.write_table(result.events, events / "part-planted.parquet")
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in events.glob("*.parquet"))
    planted_rows = pq.ParquetFile(events / "part-planted.parquet").metadata.num_rows
    progress.write(f"{rows:,} raw events ({planted_rows:,} planted by the experiments)")
    progress.update()

    metric_list = metrics(args.metrics)
    workspace = DbtWorkspace(
        work / "dbt",
        threads=args.threads,
        vars={
            "journey__generic_events_path": f"{events}/*.parquet",
            "journey__experiments": [
                {
                    "name": e.name,
                    "exposure_event": "experiment_viewed",
                    "variants": {"control": 0.5, "treatment": 0.5},
                }
                for e in planted(args.experiments)
            ],
            "journey__experiment_metrics": metric_list,
        },
    )
    workspace.reset_database()
    progress.set_description("seeds (dbt seed)")
    workspace.run("seeds", "seed", "--full-refresh")
    progress.set_description("full build (dbt run --full-refresh)")
    measured, results = workspace.run("full-build", "run", "--full-refresh")
    progress.update(2)
    failed = results.failed()

    full = results.exec_seconds("model")
    sql = seconds_of(results, SQL_MODELS)
    stats = seconds_of(results, STAT_MODELS)
    per_model = {
        name: round(seconds_of(results, (name,)), 3) for name in (*SQL_MODELS, *STAT_MODELS)
    }
    report: dict[str, Any] = {
        "size": {
            "users": args.users,
            "days": args.days,
            "seed": args.seed,
            "raw_events": rows,
            "planted_events": planted_rows,
            "experiments": args.experiments,
            "metrics_per_experiment": args.metrics,
        },
        "machine": machine(),
        "threads": args.threads,
        "full_build_wall_s": round(measured.seconds, 2),
        "full_build_models_s": round(full, 2),
        "experiment_sql_s": round(sql, 2),
        "statistics_s": round(stats, 2),
        "experiment_sql_share": round(sql / full, 4) if full else None,
        "target_share_at_most": TARGET_SHARE,
        "experiment_models_s": per_model,
        "failed_nodes": [f"{n.name}: {n.status} {n.message}" for n in failed],
    }
    lines = [
        "# Experiment layer benchmark",
        "",
        f"{rows:,} raw events, {args.experiments} experiments x {args.metrics} metrics, "
        f"every unit exposed to every experiment; dbt run --full-refresh, {args.threads} "
        "thread(s).",
        "",
        markdown_table(
            ["step", "seconds"],
            [
                ["full build (all models, node time)", full],
                ["experiment SQL (sufficient statistics)", sql],
                ["statistics (Python models and their marts)", stats],
            ],
        ),
        "",
        f"**Experiment SQL share of the full build: {sql / full:.1%}** (target at most "
        f"{TARGET_SHARE:.0%} at 10M events).",
        "",
        markdown_table(["model", "seconds"], [[k, v] for k, v in per_model.items()]),
    ]
    markdown = "\n".join(lines)
    paths = write_report(args.out, "benchmark_experiments", report, markdown)
    progress.update()
    progress.close()
    if not args.quiet:
        print(markdown)
    print(f"report: {', '.join(str(path) for path in paths)}")
    if failed:
        print(json.dumps(report["failed_nodes"], indent=2), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
