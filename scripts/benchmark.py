"""Benchmark the dbt project at a chosen size, every figure measured in one run.

Generates a sample once per size (--users, --days; about 0.95 events per simulated person and
day, so 10M events is about 175k people x 60 days), splits off its last day of loads, then
measures, each step as its own process:

  floor        one DuckDB pass that sessionises the full-build events into a table (window
               functions over all events): 'wide' writes every column, 'narrow' only the keys
               (fastest of --floor-runs; see scripts/bench/floor.py);
  full build   `dbt build --full-refresh` of every model and every data test on all but the
               last day of loads, split into start-up and parse, models, data tests and seeds;
  incremental  `dbt build` after the last day of loads is added (the daily run);
  data tests   must all pass (in both builds): failures are listed and the exit code is 1;
  memory       peak resident memory of each process and its children;
  slowest      the ten slowest models of each build (target/run_results.json).

Writes <out>/benchmark.json and <out>/benchmark.md (default target/bench/) and prints the
markdown. Ratios compare steps of this one run: full build / floor (issue target at 10M events:
at most 6x) and incremental day / full build (target: at most 10%).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.dbt import DbtWorkspace, RunResults
from bench.measure import Measured, run_measured
from bench.report import machine, markdown_table, write_report
from bench.sample import PROJECT_DIR, Split, ensure_sample, split_last_load_day
from tqdm import tqdm

TARGET_INCREMENTAL_OVER_FULL = 0.10
TARGET_FULL_OVER_FLOOR = 6.0


@dataclass
class FloorResult:
    variant: str
    seconds: float
    process_seconds: float
    peak_rss_mib: float
    rows: int
    sessions: int


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmark.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=20000, help="simulated people (size knob)")
    parser.add_argument("--days", type=int, default=60, help="simulated days (default 60)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--out", type=Path, default=PROJECT_DIR / "target" / "bench", help="report folder"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="samples, databases and dbt logs (default <out>/work; samples are kept per size)",
    )
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count() or 2, help="dbt and floor threads"
    )
    parser.add_argument(
        "--select", default="", help="dbt selector of the builds (default: every model)"
    )
    parser.add_argument(
        "--exclude",
        default="resource_type:unit_test",
        help="dbt exclusion of the builds (default: unit tests, which are not data tests)",
    )
    parser.add_argument("--slowest", type=int, default=10, help="models listed per build")
    parser.add_argument(
        "--floor-runs", type=int, default=3, help="runs of each floor; the fastest counts"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no printed report")
    args = parser.parse_args(argv)
    if args.floor_runs < 1:
        parser.error("--floor-runs must be at least 1")
    if args.users < 1 or args.days < 2:
        parser.error("--users must be at least 1 and --days at least 2 (one day is the increment)")
    args.workdir = args.workdir or args.out / "work"
    return args


def run_floor(split: Split, work: Path, variant: str, threads: int, runs: int) -> FloorResult:
    """The floor statement in a child process (its memory and threads are its own), `runs`
    times: the fastest counts (the floor is the least the work can cost on this machine)."""
    results = [_floor_once(split, work, variant, threads) for _ in range(runs)]
    return min(results, key=lambda result: result.seconds)


def _floor_once(split: Split, work: Path, variant: str, threads: int) -> FloorResult:
    database = work / f"floor-{variant}.duckdb"
    for path in (database, Path(f"{database}.wal")):
        path.unlink(missing_ok=True)
    script = Path(__file__).resolve().parent / "bench" / "floor.py"
    command = [
        sys.executable,
        str(script),
        f"--events={split.base_glob}",
        f"--database={database}",
        f"--variant={variant}",
        f"--threads={threads}",
    ]
    measured = run_measured(f"floor-{variant}", command, work / "logs" / f"floor-{variant}.log")
    if measured.returncode != 0:
        raise SystemExit(f"floor ({variant}) failed:\n{measured.tail()}")
    figures = json.loads(measured.tail().strip().splitlines()[-1])
    database.unlink(missing_ok=True)
    return FloorResult(
        variant=variant,
        seconds=float(figures["seconds"]),
        process_seconds=measured.seconds,
        peak_rss_mib=measured.peak_rss_mib,
        rows=int(figures["rows"]),
        sessions=int(figures["sessions"]),
    )


def link_into(source_glob: str, folder: Path) -> None:
    """Hard-link (else copy) the files of `source_glob` into `folder`."""
    source_dir = Path(source_glob).parent
    for path in sorted(source_dir.glob(Path(source_glob).name)):
        destination = folder / path.name
        destination.unlink(missing_ok=True)
        try:
            os.link(path, destination)
        except OSError:
            shutil.copy2(path, destination)


def build_figures(measured: Measured, results: RunResults, slowest: int) -> dict[str, Any]:
    """Wall time of one `dbt build`, split by where it went, and its nodes' outcome.

    dbt runs models and tests in parallel threads, so the split of the node span between
    models, data tests and seeds is proportional to their summed execution times; the sums
    themselves (thread-seconds) are reported too.
    """
    span = results.span_seconds()
    exec_by_type = {kind: results.exec_seconds(kind) for kind in ("model", "test", "seed")}
    exec_total = sum(exec_by_type.values()) or 1.0
    tests = results.of_type("test")
    return {
        "wall_s": measured.seconds,
        "startup_and_parse_s": max(measured.seconds - span, 0.0),
        "node_span_s": span,
        "models_s": span * exec_by_type["model"] / exec_total,
        "data_tests_s": span * exec_by_type["test"] / exec_total,
        "seeds_s": span * exec_by_type["seed"] / exec_total,
        "models_thread_s": exec_by_type["model"],
        "data_tests_thread_s": exec_by_type["test"],
        "models": len(results.of_type("model")),
        "data_tests": len(tests),
        "data_tests_passed": sum(1 for node in tests if node.status == "pass"),
        "data_tests_warned": sum(1 for node in tests if node.status == "warn"),
        "failures": [
            {
                "node": node.unique_id,
                "status": node.status,
                "failures": node.failures,
                "message": node.message,
            }
            for node in results.failed()
        ],
        "warnings": [node.unique_id for node in results.warned()],
        "peak_rss_mib": measured.peak_rss_mib,
        "slowest_models": [
            {"model": node.name, "seconds": round(node.seconds, 3)}
            for node in results.slowest(slowest)
        ],
        "log": str(measured.log_path),
    }


#: Model families whose share of the full build the issues bound (triggers: at most 15%;
#: experiments: at most 10%), told by the model name.
FAMILY_PREFIXES = {
    "triggers": (
        "int_trigger_entries",
        "int_trigger_decisions",
        "int_trigger_load_watermarks",
        "fct_trigger_fires",
        "fct_trigger_skips",
        "fct_trigger_outcomes",
        "fct_trigger_audience",
        "dim_trigger_steps",
    ),
    "experiments": ("int_experiment_", "fct_experiment_", "int_trigger_lift", "fct_trigger_lift"),
}


def family_shares(results: RunResults) -> dict[str, dict[str, float]]:
    """Thread-seconds of each family's models and their share of all models' thread-seconds."""
    models = results.of_type("model")
    total = sum(node.seconds for node in models) or 1.0
    shares = {}
    for family, prefixes in FAMILY_PREFIXES.items():
        seconds = sum(node.seconds for node in models if node.name.startswith(prefixes))
        shares[family] = {"models_thread_s": seconds, "share": seconds / total}
    return shares


def run_report_step(database: Path, work: Path) -> dict[str, Any]:
    """`scripts/build_report.py` on the built database, as a user runs `make report`."""
    out = work / "report.html"
    out.unlink(missing_ok=True)
    script = Path(__file__).resolve().parent / "build_report.py"
    command = [sys.executable, str(script), f"--database={database}", f"--out={out}", "--quiet"]
    measured = run_measured("report", command, work / "logs" / "report.log")
    if measured.returncode != 0:
        raise SystemExit(f"report failed:\n{measured.tail()}")
    return {
        "wall_s": measured.seconds,
        "html_mib": out.stat().st_size / 2**20,
        "peak_rss_mib": measured.peak_rss_mib,
    }


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def render_markdown(report: dict[str, Any]) -> str:
    size, floor, full, inc = (
        report["size"],
        report["floor"],
        report["full_build"],
        report["incremental"],
    )
    ratios, tests = report["ratios"], report["data_tests"]
    lines = [
        "# Benchmark",
        "",
        f"{size['events_total']:,} events ({size['users']:,} simulated people x {size['days']} "
        f"days, seed {size['seed']}; {size['events_per_person_day']:.2f} events per person-day): "
        f"{size['events_full_build']:,} in the full build, {size['events_incremental']:,} loaded "
        f"on the last day (from {size['increment_cut_at']}). {report['machine']['cpus']} CPUs, "
        f"{report['machine']['memory_gib']} GiB, dbt threads {report['threads']}, load "
        f"{report['machine']['load_average_1m']} at the start and "
        f"{report['machine']['load_average_1m_end']} at the end (other work on the machine "
        "slows some steps more than others).",
        "",
        "## Steps",
        "",
        markdown_table(
            ["step", "seconds", "events/s", "peak MiB"],
            [
                [
                    "floor, wide (all columns)",
                    floor["wide"]["seconds"],
                    round(size["events_full_build"] / floor["wide"]["seconds"]),
                    floor["wide"]["peak_rss_mib"],
                ],
                [
                    "floor, narrow (keys only)",
                    floor["narrow"]["seconds"],
                    round(size["events_full_build"] / floor["narrow"]["seconds"]),
                    floor["narrow"]["peak_rss_mib"],
                ],
                [
                    "full build (dbt build --full-refresh)",
                    full["wall_s"],
                    round(size["events_full_build"] / full["wall_s"]),
                    full["peak_rss_mib"],
                ],
                [
                    "incremental day (dbt build)",
                    inc["wall_s"],
                    round(size["events_incremental"] / inc["wall_s"]),
                    inc["peak_rss_mib"],
                ],
            ],
        ),
        "",
        "## Where the build time went",
        "",
        "The node span (first node start to last node end) is split between models, data tests",
        "and seeds in proportion to their summed execution times (dbt runs them in threads).",
        "",
        markdown_table(
            ["build", "wall s", "start-up + parse s", "models s", "data tests s", "seeds s"],
            [
                [
                    name,
                    build["wall_s"],
                    build["startup_and_parse_s"],
                    build["models_s"],
                    build["data_tests_s"],
                    build["seeds_s"],
                ]
                for name, build in (("full", full), ("incremental day", inc))
            ],
        ),
        "",
        "## Data tests",
        "",
        f"{'PASSED' if tests['passed'] else 'FAILED'}: full build {full['data_tests_passed']} of "
        f"{full['data_tests']} passed ({full['data_tests_warned']} warned), incremental day "
        f"{inc['data_tests_passed']} of {inc['data_tests']} passed ({inc['data_tests_warned']} "
        "warned).",
    ]
    for failure in tests["failures"]:
        lines.append(f"- **{failure['status']}** `{failure['node']}`: {failure['message']}")
    lines += [
        "",
        "## Ratios",
        "",
        markdown_table(
            ["ratio", "value", "target (at 10M events)"],
            [
                ["full build / floor (wide)", ratios["full_build_over_floor"], "<= 6"],
                ["full build / floor (narrow)", ratios["full_build_over_floor_narrow"], ""],
                [
                    "full build without start-up and parse / floor (wide)",
                    ratios["full_build_nodes_over_floor"],
                    "",
                ],
                ["incremental day / full build", ratios["incremental_over_full"], "<= 0.10"],
                [
                    "incremental models / full-build models (thread-seconds)",
                    ratios["incremental_models_over_full_models"],
                    "",
                ],
            ],
        ),
        "",
        "## Model families and the report",
        "",
        markdown_table(
            ["figure", "value", "target (at 10M events)"],
            [
                [
                    "trigger models / all models, full build (thread-seconds)",
                    report["families"]["triggers"]["share"],
                    "<= 0.15",
                ],
                [
                    "experiment models / all models, full build (thread-seconds)",
                    report["families"]["experiments"]["share"],
                    "<= 0.10 (20 experiments x 10 metrics: benchmark_experiments.py)",
                ],
                ["report (make report) seconds", report["report"]["wall_s"], "< 60"],
                ["report HTML MiB", report["report"]["html_mib"], "< 5"],
            ],
        ),
        "",
        f"## Ten slowest models, full build (of {full['models']})",
        "",
        markdown_table(
            ["model", "seconds"], [[m["model"], m["seconds"]] for m in full["slowest_models"]]
        ),
        "",
        f"## Ten slowest models, incremental day (of {inc['models']})",
        "",
        markdown_table(
            ["model", "seconds"], [[m["model"], m["seconds"]] for m in inc["slowest_models"]]
        ),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    machine_at_start = machine()
    work: Path = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    progress = tqdm(total=7, unit="step", disable=args.quiet, file=sys.stderr)

    progress.set_description(f"sample ({args.users:,} people x {args.days} days)")
    sample = ensure_sample(work, args.users, args.days, args.seed)
    split = split_last_load_day(sample, work / "split")
    progress.write(
        f"{split.total_events:,} events: {split.base_events:,} in the full build, "
        f"{split.increment_events:,} in the incremental day"
    )
    progress.update()

    floors = {}
    for variant in ("wide", "narrow"):
        progress.set_description(f"floor ({variant})")
        floors[variant] = run_floor(split, work, variant, args.threads, args.floor_runs)
        progress.update()

    live = work / "live"
    shutil.rmtree(live, ignore_errors=True)
    live.mkdir()
    link_into(split.base_glob, live)
    workspace = DbtWorkspace(
        work / "dbt",
        threads=args.threads,
        vars={"journey__generic_events_path": f"{live}/*.parquet"},
    )
    workspace.reset_database()
    selection = ["--exclude", args.exclude] if args.exclude else []
    if args.select:
        selection += ["--select", args.select]

    progress.set_description("full build (dbt build --full-refresh)")
    full_measured, full_results = workspace.run("full-build", "build", "--full-refresh", *selection)
    full = build_figures(full_measured, full_results, args.slowest)
    progress.update()

    progress.set_description("incremental day (dbt build)")
    link_into(split.increment_glob, live)
    inc_measured, inc_results = workspace.run("incremental-day", "build", *selection)
    incremental = build_figures(inc_measured, inc_results, args.slowest)
    progress.update()

    progress.set_description("report (scripts/build_report.py)")
    report_step = run_report_step(workspace.database, work)
    progress.update()

    failures = full["failures"] + incremental["failures"]
    report: dict[str, Any] = {
        "size": {
            "users": args.users,
            "days": args.days,
            "seed": args.seed,
            "events_total": split.total_events,
            "events_full_build": split.base_events,
            "events_incremental": split.increment_events,
            "events_per_person_day": split.total_events / (args.users * args.days),
            "increment_cut_at": split.cut_at.isoformat(sep=" "),
            "sample": str(sample),
        },
        "machine": {**machine_at_start, "load_average_1m_end": round(os.getloadavg()[0], 2)},
        "threads": args.threads,
        "versions": versions(),
        "floor": {variant: floor.__dict__ for variant, floor in floors.items()},
        "floor_runs": args.floor_runs,
        "full_build": full,
        "incremental": incremental,
        "data_tests": {
            "passed": not failures,
            "full_build_passed": full["data_tests_passed"],
            "incremental_passed": incremental["data_tests_passed"],
            "failures": failures,
        },
        "peak_rss_mib": {
            "floor": max(floor.peak_rss_mib for floor in floors.values()),
            "full_build": full["peak_rss_mib"],
            "incremental": incremental["peak_rss_mib"],
        },
        "families": family_shares(full_results),
        "report": report_step,
        "slowest_models": full["slowest_models"],
        "slowest_models_incremental": incremental["slowest_models"],
        "ratios": {
            "full_build_over_floor": ratio(full["wall_s"], floors["wide"].seconds),
            "full_build_over_floor_narrow": ratio(full["wall_s"], floors["narrow"].seconds),
            "full_build_nodes_over_floor": ratio(full["node_span_s"], floors["wide"].seconds),
            "incremental_over_full": ratio(incremental["wall_s"], full["wall_s"]),
            "incremental_models_over_full_models": ratio(
                incremental["models_thread_s"], full["models_thread_s"]
            ),
        },
    }
    report["targets"] = {
        "full_build_over_floor_at_most": TARGET_FULL_OVER_FLOOR,
        "incremental_over_full_at_most": TARGET_INCREMENTAL_OVER_FULL,
        "full_build_over_floor_met": (report["ratios"]["full_build_over_floor"] or 0)
        <= TARGET_FULL_OVER_FLOOR,
        "incremental_over_full_met": (report["ratios"]["incremental_over_full"] or 0)
        <= TARGET_INCREMENTAL_OVER_FULL,
        "note": "the targets are for 10M events; at small sizes dbt start-up dominates",
    }
    progress.set_description("report")
    markdown = render_markdown(report)
    paths = write_report(args.out, "benchmark", report, markdown)
    progress.update()
    progress.close()
    if not args.quiet:
        print(markdown)
    print(f"report: {', '.join(str(path) for path in paths)}")
    if failures:
        print(f"\nFAILED: {len(failures)} node(s) failed in the builds:", file=sys.stderr)
        for failure in failures:
            print(
                f"  {failure['status']:8s} {failure['node']}: {failure['message']}", file=sys.stderr
            )
        return 1
    return 0


def versions() -> dict[str, str]:
    """dbt and DuckDB versions of this environment."""
    return {
        package: importlib.metadata.version(package)
        for package in ("dbt-core", "dbt-duckdb", "duckdb")
    }


if __name__ == "__main__":
    raise SystemExit(main())
