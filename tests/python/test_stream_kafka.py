"""The stream processor against a real Kafka-protocol broker (Tansu, started here on loopback).

- bad records go to the dead-letter topic with their reason and the processor keeps going;
- kill -9 mid-stream, restart with the local state kept, and again with it wiped (restored from
  the changelog topics): every expected fire is delivered, and no fire id is delivered twice.

Expected fires and skips come from the engine run in memory over the same events in one pass
(the engine's semantics are checked by hand in test_stream_engine.py); here the question is
whether Kafka, the state store, crashes and restarts lose or duplicate anything.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Consumer, TopicPartition

from journey_analytics.stream.broker import TansuBroker, create_topics
from journey_analytics.stream.deliver import Deliverer
from journey_analytics.stream.engine import evaluate_offline, tick_record
from journey_analytics.stream.hashing import fire_id
from journey_analytics.stream.processor import Topics, load_taxonomy
from journey_analytics.stream.replay import replay, send_ticks
from journey_analytics.stream.spec import load_spec_file
from journey_analytics.stream.synthetic import TAXONOMY_EXTRA, synthetic_events

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = Path(__file__).parent / "fixtures" / "stream" / "trigger_spec.json"
SPEC = load_spec_file(SPEC_PATH)
TAXONOMY = load_taxonomy(extra=TAXONOMY_EXTRA)
PARTITIONS = 2
CLOSE_ALL_MS = 20 * 86_400_000  # final tick: past the longest step (12 days)


@pytest.fixture(scope="module")
def broker():
    with TansuBroker() as b:
        yield b


def processor_command(bootstrap: str, prefix: str, state_dir: Path, *options: str) -> list[str]:
    """The processor's command line on the test broker, with the sample taxonomy's extra events."""
    return [
        sys.executable,
        str(ROOT / "scripts" / "stream_process.py"),
        "--bootstrap",
        bootstrap,
        "--spec",
        str(SPEC_PATH),
        "--topic-prefix",
        prefix,
        "--group",
        f"{prefix}group",
        "--state-dir",
        str(state_dir),
        *options,
        "--extra-events",
        ",".join(TAXONOMY_EXTRA),
    ]


def run_processor(bootstrap: str, prefix: str, state_dir: Path, crash_after: int | None = None):
    options = [
        "--partitions",
        str(PARTITIONS),
        "--idle-exit-s",
        "3",  # a loaded CI machine can pause a second mid-stream
        "--commit-interval-s",
        "0.3",
        "--test-broker",
    ]
    if crash_after is not None:
        options += ["--crash-after", str(crash_after)]
    cmd = processor_command(bootstrap, prefix, state_dir, *options)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)


def read_topic(bootstrap: str, topic: str) -> list[dict]:
    """Every record of a topic, read from offset 0 up to the end offsets seen at the start."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"reader-{topic}", "enable.auto.commit": False}
    )
    parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    ends = {}
    for p in parts:
        _low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        if high > 0:
            ends[p] = high
    consumer.assign([TopicPartition(topic, p, 0) for p in ends])
    out = []
    while ends:
        msgs = consumer.consume(1000, 5.0)
        if not msgs:
            break
        for m in msgs:
            if m.error() is None:
                out.append(orjson.loads(m.value()))
                if m.offset() + 1 >= ends.get(m.partition(), 0):
                    ends.pop(m.partition(), None)
    consumer.close()
    return out


def expected(records: list[tuple]) -> tuple[set[str], set[tuple[str, str]]]:
    recs = [(k, v) for _ms, k, v in records] + [tick_record(records[-1][0] + CLOSE_ALL_MS)]
    lateness = SPEC.allowed_lateness_seconds * 1000
    outs, _ = evaluate_offline(SPEC, recs, TAXONOMY, lateness, now_ms=lambda: 4_000_000_000_000)
    fires = {o.value["fire_id"] for o in outs if o.kind == "fire"}
    skips = {(o.value["fire_id"], o.value["reason"]) for o in outs if o.kind == "skip"}
    return fires, skips


def produce(broker: TansuBroker, prefix: str, records: list[tuple]) -> Topics:
    topics = Topics.with_prefix(prefix)
    create_topics(broker.bootstrap, topics.all(), PARTITIONS)
    tick = records[-1][0] + CLOSE_ALL_MS
    replay(
        broker.bootstrap,
        topics.events,
        records,
        PARTITIONS,
        final_tick_ms=tick,
        test_broker=True,
        progress=False,
    )
    return topics


def test_dead_letters_and_processor_keeps_going(broker, tmp_path):
    good = synthetic_events(users=40, seed=3, noise_per_user=1)
    bad = [
        (good[0][0], b"user_x", b'{"event_id": "b1", "event_name": '),
        (
            good[0][0],
            b"user_x",
            orjson.dumps(
                {"event_id": "b2", "event_name": "page_viewed", "event_at": "2026-02-25T00:00:00Z"}
            ),
        ),
        (
            good[0][0],
            b"user_x",
            orjson.dumps(
                {
                    "event_id": "b3",
                    "event_name": "teleported",
                    "user_id": "user_x",
                    "event_at": "2026-02-25T00:00:00Z",
                }
            ),
        ),
        (
            good[0][0],
            b"user_x",
            orjson.dumps(
                {
                    "event_id": "b4",
                    "event_name": "page_viewed",
                    "user_id": "user_x",
                    "event_at": "2099-01-01T00:00:00Z",
                }
            ),
        ),
    ]
    records = good[:10] + bad + good[10:]
    topics = produce(broker, "dlq.", records)
    proc = run_processor(broker.bootstrap, "dlq.", tmp_path / "state")
    assert proc.returncode == 0, proc.stderr[-2000:]
    dead = read_topic(broker.bootstrap, topics.dead_letters)
    assert sorted(d["reason"] for d in dead) == [
        "malformed_json",
        "missing_user_and_device_id",
        "timestamp_in_future",
        "unknown_event_name",
    ]
    assert {d["value"] for d in dead if d["reason"] == "malformed_json"} == {
        '{"event_id": "b1", "event_name": '
    }
    assert 'journey_stream_dead_letters_total{reason="unknown_event_name"} 1' in proc.stderr
    fires, skips = expected(good)
    got_fires = {f["fire_id"] for f in read_topic(broker.bootstrap, topics.fires)}
    assert fires and got_fires == fires  # the good events after the bad ones were all evaluated
    assert {
        (s["fire_id"], s["reason"]) for s in read_topic(broker.bootstrap, topics.skips)
    } == skips


def test_kill_9_mid_stream_loses_no_fire_and_delivers_none_twice(broker, tmp_path):
    """kill -9 twice: restart with the local state kept, then with it wiped (changelog restore)."""
    prefix = "crash."
    records = synthetic_events(users=240, seed=11, noise_per_user=2)
    topics = produce(broker, prefix, records)
    state = tmp_path / "state"
    third = len(records) // 3
    first = run_processor(broker.bootstrap, prefix, state, crash_after=third)
    assert first.returncode == -9, first.stderr[-2000:]  # SIGKILL: no shutdown, no final commit
    # fires produced before the kill may or may not have reached the broker: either way the
    # restart must produce each of them (again), and the deliverer must send each once
    assert state.exists()
    second = run_processor(broker.bootstrap, prefix, state, crash_after=third)  # state kept
    assert second.returncode == -9, second.stderr[-2000:]
    shutil.rmtree(state)  # state wiped: restored from the changelog topics
    last = run_processor(broker.bootstrap, prefix, state)
    assert last.returncode == 0, last.stderr[-2000:]

    raw = read_topic(broker.bootstrap, topics.fires)
    deliverer = Deliverer(broker.bootstrap, topics.fires, tmp_path / "outbox.sqlite")
    deliverer.run(idle_exit_s=1.5)
    delivered = [r[0] for r in deliverer.db.execute("select fire_id from delivered_fires")]
    deliverer.close()

    fires, skips = expected(records)
    assert set(delivered) == fires  # none lost
    assert [f for f, n in Counter(delivered).items() if n > 1] == []  # none twice
    assert deliverer.stats.duplicates == len(raw) - len(fires)
    got_skips = {(s["fire_id"], s["reason"]) for s in read_topic(broker.bootstrap, topics.skips)}
    assert got_skips == skips


def decisions_within(bootstrap: str, topics: Topics, seconds: float) -> dict[str, str]:
    """fire id -> 'fired' or the skip reason, read from the fires and skips topics as they come."""
    import time

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"watch-{topics.fires}-{time.monotonic()}",
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": 20,
        }
    )
    consumer.subscribe([topics.fires, topics.skips])
    got: dict[str, str] = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(got) < 2:
        msg = consumer.poll(0.1)
        if msg is not None and msg.error() is None:
            value = orjson.loads(msg.value())
            got[value["fire_id"]] = value.get("reason") or "fired"
    consumer.close()
    return got


@pytest.mark.parametrize("ticks_ms", [0, 200])
def test_wall_clock_ticks_close_a_quiet_partitions_window(broker, tmp_path, ticks_ms):
    """A live feed goes quiet after two paystub uploads start: with wall-clock ticks the
    2-minute stalls are decided about when they close (due + lateness), without them never
    (the partitions see no later event): the negative control."""
    import time

    from journey_analytics.stream.engine import event_record, iso_ms

    prefix = f"tick{ticks_ms}."
    topics = Topics.with_prefix(prefix)
    create_topics(broker.bootstrap, topics.all(), PARTITIONS)
    cmd = processor_command(
        broker.bootstrap,
        prefix,
        tmp_path / "state",
        "--allowed-lateness-s",
        "1",
        "--wall-clock-ticks-ms",
        str(ticks_ms),
    )
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        from confluent_kafka import Producer

        producer = Producer({"bootstrap.servers": broker.bootstrap})
        # the stall window (2 minutes) of each upload closes 12 s from now
        started = int(time.time() * 1000) - 108_000
        fids = set()
        for user in ("u1", "u2"):  # one in each arm of the loan's 50% holdout
            key, value = event_record(
                user,
                "document_upload_started",
                iso_ms(started),
                f"e-{user}",
                {"document_type": "paystub", "loan_id": f"L-{user}"},
            )
            producer.produce(topics.events, key=key, value=value)
            fids.add(fire_id("loan_paystub_stall", "chatbot_help", user, f"e-{user}"))
        producer.flush(10)
        due = started + 120_000
        got = decisions_within(broker.bootstrap, topics, seconds=35 if ticks_ms else 25)
        decided_at = time.time() * 1000
        if not ticks_ms:
            # nothing decided while the partitions are quiet; the next record (a tick sent by
            # hand, as an external ticker would) decides both: the processor had them
            assert got == {}
            send_ticks(producer, topics.events, PARTITIONS, int(time.time() * 1000))
            producer.flush(10)
            got = decisions_within(broker.bootstrap, topics, seconds=30)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert set(got) == fids
    assert sorted(got.values()) == ["fired", "holdout"]
    if ticks_ms:
        assert decided_at - due < 15_000  # due + 1 s lateness + a tick, on a loaded machine
