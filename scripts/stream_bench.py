"""Benchmark the trigger stream processor (`make bench-stream`).

Starts a Tansu broker on loopback and measures, for one process and for two processes in one
consumer group (2 partitions): events per second per process draining a backlog of synthetic
events with all sample triggers active, and the latency from the arrival of the record that
closes a paystub stall window (2 minutes) to the fire read by a consumer, median and p99, at a
stated live load. Prints a Markdown table. Figures depend on the machine and its load: state
both when you report them.

Example::

    python scripts/stream_bench.py --users 40000 --noise 4 --rate 3000 --seconds 20 --warmup 10
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from journey_analytics.stream.bench import run_all

DEFAULT_SPEC = (
    Path(__file__).resolve().parents[1]
    / "tests"
    / "python"
    / "fixtures"
    / "stream"
    / "trigger_spec.json"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="printed trigger spec JSON")
    parser.add_argument(
        "--users", type=int, default=40_000, help="users in the backlog (one scenario each)"
    )
    parser.add_argument(
        "--noise", type=int, default=4, help="page views per user besides the scenario"
    )
    parser.add_argument(
        "--rate", type=float, default=3000.0, help="live events per second (latency)"
    )
    parser.add_argument(
        "--warmup", type=float, default=10.0, help="live seconds before measuring (latency)"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="live phase length (latency)")
    parser.add_argument(
        "--speed", type=float, default=24.0, help="event seconds per wall second (latency)"
    )
    args = parser.parse_args(argv)
    tps, lats = run_all(
        args.spec, args.users, args.noise, args.rate, args.seconds, args.speed, args.warmup
    )
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end "
        "(each row: 1-minute load average at its start / end)"
    )
    print(
        "\n| processes | backlog events | events/s per process (wall) | total events/s |"
        " events per CPU second per process | load |"
    )
    print("|---|---|---|---|---|---|")
    for r in tps:
        per = ", ".join(f"{x:,.0f}" for x in r.per_process)
        cpu = ", ".join(f"{x:,.0f}" for x in r.per_cpu_second)
        print(
            f"| {r.processes} | {r.records:,} | {per} | {sum(r.per_process):,.0f} | {cpu} |"
            f" {r.load[0]:.1f} / {r.load[1]:.1f} |"
        )
    print(
        "\n| processes | live load (events/s) | stall fires | median latency (ms) | p99 (ms) |"
        " max (ms) | to decision median / p99 (ms) | decision to reader median / p99 (ms) |"
        " load |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in lats:
        print(
            f"| {r.processes} | {r.rate:,.0f} for {r.seconds:.0f} s | {r.fires} |"
            f" {r.median_ms:.1f} | {r.p99_ms:.1f} | {r.max_ms:.1f} |"
            f" {r.to_decision_ms[0]:.1f} / {r.to_decision_ms[1]:.1f} |"
            f" {r.to_reader_ms[0]:.1f} / {r.to_reader_ms[1]:.1f} |"
            f" {r.load[0]:.1f} / {r.load[1]:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
