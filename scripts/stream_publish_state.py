"""Publish the segment marts' rows per user that the streamed triggers read (warehouse -> stream).

Run it right after each warehouse build (`dbt build`): it reads, from the built DuckDB, the
columns of the marts that the spec's triggers name (entry states such as
dim_user_cancellation_clusters, payload marts such as fct_customer_clv_predicted), and writes
one record per user to the compacted topic <prefix>journey.user_state, keyed by user id, plus a
tombstone for each user who was on the topic and is in no mart now. Running processors apply it
as it arrives; a starting processor reads the topic to its end first. With --file it writes the
same records as JSON lines instead (for `stream_process.py --user-state-file`).

Examples::

    python scripts/stream_publish_state.py --spec target/trigger_spec.json \\
        --database target/journey.duckdb --schema main --bootstrap 127.0.0.1:9092
    python scripts/stream_publish_state.py --from-dbt --database target/journey.duckdb \\
        --file target/user_state.jsonl
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from journey_analytics.stream.processor import Topics
from journey_analytics.stream.spec import load_spec_file, spec_from_dbt
from journey_analytics.stream.user_state import publish, snapshot_from_duckdb, write_file


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--spec", help="JSON file printed by `dbt run-operation print_trigger_spec`")
    src.add_argument(
        "--from-dbt", action="store_true", help="run print_trigger_spec in --project-dir"
    )
    parser.add_argument("--project-dir", default=".", help="dbt project for --from-dbt")
    parser.add_argument("--database", required=True, help="the built DuckDB file")
    parser.add_argument("--schema", default=None, help="schema of the marts (default: search path)")
    parser.add_argument("--bootstrap", default=None, help="Kafka bootstrap servers")
    parser.add_argument("--topic-prefix", default="", help="prefix for the topic name")
    parser.add_argument("--partitions", type=int, default=2, help="partitions if it creates it")
    parser.add_argument("--file", default=None, help="write JSON lines here instead of Kafka")
    parser.add_argument(
        "--as-of", default=None, help="build time stamped on the records (default: now, UTC)"
    )
    parser.add_argument(
        "--kafka-config", action="append", default=[], metavar="KEY=VALUE", help="librdkafka"
    )
    args = parser.parse_args(argv)
    if not args.file and not args.bootstrap:
        parser.error("give --bootstrap (publish to Kafka) or --file")
    spec = load_spec_file(args.spec) if args.spec else spec_from_dbt(args.project_dir)
    needs = spec.state_relations
    if not needs:
        print("no streamed trigger reads a segment mart: nothing to publish", file=sys.stderr)
        return 0
    as_of = args.as_of or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    snapshot = snapshot_from_duckdb(args.database, args.schema, needs)
    what = "; ".join(f"{rel} ({', '.join(cols)})" for rel, cols in sorted(needs.items()))
    if args.file:
        n = write_file(args.file, snapshot, as_of)
        print(f"{n} users written to {args.file}: {what}", file=sys.stderr)
        return 0
    topic = Topics.with_prefix(args.topic_prefix).user_state
    extra = dict(kv.split("=", 1) for kv in args.kafka_config)
    n, gone = publish(args.bootstrap, topic, snapshot, as_of, args.partitions, extra)
    print(f"{n} users published to {topic} ({gone} tombstones), as of {as_of}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
