"""Benchmark the dbt build at a chosen size: events/second per model and peak memory.

Generates a sample (--users, --days; about 25-35 events per user-week), splits off the last
day of loads, then times, each as its own process: a full build on all but the last day
(`dbt run --full-refresh`, then `dbt test`), an incremental run that adds the last day, and
the physical floor: one DuckDB sessionisation pass (lag + running sum over the events,
written to a table). Prints events/s per model, the ratio of the full build to the floor, and
the peak resident memory of each step.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
from tqdm import tqdm

PROJECT_DIR = Path(__file__).resolve().parents[1]


@dataclass
class Step:
    name: str
    seconds: float
    peak_rss_mib: float


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=20000, help="simulated people (size knob)")
    parser.add_argument("--days", type=int, default=60, help="simulated days")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=PROJECT_DIR / "target" / "benchmark")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--select", default="", help="extra dbt selector for the timed run")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    return parser.parse_args(argv)


def run_measured(name: str, command: list[str], env: dict[str, str] | None = None) -> Step:
    """Run a child process and return its wall time and its own peak RSS (wait4)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write(output.decode(errors="replace")[-4000:])
        raise SystemExit(f"{name} failed")
    return Step(name, seconds, usage.ru_maxrss / 1024)


def write_profiles(directory: Path, database: Path, threads: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "profiles.yml").write_text(
        "journey:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        f"      path: '{database}'\n      threads: {threads}\n"
    )


def split_last_load_day(sample: Path, base: Path, increment: Path) -> tuple[int, int]:
    """Write all but the last day of loads to base/ and that day to increment/.

    The increment is the last 1/days of rows by load time (about one day of loads: that day's
    events plus late arrivals of the days before); the base is everything loaded before.
    """
    for folder in (base, increment):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    con = duckdb.connect()
    source = f"read_parquet('{sample}/events/*.parquet', union_by_name = true)"
    days = con.execute(
        f"select count(distinct cast(event_timestamp as date)) from {source}"
    ).fetchone()[0]
    last_day = con.execute(
        f"select quantile_disc(loaded_at, {1 - 1 / max(days, 2)}) from {source}"
    ).fetchone()[0]
    con.execute(
        f"copy (select * from {source} where loaded_at is null or loaded_at < '{last_day}') "
        f"to '{base}/part-base.parquet' (format parquet)"
    )
    con.execute(
        f"copy (select * from {source} where loaded_at >= '{last_day}') "
        f"to '{increment}/part-increment.parquet' (format parquet)"
    )
    n_base = con.execute(f"select count(*) from '{base}/part-base.parquet'").fetchone()[0]
    n_inc = con.execute(f"select count(*) from '{increment}/part-increment.parquet'").fetchone()[0]
    return int(n_base), int(n_inc)


def floor_pass(events_glob: str, database: Path, timeout_minutes: int) -> Step:
    """The physical floor: one sessionisation pass written to a table, in a child process."""
    code = f"""
import duckdb
con = duckdb.connect({str(database)!r})
con.execute('''
create or replace table floor_sessions as
with e as (
    select *, coalesce(anonymous_id, user_id) as actor_id
    from read_parquet({events_glob!r}, union_by_name = true)
    where event_timestamp is not null
),
g as (
    select *, case when lag(event_timestamp) over w is null
        or epoch(event_timestamp) - epoch(lag(event_timestamp) over w) > {timeout_minutes * 60}
        then 1 else 0 end as is_start
    from e window w as (partition by actor_id order by event_timestamp, sequence_number, event_id)
)
select *, sum(is_start) over (partition by actor_id order by event_timestamp, sequence_number, event_id
    rows between unbounded preceding and current row) as session_number
from g
''')
"""
    return run_measured("floor: one sessionisation pass", [sys.executable, "-c", code])


def model_timings(target: Path) -> list[tuple[str, float]]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    return sorted(
        ((r["unique_id"].split(".")[-1], float(r["execution_time"])) for r in results),
        key=lambda item: -item[1],
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    sample = work / f"sample-u{args.users}-d{args.days}-s{args.seed}"
    base, increment, live = work / "base", work / "increment", work / "live"
    database = work / "bench.duckdb"
    bin_dir = Path(sys.executable).parent
    dbt = str(bin_dir / "dbt")

    steps: list[Step] = []
    progress = tqdm(total=6, desc="benchmark", unit="step")
    if not (sample / "truth.json").exists():
        steps.append(
            run_measured(
                "generate events",
                [
                    sys.executable,
                    "scripts/generate_events.py",
                    f"--users={args.users}",
                    f"--days={args.days}",
                    f"--seed={args.seed}",
                    f"--out={sample}",
                ],
            )
        )
    progress.update()
    n_base, n_inc = split_last_load_day(sample, base, increment)
    shutil.rmtree(live, ignore_errors=True)
    live.mkdir()
    shutil.copy(base / "part-base.parquet", live / "part-base.parquet")
    for path in (database, Path(f"{database}.wal")):
        path.unlink(missing_ok=True)
    profiles = work / "profiles"
    write_profiles(profiles, database, args.threads)
    target = work / "target"
    common = [
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(profiles),
        "--target-path",
        str(target),
        "--log-path",
        str(work / "logs"),
        "--vars",
        json.dumps({"journey__generic_events_path": f"{live}/*.parquet"}),
    ]
    selector = (
        ["--select", args.select] if args.select else ["--exclude", "resource_type:unit_test"]
    )
    run_measured("dbt seed", [dbt, "seed", *common])
    progress.update()
    full = run_measured(
        "full build (dbt run --full-refresh)", [dbt, "run", "--full-refresh", *selector, *common]
    )
    full_models = model_timings(target)
    steps.append(full)
    progress.update()
    test_selector = (
        ["--select", args.select, "--indirect-selection", "cautious"] if args.select else []
    )
    steps.append(
        run_measured(
            "data tests (dbt test)",
            [dbt, "test", "--exclude", "test_type:unit", *test_selector, *common],
        )
    )
    progress.update()
    shutil.copy(increment / "part-increment.parquet", live / "part-increment.parquet")
    incremental = run_measured("incremental day (dbt run)", [dbt, "run", *selector, *common])
    incremental_models = model_timings(target)
    steps.append(incremental)
    progress.update()
    floor = floor_pass(f"{base}/*.parquet", work / "floor.duckdb", 30)
    steps.append(floor)
    progress.update()
    progress.close()

    print(f"\nevents: {n_base:,} in the full build, {n_inc:,} in the incremental day")
    print(f"{'step':45s} {'seconds':>9s} {'events/s':>12s} {'peak MiB':>9s}")
    for step in steps:
        n = n_inc if step is incremental else n_base
        print(
            f"{step.name:45s} {step.seconds:9.2f} {n / step.seconds:12,.0f} {step.peak_rss_mib:9.0f}"
        )
    print("\nper model, full build (seconds, events/s):")
    for name, seconds in full_models[:25]:
        print(f"  {name:50s} {seconds:8.2f} {n_base / max(seconds, 1e-9):14,.0f}")
    print("\nper model, incremental day (seconds):")
    for name, seconds in incremental_models[:10]:
        print(f"  {name:50s} {seconds:8.2f}")
    model_seconds = sum(seconds for _, seconds in full_models)
    print(
        f"\nfull build / floor: {full.seconds / floor.seconds:.1f}x wall "
        f"({model_seconds / floor.seconds:.1f}x counting model execution only; "
        f"floor {floor.seconds:.2f} s incl. process start)"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "events_full": n_base,
                    "events_incremental": n_inc,
                    "steps": [step.__dict__ for step in steps],
                    "full_models": full_models,
                    "incremental_models": incremental_models,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
