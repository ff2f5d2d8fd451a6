"""`make stream`: a local broker, the trigger processor, the replay producer, fires as they happen.

Starts Tansu on loopback, creates the topics (2 partitions), starts the processor
(scripts/stream_process.py, metrics on http://127.0.0.1:PORT/metrics) and a deliverer that prints
each fire once, then replays canonical events: the DuckDB table fct_events of the built project
when there is one (JOURNEY_DUCKDB_PATH), otherwise synthetic events. When the replay is done and
no fire came for a while it prints the metrics and stops everything it started.

Examples::

    python scripts/stream_demo.py                       # fct_events if built, else synthetic
    python scripts/stream_demo.py --from-dbt --speed 86400
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import orjson

from journey_analytics.stream.broker import TansuBroker, create_topics
from journey_analytics.stream.deliver import Deliverer
from journey_analytics.stream.processor import Topics
from journey_analytics.stream.replay import read_events, replay
from journey_analytics.stream.spec import load_spec_file, spec_from_dbt
from journey_analytics.stream.synthetic import TAXONOMY_EXTRA, synthetic_events
from journey_analytics.stream.user_state import publish, snapshot_from_duckdb

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_SPEC = ROOT / "tests" / "python" / "fixtures" / "stream" / "trigger_spec.json"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--spec", type=Path, default=None, help="printed spec JSON (default: the sample triggers)"
    )
    parser.add_argument(
        "--from-dbt", action="store_true", help="read the spec with print_trigger_spec"
    )
    parser.add_argument(
        "--database", default=os.environ.get("JOURNEY_DUCKDB_PATH", "target/journey.duckdb")
    )
    parser.add_argument("--table", default="fct_events")
    parser.add_argument("--synthetic-users", type=int, default=2000, help="when there is no table")
    parser.add_argument(
        "--speed", type=float, default=0.0, help="event seconds per wall second (0: max)"
    )
    parser.add_argument("--metrics-port", type=int, default=9108)
    parser.add_argument(
        "--quiet-after-s", type=float, default=8.0, help="stop after this long without fires"
    )
    args = parser.parse_args(argv)

    spec_args = ["--from-dbt"] if args.from_dbt else ["--spec", str(args.spec or FIXTURE_SPEC)]
    topics = Topics()
    with tempfile.TemporaryDirectory() as tmp, TansuBroker() as broker:
        print(f"broker: {broker.bootstrap}", file=sys.stderr)
        create_topics(broker.bootstrap, topics.all(), 2)
        spec = spec_from_dbt(ROOT) if args.from_dbt else load_spec_file(args.spec or FIXTURE_SPEC)
        if spec.state_relations and Path(args.database).exists():
            # what the warehouse build publishes: the marts' rows per user the triggers read
            snapshot = snapshot_from_duckdb(args.database, None, spec.state_relations)
            n, _ = publish(broker.bootstrap, topics.user_state, snapshot, "demo")
            print(f"user state: {n} users published to {topics.user_state}", file=sys.stderr)
        processor = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "scripts" / "stream_process.py"),
                "--bootstrap",
                broker.bootstrap,
                *spec_args,
                "--state-dir",
                f"{tmp}/state",
                "--metrics-port",
                str(args.metrics_port),
                "--extra-events",
                ",".join(TAXONOMY_EXTRA),
            ],
            cwd=ROOT,
        )
        last_fire = [time.monotonic()]

        def show(fire: dict) -> None:
            last_fire[0] = time.monotonic()
            print(
                f"{fire['condition_true_at']}  {fire['trigger_name']}/{fire['step_name']:<16} "
                f"user={fire['user_id']:<12} {fire['channel']:<8} {orjson.dumps(fire['payload']).decode()}",
                flush=True,
            )

        stop = threading.Event()
        deliverer = Deliverer(broker.bootstrap, topics.fires, f"{tmp}/outbox.sqlite", show)
        thread = threading.Thread(target=deliverer.run, kwargs={"stop": stop.is_set}, daemon=True)
        thread.start()
        if Path(args.database).exists():
            records = read_events(args.database, args.table)
            print(
                f"replaying {len(records)} events of {args.table} in {args.database}",
                file=sys.stderr,
            )
        else:
            records = synthetic_events(users=args.synthetic_users)
            print(f"no {args.database}: replaying {len(records)} synthetic events", file=sys.stderr)
        tick = max(r[0] for r in records) + 86_400_000 * 30  # close every window the data opened
        replay(broker.bootstrap, topics.events, records, 2, speed=args.speed, final_tick_ms=tick)
        last_fire[0] = time.monotonic()
        url = f"http://127.0.0.1:{args.metrics_port}/metrics"
        text = ""
        while True:  # until the processor has caught up and no fire came for a while
            time.sleep(1.0)
            try:
                text = urllib.request.urlopen(url, timeout=5).read().decode()
            except OSError:
                continue
            lags = [
                float(line.split()[-1])
                for line in text.splitlines()
                if line.startswith("journey_stream_consumer_lag{")
            ]
            if lags and sum(lags) == 0 and time.monotonic() - last_fire[0] > args.quiet_after_s:
                break
        print(text, file=sys.stderr)
        stop.set()
        thread.join(5)
        processor.terminate()
        try:
            processor.wait(30)
        except subprocess.TimeoutExpired:
            processor.kill()
        s = deliverer.stats
        print(
            f"fires delivered: {s.delivered} (duplicates dropped: {s.duplicates})", file=sys.stderr
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
