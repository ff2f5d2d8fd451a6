"""Replay canonical events into the events topic at a chosen speed.

Reads a DuckDB table (--database + --table, for example fct_events) or a Parquet/CSV file of
canonical events (event_id, event_name, event_at or event_timestamp, user_id, anonymous_id,
properties), orders them by event time and produces one JSON record per event keyed by user_id.
--speed 3600 replays one hour of event time per second; --rate N sends N events per second; with
neither it sends as fast as it can. At the end it sends one watermark tick per partition at
(last event time + allowed lateness), so every window the data covers can close.

Examples::

    python scripts/stream_replay.py --bootstrap 127.0.0.1:9092 --database target/journey.duckdb --table fct_events
    python scripts/stream_replay.py --bootstrap 127.0.0.1:9092 --file events.parquet --speed 3600
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from journey_analytics.stream.broker import create_topics
from journey_analytics.stream.processor import Topics
from journey_analytics.stream.replay import read_events, replay


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers")
    parser.add_argument("--database", help="DuckDB file holding --table")
    parser.add_argument("--table", help="table of canonical events, e.g. fct_events")
    parser.add_argument("--file", help="Parquet or CSV file of canonical events")
    parser.add_argument("--where", default=None, help="SQL filter on the source rows")
    parser.add_argument("--topic-prefix", default="")
    parser.add_argument(
        "--partitions", type=int, default=2, help="partitions (topic creation, ticks)"
    )
    parser.add_argument(
        "--speed", type=float, default=0.0, help="event-time seconds per wall second"
    )
    parser.add_argument("--rate", type=float, default=0.0, help="events per second")
    parser.add_argument("--allowed-lateness-s", type=float, default=10.0, help="for the final tick")
    parser.add_argument(
        "--no-final-tick", action="store_true", help="leave windows open at the end"
    )
    parser.add_argument("--test-broker", action="store_true", help="one-message batches (Tansu)")
    args = parser.parse_args(argv)
    if not (args.file or (args.database and args.table)):
        parser.error("give --file, or --database and --table")
    topics = Topics.with_prefix(args.topic_prefix)
    create_topics(args.bootstrap, topics.all(), args.partitions)
    records = read_events(args.file or args.database, None if args.file else args.table, args.where)
    tick = None
    if records and not args.no_final_tick:
        tick = max(r[0] for r in records) + int(args.allowed_lateness_s * 1000)
    stats = replay(
        args.bootstrap,
        topics.events,
        records,
        args.partitions,
        args.speed,
        args.rate,
        tick,
        args.test_broker,
    )
    print(f"replayed {stats.events} events in {stats.seconds:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
