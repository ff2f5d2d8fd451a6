"""The consumer of fires: de-duplicates by fire id and delivers each fire once.

The processor is at-least-once, so after a crash a fire can appear on the fires topic twice (same
fire id). The deliverer keeps, in one SQLite database, the delivered fires (the outbox that the
messaging integration sends from) and its own consumed offsets; both change in one SQLite
transaction, so neither a crash of the deliverer nor a duplicate on the topic can deliver a fire
id twice, and no broker transaction is needed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import Consumer, TopicPartition

SCHEMA = """
create table if not exists delivered_fires (
    fire_id text not null,
    trigger_name text, step_name text, user_id text, arm text, channel text,
    payload text, condition_true_at text, record text,
    delivered_at_ms integer, latency_ms integer
);
create index if not exists delivered_fires_id on delivered_fires (fire_id);
create table if not exists consumed_offsets (
    topic text not null, partition integer not null, next_offset integer not null,
    primary key (topic, partition)
);
create table if not exists duplicates_seen (fire_id text, seen_at_ms integer);
"""


@dataclass
class DeliveryStats:
    read: int = 0
    delivered: int = 0
    duplicates: int = 0


class Deliverer:
    """Reads the fires topic from offsets kept in SQLite; delivers new fire ids only."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        db_path: str | Path,
        on_deliver: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.topic = topic
        self.db = sqlite3.connect(str(db_path), check_same_thread=False)
        self.db.executescript(SCHEMA)
        self.on_deliver = on_deliver
        self.stats = DeliveryStats()
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": "journey-fires-deliverer",
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
            }
        )
        parts = self.consumer.list_topics(topic, timeout=10).topics[topic].partitions
        stored = dict(
            self.db.execute(
                "select partition, next_offset from consumed_offsets where topic = ?", (topic,)
            ).fetchall()
        )
        self.consumer.assign(
            [TopicPartition(topic, p, stored.get(p, -2)) for p in sorted(parts)]
        )  # -2: OFFSET_BEGINNING

    def poll_once(self, timeout: float = 0.5, max_records: int = 500) -> int:
        msgs = self.consumer.consume(max_records, timeout)
        msgs = [m for m in msgs if m.error() is None]
        if not msgs:
            return 0
        now = int(time.time() * 1000)
        delivered = []
        with self.db:  # one transaction: outbox rows + offsets
            for msg in msgs:
                self.stats.read += 1
                fire = orjson.loads(msg.value())
                fid = fire["fire_id"]
                hit = self.db.execute(
                    "select 1 from delivered_fires where fire_id = ? limit 1", (fid,)
                ).fetchone()
                if hit:
                    self.stats.duplicates += 1
                    self.db.execute("insert into duplicates_seen values (?, ?)", (fid, now))
                else:
                    closed = fire.get("window_closed_by_arrival_ms")
                    self.db.execute(
                        "insert into delivered_fires values (?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            fid,
                            fire["trigger_name"],
                            fire["step_name"],
                            fire["user_id"],
                            fire["arm"],
                            fire["channel"],
                            orjson.dumps(fire["payload"]).decode(),
                            fire["condition_true_at"],
                            msg.value().decode(),
                            now,
                            now - closed if closed else None,
                        ),
                    )
                    self.stats.delivered += 1
                    delivered.append(fire)
                self.db.execute(
                    "insert into consumed_offsets values (?, ?, ?) on conflict (topic, partition)"
                    " do update set next_offset = excluded.next_offset",
                    (self.topic, msg.partition(), msg.offset() + 1),
                )
        if self.on_deliver:
            for fire in delivered:
                self.on_deliver(fire)
        return len(msgs)

    def run(self, idle_exit_s: float | None = None, stop: Callable[[], bool] | None = None) -> None:
        last = time.monotonic()
        while not (stop and stop()):
            if self.poll_once():
                last = time.monotonic()
            elif idle_exit_s is not None and time.monotonic() - last > idle_exit_s:
                return

    def close(self) -> None:
        self.consumer.close()
        self.db.close()
