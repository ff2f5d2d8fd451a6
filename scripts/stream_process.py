"""Run the trigger stream processor (Quix Streams) against a Kafka cluster.

Reads canonical events from the events topic, evaluates the triggers of the warehouse's
normalised spec (the JSON of `dbt run-operation print_trigger_spec`, given with --spec or read
with --from-dbt), and writes fires, skips, dead letters and late events to their topics.
State lives in RocksDB under --state-dir, backed by changelog topics: a restarted process resumes
where the group's committed offsets are, with its state restored from Kafka if the folder is gone.
Start more processes with the same --group to scale out (one per partition at most).

Examples::

    python scripts/stream_process.py --bootstrap 127.0.0.1:9092 --spec target/trigger_spec.json
    python scripts/stream_process.py --bootstrap broker:9092 --from-dbt --metrics-port 9108
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from journey_analytics.stream.engine import load_suppressions
from journey_analytics.stream.processor import (
    SUPPRESSIONS_SEED,
    ProcessorConfig,
    Topics,
    load_taxonomy,
    run,
)
from journey_analytics.stream.spec import load_spec_file, spec_from_dbt


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--bootstrap", required=True, help="Kafka bootstrap servers, host:port[,...]"
    )
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--spec", help="JSON file printed by `dbt run-operation print_trigger_spec`")
    src.add_argument(
        "--from-dbt", action="store_true", help="run print_trigger_spec in --project-dir"
    )
    parser.add_argument("--project-dir", default=".", help="dbt project for --from-dbt")
    parser.add_argument("--topic-prefix", default="", help="prefix for all topic names")
    parser.add_argument("--group", default="journey-triggers", help="consumer group id")
    parser.add_argument("--state-dir", default="target/stream-state", help="local RocksDB state")
    parser.add_argument("--partitions", type=int, default=2, help="partitions of topics it creates")
    parser.add_argument(
        "--allowed-lateness-s",
        type=float,
        default=None,
        help="allowed lateness (default: settings.allowed_lateness_seconds of the spec)",
    )
    parser.add_argument(
        "--max-future-s", type=float, default=3600.0, help="future tolerance before dead letter"
    )
    parser.add_argument("--taxonomy", default=None, help="taxonomy CSV (default: the package seed)")
    parser.add_argument("--extra-events", default="", help="comma-separated extra canonical names")
    parser.add_argument("--no-taxonomy-check", action="store_true", help="accept any event name")
    parser.add_argument(
        "--commit-interval-s", type=float, default=5.0, help="checkpoint (state + offsets) interval"
    )
    parser.add_argument("--metrics-port", type=int, default=None, help="serve /metrics here")
    parser.add_argument("--idle-exit-s", type=float, default=None, help="exit after this idle time")
    parser.add_argument("--test-broker", action="store_true", help="Tansu workarounds (tests)")
    parser.add_argument(
        "--exactly-once", action="store_true", help="Kafka transactions (production Kafka only)"
    )
    parser.add_argument(
        "--kafka-config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="librdkafka setting for consumer and producer, repeatable "
        "(security.protocol=SASL_SSL, sasl.mechanism=PLAIN, sasl.username=..., ...)",
    )
    parser.add_argument(
        "--suppressions",
        default=None,
        help="CSV user_id,list,added_at of suppressed users (default: the seed "
        "journey_trigger_suppressions when present); read at start-up",
    )
    parser.add_argument(
        "--user-state-file",
        default=None,
        help="JSON lines written by stream_publish_state.py --file, instead of following the "
        "compacted topic <prefix>journey.user_state (the default)",
    )
    parser.add_argument(
        "--no-user-state",
        action="store_true",
        help="do not read the user-state topic: triggers that read a segment mart are not streamed",
    )
    parser.add_argument(
        "--fetch-wait-max-ms",
        type=int,
        default=25,
        help="longest wait of a fetch on an idle partition (latency of the first record)",
    )
    parser.add_argument(
        "--wall-clock-ticks-ms",
        type=int,
        default=0,
        help="live feeds only: tick every partition with the wall clock this often, so windows "
        "of quiet partitions close on time (0: off; never for replays of past events)",
    )
    parser.add_argument("--crash-after", type=int, default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    spec = load_spec_file(args.spec) if args.spec else spec_from_dbt(args.project_dir)
    for note in spec.stream_caveats():
        print(f"warning: {note}", file=sys.stderr)
    lateness_s = (
        spec.allowed_lateness_seconds
        if args.allowed_lateness_s is None
        else args.allowed_lateness_s
    )
    supp = args.suppressions or (SUPPRESSIONS_SEED if SUPPRESSIONS_SEED.exists() else None)
    extra = [e for e in args.extra_events.split(",") if e]
    taxonomy = (
        None
        if args.no_taxonomy_check
        else (load_taxonomy(args.taxonomy, extra) if args.taxonomy else load_taxonomy(extra=extra))
    )
    metrics = run(
        ProcessorConfig(
            bootstrap=args.bootstrap,
            spec=spec,
            taxonomy=taxonomy,
            topics=Topics.with_prefix(args.topic_prefix),
            group=args.group,
            state_dir=args.state_dir,
            partitions=args.partitions,
            allowed_lateness_ms=int(lateness_s * 1000),
            max_future_ms=int(args.max_future_s * 1000),
            commit_interval_s=args.commit_interval_s,
            test_broker=args.test_broker,
            metrics_port=args.metrics_port,
            idle_exit_s=args.idle_exit_s,
            crash_after=args.crash_after,
            exactly_once=args.exactly_once,
            kafka_config=dict(kv.split("=", 1) for kv in args.kafka_config),
            suppressions=load_suppressions(supp) if supp else {},
            user_state_file=args.user_state_file,
            user_state_topic=not args.no_user_state,
            fetch_wait_max_ms=args.fetch_wait_max_ms,
            wall_clock_tick_ms=args.wall_clock_ticks_ms,
        )
    )
    print(metrics.render(), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
