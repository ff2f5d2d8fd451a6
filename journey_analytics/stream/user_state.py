"""The per-user rows of the segment marts that triggers read, as of the last warehouse build.

A trigger whose entry is a state (``entry.state``: a row of a segments mart such as
dim_user_cancellation_clusters) or whose payload takes values from data (``{column}`` of the
state row, ``{relation, column}`` of another mart, with tiers and a default) needs, per user, the
columns of those marts that the spec names. The warehouse build publishes them (``publish``,
``scripts/stream_publish_state.py``) as one record per user on a compacted Kafka topic keyed by
user id (``journey.user_state``): ``{"user_id", "as_of", "relations": {mart: [row, ...]}}``;
a user who left every mart gets a tombstone. The processor follows the topic as a table
(``TopicTable``: it reads the topic to its end before it processes any event, then applies new
records as they come), so an entry is decided on the state of the last build the processor has
read: the warehouse's own semantics, where an entry joins the mart of the same build.

``UserState`` evaluates the warehouse's SQL on those rows (``trigger_state_condition_sql``,
the ``within`` window, the latest row by the mart's order column, ``trigger_payload_value_sql``).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from journey_analytics.stream.spec import PayloadField, Predicate, StateEntry, TriggerSpec

TOPIC = "journey.user_state"
COMPACTED = {"cleanup.policy": "compact", "retention.ms": "-1", "retention.bytes": "-1"}


# -- the warehouse's SQL on one row ------------------------------------------------------------
def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def sql_text(value: Any) -> str | None:
    """``cast(value as varchar)`` as DuckDB writes it (the publisher sends timestamps already as
    DuckDB's text, numbers and booleans as JSON)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def time_ms(value: Any) -> int | None:
    """Epoch ms of a timestamp as the publisher sends it (DuckDB's text; naive means UTC)."""
    if value is None:
        return None
    try:
        ts = dt.datetime.fromisoformat(str(value).replace(" ", "T", 1))
    except ValueError:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)
    return int(ts.timestamp() * 1000)


def row_matches(pred: Predicate, row: Mapping[str, Any]) -> bool:
    """One state predicate on a mart row, as trigger_state_condition_sql writes it: typed
    comparisons (numbers as numbers, else text); ``ne`` and ``not_in`` are true on null."""
    actual = row.get(pred.name)
    op, value = pred.op, pred.value
    if op == "is_set":
        return (actual is not None) == bool(value)
    if actual is None:
        return op in ("ne", "not_in")
    values = value if op in ("in", "not_in") else [value]
    a = _as_number(actual) if not isinstance(actual, str) else None
    if a is not None:
        nums = [_as_number(v) for v in values]
        same = any(n is not None and a == n for n in nums)
        if op in ("gt", "gte", "lt", "lte"):
            b = nums[0]
            if b is None:
                return False
            return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]
    else:
        text = sql_text(actual)
        same = any(text == sql_text(v) for v in values)
        if op in ("gt", "gte", "lt", "lte"):
            b_text = sql_text(values[0]) or ""
            return {
                "gt": text > b_text,
                "gte": text >= b_text,
                "lt": text < b_text,
                "lte": text <= b_text,
            }[op]
    if op in ("eq", "in"):
        return same
    return not same  # ne, not_in


def payload_value(field: PayloadField, raw: Any) -> Any:
    """One payload value as trigger_payload_value_sql computes it from the value read."""
    if field.tiers:
        number = _as_number(raw)
        if number is not None:
            for low, label in field.tiers:
                if number >= low:
                    return label
        return field.default
    text = sql_text(raw)
    return field.default if text is None else text


class UserState:
    """The per-user rows (user id -> {mart: [row, ...]}) and the warehouse's logic on them."""

    def __init__(self, rows: Mapping[str, Mapping[str, list[dict[str, Any]]]] | None = None):
        self.rows: dict[str, Mapping[str, list[dict[str, Any]]]] = dict(rows or {})
        self.as_of: str | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def has(self, user: str) -> bool:
        return user in self.rows

    def apply(self, user: str, value: bytes | None) -> None:
        """One record of the topic (or file): the user's rows, or a tombstone (None)."""
        if value is None:
            self.rows.pop(user, None)
            return
        record = orjson.loads(value)
        self.rows[user] = record.get("relations") or {}
        self.as_of = record.get("as_of") or self.as_of

    def of(self, user: str) -> Mapping[str, list[dict[str, Any]]]:
        """The user's record (mart -> rows), one publication: read it once per entry."""
        return self.rows.get(user) or {}

    def entry_row(
        self, state: StateEntry, marts: Mapping[str, list[dict[str, Any]]], t_ms: int
    ) -> dict[str, Any] | None:
        """The user's state row at an entry at ``t_ms``: matching every predicate, with the
        entry inside the within window; several: the latest by the mart's order column."""
        best = None
        best_key: Any = None
        for row in marts.get(state.relation) or ():
            if not all(row_matches(p, row) for p in state.where):
                continue
            if state.within_column is not None:
                base = time_ms(row.get(state.within_column))
                if base is None or t_ms < base + state.min_seconds * 1000:
                    continue
                if state.max_seconds is not None and t_ms > base + state.max_seconds * 1000:
                    continue
            if best is None:
                best, best_key = row, row.get(state.order_column) if state.order_column else None
                continue
            if state.order_column is not None:
                key = row.get(state.order_column)
                if key is not None and (best_key is None or _order(key) > _order(best_key)):
                    best, best_key = row, key
        return best

    @staticmethod
    def payload(
        fields: Iterable[PayloadField],
        marts: Mapping[str, list[dict[str, Any]]],
        state_row: Mapping[str, Any] | None,
        properties: Mapping[str, Any],
    ) -> dict[str, Any]:
        """The payload values a step reads from data, at the entry."""
        out = {}
        for f in fields:
            if f.source == "property":
                raw = properties.get(f.name)
                if isinstance(raw, bool):
                    raw = "true" if raw else "false"
            elif f.source == "state":
                raw = state_row.get(f.name) if state_row is not None else None
            else:
                rows = marts.get(f.relation or "") or ()
                raw = rows[0].get(f.name) if rows else None
            out[f.key] = payload_value(f, raw)
        return out


def _order(value: Any) -> Any:
    number = _as_number(value) if not isinstance(value, str) else None
    if number is not None:
        return number
    ms = time_ms(value)
    return ms if ms is not None else str(value)


# -- publishing (warehouse -> snapshot) -----------------------------------------------------------
def _json_value(value: Any) -> Any:
    """A mart value as the stream reads it (timestamps arrive already cast to text by DuckDB,
    as the warehouse casts a payload value; decimals as floats; the rest as JSON)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.time):
        return str(value)
    return value


def snapshot_from_duckdb(
    database: str | Path, schema: str | None, needs: Mapping[str, list[str]]
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """user id -> {mart: [row of the needed columns, ...]} read from the warehouse's DuckDB."""
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:
        out: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for relation, columns in sorted(needs.items()):
            qualified = f'"{schema}"."{relation}"' if schema else f'"{relation}"'
            types = {
                r[0]: str(r[1]).upper() for r in con.execute(f"describe {qualified}").fetchall()
            }
            cols = [c for c in columns if c != "user_id"]
            missing = [c for c in cols if c not in types]
            if missing:
                raise ValueError(
                    f"{relation} has no column {', '.join(missing)} (the spec reads it)"
                )
            exprs = [
                f'cast("{c}" as varchar)'
                if types[c].startswith(("TIMESTAMP", "DATE", "TIME"))
                else f'"{c}"'
                for c in cols
            ]
            cur = con.execute(
                f"select cast(user_id as varchar), {', '.join(exprs) or '1'} from {qualified} "
                "where user_id is not null order by 1"
            )
            for user, *values in cur.fetchall():
                row = {c: _json_value(v) for c, v in zip(cols, values, strict=False)}
                out.setdefault(user, {}).setdefault(relation, []).append(row)
        return out
    finally:
        con.close()


def records(
    snapshot: Mapping[str, Mapping[str, list[dict[str, Any]]]], as_of: str
) -> Iterator[tuple[bytes, bytes]]:
    for user in sorted(snapshot):
        value = {"user_id": user, "as_of": as_of, "relations": snapshot[user]}
        yield user.encode(), orjson.dumps(value)


def write_file(path: str | Path, snapshot: Mapping[str, Any], as_of: str) -> int:
    """The snapshot as JSON lines (one topic record per line), for a processor without Kafka
    access to the topic, or offline evaluation."""
    n = 0
    with open(path, "wb") as handle:
        for _key, value in records(snapshot, as_of):
            handle.write(value + b"\n")
            n += 1
    return n


def read_file(path: str | Path) -> UserState:
    state = UserState()
    with open(path, "rb") as handle:
        for line in handle:
            if line.strip():
                record = orjson.loads(line)
                state.apply(str(record["user_id"]), line)
    return state


def current_keys(bootstrap: str, topic: str, extra: Mapping[str, Any] | None = None) -> set[str]:
    """Keys that hold a value on the topic now (read to its end), to tombstone the users who
    left every mart since the previous publication."""
    state = UserState()
    table = TopicTable(bootstrap, topic, state, extra)
    table.catch_up(timeout_s=120, follow=False)
    return set(state.rows)


def publish(
    bootstrap: str,
    topic: str,
    snapshot: Mapping[str, Mapping[str, list[dict[str, Any]]]],
    as_of: str,
    partitions: int = 2,
    extra: Mapping[str, Any] | None = None,
) -> tuple[int, int]:
    """Publish a build's snapshot to the compacted topic: one record per user now in a mart,
    a tombstone per user who was on the topic and is in none. Returns (records, tombstones)."""
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    conf = {"bootstrap.servers": bootstrap, **(extra or {})}
    admin = AdminClient(conf)
    if topic not in admin.list_topics(timeout=10).topics:
        new = NewTopic(topic, num_partitions=partitions, replication_factor=1, config=COMPACTED)
        for fut in admin.create_topics([new], operation_timeout=10).values():
            fut.result()
        gone: set[str] = set()
    else:
        gone = current_keys(bootstrap, topic, extra) - set(snapshot)
    producer = Producer({**conf, "linger.ms": 20, "enable.idempotence": True})
    n = 0
    for key, value in records(snapshot, as_of):
        producer.produce(topic, key=key, value=value)
        producer.poll(0)
        n += 1
    for user in sorted(gone):
        producer.produce(topic, key=user.encode(), value=None)
    left = producer.flush(60)
    if left:
        raise RuntimeError(f"{left} user-state records were not delivered to {topic}")
    return n, len(gone)


# -- following the topic as a table (the processor side) --------------------------------------------
class TopicTable:
    """Reads every partition of the compacted topic into a ``UserState`` (a global table: each
    process holds every user's rows, which are few: users in a state or a payload mart).

    ``catch_up`` reads to the end offsets seen at start, so no event is decided before the
    whole last snapshot is in; with ``follow`` a daemon thread then applies new publications
    as they arrive (a user's record replaces the previous one at once).
    """

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        state: UserState,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.state = state
        self.extra = dict(extra or {})
        self.records = 0
        self._stop = threading.Event()

    def exists(self) -> bool:
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": self.bootstrap, **self.extra})
        return self.topic in admin.list_topics(timeout=10).topics

    def catch_up(self, timeout_s: float = 120.0, follow: bool = True) -> int:
        from confluent_kafka import Consumer, TopicPartition

        consumer = Consumer(
            {
                "bootstrap.servers": self.bootstrap,
                "group.id": "journey-user-state-reader",
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                **self.extra,
            }
        )
        meta = consumer.list_topics(self.topic, timeout=10).topics[self.topic]
        parts = sorted(meta.partitions)
        ends = {}
        for p in parts:
            high = consumer.get_watermark_offsets(TopicPartition(self.topic, p), timeout=10)[1]
            if high > 0:
                ends[p] = high
        consumer.assign([TopicPartition(self.topic, p, 0) for p in parts])
        deadline = time.monotonic() + timeout_s
        while ends:
            if time.monotonic() > deadline:
                consumer.close()
                raise TimeoutError(
                    f"user-state topic {self.topic}: not read to its end in {timeout_s:.0f} s"
                )
            for msg in consumer.consume(10_000, 0.5):
                self._apply(msg)
                if msg.error() is None and msg.offset() + 1 >= ends.get(msg.partition(), 0):
                    ends.pop(msg.partition(), None)
        if not follow:
            consumer.close()
            return self.records

        def follow_topic() -> None:
            while not self._stop.is_set():
                for msg in consumer.consume(1000, 0.5):
                    self._apply(msg)
            consumer.close()

        threading.Thread(target=follow_topic, name="user-state", daemon=True).start()
        return self.records

    def _apply(self, msg: Any) -> None:
        if msg.error() is not None or msg.key() is None:
            return
        self.records += 1
        self.state.apply(msg.key().decode(), msg.value())

    def stop(self) -> None:
        self._stop.set()


def needs_of(spec: TriggerSpec) -> dict[str, list[str]]:
    """Marts and columns the spec's streamable triggers read per user."""
    return spec.state_relations
