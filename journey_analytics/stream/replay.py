"""Replay canonical events from a DuckDB table or a Parquet/CSV file into the events topic.

Each event becomes one JSON record in the canonical schema (event_id, event_name, event_at in
ISO-8601 UTC, user_id, anonymous_id, properties as an object), keyed by user_id (the device id
when there is no user id), so that all events of a person land in one partition. Events go out in
event-time order at a chosen speed; at the end one watermark tick per partition closes the
windows that the data covers (tick time = last event time + allowed lateness).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import orjson
from confluent_kafka import Producer
from tqdm import tqdm

from journey_analytics.stream.engine import TICK_KEY, iso_ms


@dataclass
class ReplayStats:
    events: int
    first_ms: int | None
    last_ms: int | None
    seconds: float


def read_events(source: str, table: str | None = None, where: str | None = None) -> list[tuple]:
    """(event_ms, key, value) tuples in event-time order from a DuckDB file+table or a file."""
    path = Path(source)
    if table:
        con = duckdb.connect(str(path), read_only=True)
        relation = table
    else:
        con = duckdb.connect()
        reader = "read_csv_auto" if path.suffix == ".csv" else "read_parquet"
        relation = f"{reader}('{path.as_posix()}')"
    cols = {r[0] for r in con.sql(f"describe select * from {relation}").fetchall()}
    ts_col = "event_at" if "event_at" in cols else "event_timestamp"
    anon = "anonymous_id" if "anonymous_id" in cols else "null"
    props = "properties" if "properties" in cols else "null"
    loaded = (
        "strftime(loaded_at::timestamp, '%Y-%m-%dT%H:%M:%S.%fZ')" if "loaded_at" in cols else "null"
    )
    filt = f"where {where}" if where else ""
    rows = con.sql(
        f"""
        select
            epoch_ms({ts_col}::timestamp) as ms,
            event_id::varchar, event_name::varchar, user_id::varchar,
            {anon}::varchar, {props}::varchar, {loaded}
        from {relation} {filt}
        order by {"loaded_at, " if "loaded_at" in cols else ""}ms, event_id
        """
    ).fetchall()
    con.close()
    out = []
    for ms, event_id, name, user, anonymous, properties, loaded_at in rows:
        try:
            props_obj: Any = orjson.loads(properties) if properties else {}
        except orjson.JSONDecodeError:
            props_obj = {"_unparsed": properties}
        value = {
            "event_id": event_id,
            "event_name": name,
            "event_at": iso_ms(int(ms)),
            "user_id": user,
            "anonymous_id": anonymous,
            "properties": props_obj,
        }
        if loaded_at is not None:
            value["loaded_at"] = loaded_at
        key = user or anonymous
        out.append((int(ms), key.encode() if key else None, orjson.dumps(value)))
    return out


def producer_config(bootstrap: str, test_broker: bool = False) -> dict[str, Any]:
    conf: dict[str, Any] = {"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all"}
    if test_broker:  # Tansu miscounts end offsets of multi-message batches
        conf.update({"batch.num.messages": 1, "linger.ms": 0})
    return conf


def send_ticks(producer: Producer, topic: str, partitions: int, at_ms: int) -> None:
    for p in range(partitions):
        producer.produce(topic, key=TICK_KEY, value=orjson.dumps({"tick": at_ms}), partition=p)


def replay(
    bootstrap: str,
    topic: str,
    records: list[tuple],
    partitions: int,
    speed: float = 0.0,
    rate: float = 0.0,
    final_tick_ms: int | None = None,
    test_broker: bool = False,
    progress: bool = True,
) -> ReplayStats:
    """Produce records; speed = event-time seconds per wall second (0 = as fast as possible),
    or rate = events per second. Sends a final tick to every partition if final_tick_ms."""
    producer = Producer(producer_config(bootstrap, test_broker))
    start = time.monotonic()
    first = records[0][0] if records else None
    bar = tqdm(total=len(records), unit="ev", disable=not progress, desc="replay")
    for i, (ms, key, value) in enumerate(_paced(records, speed, rate, start, first)):
        del ms
        while True:
            try:
                producer.produce(topic, key=key, value=value)
                break
            except BufferError:
                producer.poll(0.05)
        if i % 1000 == 0:
            producer.poll(0)
            bar.update(1000 if i else 1)
    bar.close()
    if final_tick_ms is not None:
        send_ticks(producer, topic, partitions, final_tick_ms)
    producer.flush(60)
    return ReplayStats(
        len(records), first, records[-1][0] if records else None, time.monotonic() - start
    )


def _paced(
    records: list[tuple], speed: float, rate: float, start: float, first: int | None
) -> Iterator[tuple]:
    for i, rec in enumerate(records):
        if speed > 0 and first is not None:
            wait = start + (rec[0] - first) / 1000 / speed - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        elif rate > 0:
            wait = start + i / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        yield rec
