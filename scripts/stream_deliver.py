"""Consume the fires topic and deliver each fire id once (SQLite outbox + offsets).

The stream processor is at-least-once, so a fire may appear on the topic twice after a crash;
this consumer keeps the delivered fire ids and its own offsets in one SQLite transaction and
delivers (writes to the outbox table delivered_fires, and prints with --print) only new ids.

Example::

    python scripts/stream_deliver.py --bootstrap 127.0.0.1:9092 --db target/fires.sqlite --print
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import orjson

from journey_analytics.stream.deliver import Deliverer
from journey_analytics.stream.processor import Topics


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--db", default="target/stream-fires.sqlite", help="SQLite outbox")
    parser.add_argument("--topic-prefix", default="")
    parser.add_argument("--print", action="store_true", help="print each delivered fire")
    parser.add_argument("--idle-exit-s", type=float, default=None, help="exit after idle time")
    args = parser.parse_args(argv)

    def show(fire: dict) -> None:
        print(
            orjson.dumps(
                {
                    k: fire[k]
                    for k in (
                        "condition_true_at",
                        "trigger_name",
                        "step_name",
                        "user_id",
                        "channel",
                        "payload",
                        "fire_id",
                    )
                }
            ).decode(),
            flush=True,
        )

    deliverer = Deliverer(
        args.bootstrap,
        Topics.with_prefix(args.topic_prefix).fires,
        args.db,
        show if args.print else None,
    )
    try:
        deliverer.run(args.idle_exit_s)
    except KeyboardInterrupt:
        pass
    finally:
        deliverer.close()
    s = deliverer.stats
    print(
        f"read {s.read}, delivered {s.delivered}, duplicates dropped {s.duplicates}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
