"""The Quix Streams application that evaluates the triggers on the events topic.

Input: canonical events (JSON, key = user_id, or the device id for anonymous events) and
watermark ticks. Outputs: fires, skips, dead letters and late events, each on its own topic.
State: the engine's records live in the Quix Streams RocksDB store of each partition, backed by a
changelog topic, so a restarted or rescheduled processor resumes from Kafka with its state.
Processing is at-least-once; the deliverer de-duplicates fires by fire id (``deliver.py``).
"""

from __future__ import annotations

import csv
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from quixstreams import Application, message_context
from quixstreams.models.serializers import Serializer
from quixstreams.models.topics import TopicConfig

from journey_analytics.stream.broker import TOPIC_CONFIG
from journey_analytics.stream.engine import TICK_KEY, Output, PartitionEngine
from journey_analytics.stream.metrics import Metrics, serve, watch_lag
from journey_analytics.stream.spec import TriggerSpec
from journey_analytics.stream.user_state import TopicTable, UserState, read_file

ROOT = Path(__file__).resolve().parents[2]
TAXONOMY_SEED = ROOT / "seeds" / "journey_event_taxonomy.csv"
SUPPRESSIONS_SEED = ROOT / "seeds" / "journey_trigger_suppressions.csv"


@dataclass(frozen=True)
class Topics:
    events: str = "journey.events"
    fires: str = "journey.trigger_fires"
    skips: str = "journey.trigger_skips"
    dead_letters: str = "journey.events.dead_letters"
    late: str = "journey.events.late"
    #: compacted, keyed by user id: the segment marts' rows per user (user_state.py)
    user_state: str = "journey.user_state"

    @classmethod
    def with_prefix(cls, prefix: str) -> Topics:
        return cls(**{k: f"{prefix}{v}" for k, v in cls().__dict__.items()})

    def all(self) -> list[str]:
        """The topics the processor reads and writes (the user-state topic has its publisher)."""
        return [self.events, self.fires, self.skips, self.dead_letters, self.late]


def load_taxonomy(path: str | Path = TAXONOMY_SEED, extra: Iterable[str] = ()) -> set[str]:
    """Canonical event names of the taxonomy seed (column event_name), plus extra names."""
    with open(path, newline="") as handle:
        names = {row["event_name"] for row in csv.DictReader(handle) if row.get("event_name")}
    return names | set(extra)


class TxStore:
    """The engine's Store over a Quix Streams partition transaction, as a write-back cache.

    Values are read from the transaction once per checkpoint and kept as Python objects; changed
    ones are serialised and written to the transaction just before Quix prepares it (produces
    the changelog and commits the offsets). One state access per key and checkpoint instead of
    one per event, and no JSON re-parsing of state per event.
    """

    def __init__(self, tx: Any) -> None:
        self.tx = tx
        self.cache: dict[tuple[bytes, bytes], Any] = {}
        self.dirty: set[tuple[bytes, bytes]] = set()
        prepare = tx.prepare

        def flush_then_prepare(*args: Any, **kwargs: Any) -> Any:
            self.flush()
            return prepare(*args, **kwargs)

        tx.prepare = flush_then_prepare

    def get(self, prefix: bytes, key: bytes) -> Any:
        k = (prefix, key)
        try:
            return self.cache[k]
        except KeyError:
            raw = self.tx.get_bytes(key, prefix=prefix)
            value = orjson.loads(raw) if raw is not None else None
            self.cache[k] = value
            return value

    def set(self, prefix: bytes, key: bytes, value: Any) -> None:
        k = (prefix, key)
        self.cache[k] = value
        self.dirty.add(k)

    def delete(self, prefix: bytes, key: bytes) -> None:
        self.set(prefix, key, None)

    def flush(self) -> None:
        for prefix, key in self.dirty:
            value = self.cache[(prefix, key)]
            if value is None:
                self.tx.delete(key, prefix=prefix)
            else:
                self.tx.set_bytes(key, orjson.dumps(value), prefix=prefix)
        self.dirty.clear()


class OutputSerializer(Serializer):
    """Serialises an engine Output's value with orjson (the kind only picks the topic)."""

    def __call__(self, value: Output, ctx: Any = None) -> bytes:
        return orjson.dumps(value.value)


@dataclass
class ProcessorConfig:
    bootstrap: str
    spec: TriggerSpec
    taxonomy: set[str] | None
    topics: Topics = Topics()
    group: str = "journey-triggers"
    state_dir: str = "target/stream-state"
    partitions: int = 2
    allowed_lateness_ms: int = 10_000
    max_future_ms: int = 3_600_000
    commit_interval_s: float = 5.0
    test_broker: bool = False  # one-message producer batches (Tansu changelog workaround)
    metrics_port: int | None = None
    idle_exit_s: float | None = None
    crash_after: int | None = None  # SIGKILL itself after this many input records (crash tests)
    exactly_once: bool = False
    kafka_config: dict[str, str] = field(default_factory=dict)  # security.protocol, sasl.*, ...
    suppressions: dict[str, int] = field(default_factory=dict)  # user id -> added_at (ms)
    user_state_file: str | None = None  # JSON lines of user_state.write_file instead of the topic
    user_state_topic: bool = True  # follow topics.user_state when the spec reads a mart
    # longest wait of a fetch for new records: a record that arrives on an idle partition waits
    # at most this (Kafka answers a fetch early when data arrives; the Tansu test broker waits
    # the whole time, so librdkafka's default of 500 ms would be the median latency there)
    fetch_wait_max_ms: int = 25
    # live feeds: a watermark tick (wall clock) to every partition this often, so a quiet
    # partition's windows close on time; 0 = off (replays of past events must keep it off)
    wall_clock_tick_ms: int = 0


def start_wall_clock_ticks(config: ProcessorConfig) -> threading.Event:
    """Produce a tick {"tick": now} to every partition of the events topic every
    ``wall_clock_tick_ms``: the watermark of an idle partition follows the wall clock (minus the
    allowed lateness), so a stall's fire goes out when its window closes, not on the
    partition's next event. Several processes ticking the same partitions is harmless (the
    watermark takes the maximum)."""
    from confluent_kafka import Producer

    stop = threading.Event()
    producer = Producer(
        {"bootstrap.servers": config.bootstrap, "linger.ms": 0, **config.kafka_config}
    )
    topic = config.topics.events
    every = config.wall_clock_tick_ms / 1000

    def tick() -> None:
        partitions: list[int] = []
        while not stop.wait(every):
            if not partitions:
                meta = producer.list_topics(topic, timeout=10).topics.get(topic)
                partitions = sorted(meta.partitions) if meta and meta.partitions else []
            now = int(time.time() * 1000)
            for p in partitions:
                producer.produce(
                    topic, key=TICK_KEY, value=orjson.dumps({"tick": now}), partition=p
                )
            producer.poll(0)
        producer.flush(5)

    threading.Thread(target=tick, name="wall-clock-ticks", daemon=True).start()
    return stop


def open_user_state(config: ProcessorConfig) -> UserState | None:
    """The segment marts' rows per user, when a streamed trigger reads one: from a file, or the
    compacted topic read to its end before any event (then followed). None when the spec
    reads no mart, or when no snapshot is available (those triggers are then not streamed)."""
    if not config.spec.state_relations:
        return None
    if config.user_state_file:
        return read_file(config.user_state_file)
    if not config.user_state_topic:
        return None
    state = UserState()
    table = TopicTable(config.bootstrap, config.topics.user_state, state, config.kafka_config)
    if not table.exists():
        print(
            f"warning: user-state topic {config.topics.user_state} does not exist",
            file=sys.stderr,
        )
        return None
    n = table.catch_up()
    print(
        f"user state: {n} records read from {config.topics.user_state} "
        f"({len(state)} users, as of {state.as_of})",
        file=sys.stderr,
    )
    return state


def build(config: ProcessorConfig) -> tuple[Application, Metrics]:
    consumer_extra: dict[str, Any] = {
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 1000,
        "fetch.wait.max.ms": config.fetch_wait_max_ms,
    }
    producer_extra: dict[str, Any] = {}
    if config.test_broker:
        producer_extra = {"batch.num.messages": 1, "linger.ms": 0}
    consumer_extra.update(config.kafka_config)
    # librdkafka settings given for both clients: the consumer-only ones stay with the consumer
    producer_only = {k: v for k, v in config.kafka_config.items() if not k.startswith("fetch.")}
    producer_extra.update(producer_only)
    app = Application(
        broker_address=config.bootstrap,
        consumer_group=config.group,
        auto_offset_reset="earliest",
        commit_interval=config.commit_interval_s,
        consumer_extra_config=consumer_extra,
        producer_extra_config=producer_extra,
        state_dir=config.state_dir,
        processing_guarantee="exactly-once" if config.exactly_once else "at-least-once",
        loglevel="WARNING",
    )
    topic_config = TopicConfig(
        num_partitions=config.partitions, replication_factor=1, extra_config=dict(TOPIC_CONFIG)
    )
    t = config.topics
    events = app.topic(
        t.events, key_deserializer="bytes", value_deserializer="bytes", config=topic_config
    )
    serializer = OutputSerializer()
    outs = {
        kind: app.topic(
            name, key_serializer="str", value_serializer=serializer, config=topic_config
        )
        for kind, name in (
            ("fire", t.fires),
            ("skip", t.skips),
            ("dlq", t.dead_letters),
            ("late", t.late),
        )
    }
    engine = PartitionEngine(
        config.spec,
        config.taxonomy,
        config.allowed_lateness_ms,
        config.max_future_ms,
        suppressions=config.suppressions,
        user_state=open_user_state(config),
    )
    for name, reason in engine.not_streamed.items():
        print(f"warning: trigger '{name}' is not streamed: {reason}", file=sys.stderr)
    metrics = Metrics(engine)
    # records, last wall time, first wall time, CPU time at the first and the latest 1024th record
    seen: list[Any] = [0, time.monotonic(), 0.0, 0.0, 0.0, 0]
    crash_after = config.crash_after
    stores: dict[int, TxStore] = {}

    def evaluate(
        value: bytes, key: bytes, timestamp: int, headers: Any, state: Any
    ) -> list[Output]:
        seen[0] += 1
        seen[1] = time.monotonic()
        if seen[0] == 1:
            seen[2] = seen[1]
            seen[3] = time.process_time()
        elif not seen[0] & 1023:
            seen[4], seen[5] = time.process_time(), seen[0]
        if crash_after is not None and seen[0] >= crash_after:
            os.kill(os.getpid(), signal.SIGKILL)
        tx = state._transaction
        partition = message_context().partition
        store = stores.get(partition)
        if store is None or store.tx is not tx:
            store = stores[partition] = TxStore(tx)
        return engine.process(store, partition, key, value, timestamp)

    sdf = app.dataframe(events)
    sdf = sdf.apply(evaluate, stateful=True, metadata=True, expand=True)
    # one route for every output record: its kind picks the topic
    sdf.to_topic(lambda o, *_: outs[o.kind], key=lambda o: o.key)

    if config.metrics_port:
        serve(metrics, config.metrics_port)
        watch_lag(metrics, config.bootstrap, config.group, t.events)
    if config.idle_exit_s:
        idle = config.idle_exit_s

        def watchdog() -> None:
            while True:
                time.sleep(0.25)
                if seen[0] > 0 and time.monotonic() - seen[1] > idle:
                    app.stop()
                    return

        threading.Thread(target=watchdog, daemon=True).start()
    app._journey_seen = seen  # type: ignore[attr-defined]
    return app, metrics


def run(config: ProcessorConfig) -> Metrics:
    """Build and run until stopped (SIGTERM, Ctrl+C, or --idle-exit-s)."""
    started = time.monotonic()
    for caveat in config.spec.stream_caveats():  # what the stream cannot evaluate, named
        print(caveat, file=sys.stderr)
    app, metrics = build(config)
    ticks = start_wall_clock_ticks(config) if config.wall_clock_tick_ms > 0 else None
    app.run()
    if ticks is not None:
        ticks.set()
    seen = app._journey_seen  # type: ignore[attr-defined]
    if seen[0]:
        busy = seen[1] - seen[2]
        cpu = seen[4] - seen[3]  # CPU from the first record to the last 1024th one
        print(
            f"records {seen[0]}; first record {seen[2] - started:.1f} s after start; "
            f"{busy:.3f} s from first to last record ({seen[0] / max(busy, 1e-9):,.0f} records/s); "
            f"{cpu:.3f} CPU s ({seen[5] / max(cpu, 1e-9):,.0f} records per CPU second)",
            file=sys.stderr,
        )
    return metrics
