"""Benchmark of the trigger stream processor on a local Tansu broker.

Throughput: a backlog of synthetic canonical events (all sample triggers active; about 1 in 5
events is an entry or exit of some trigger) is produced first, then one processor, or two in one
consumer group, drain it; each process reports records per second from its first to its last
record.

Latency of stall rules: processors already running, a producer sends events live at a fixed
rate with event time on a compressed clock (``speed`` event seconds per wall second), so
2-minute paystub stalls close while the benchmark runs; the first ``warmup`` seconds of the live
load are not measured (the consumer group forms, and rebalances when the second process joins). A fire's latency is the wall time from
the arrival at the broker of the record that closed its window (the record's Kafka timestamp,
carried in the fire as ``window_closed_by_arrival_ms``) to the fire read by a consumer of the
fires topic, split into arrival -> decision in the processor (the fire's ``decided_at_ms``) and
decision -> read. Each phase records the 1-minute load average at its start and end.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from confluent_kafka import Consumer, Producer

from journey_analytics.stream.broker import TansuBroker, create_topics
from journey_analytics.stream.engine import iso_ms
from journey_analytics.stream.processor import Topics
from journey_analytics.stream.replay import replay, send_ticks
from journey_analytics.stream.synthetic import TAXONOMY_EXTRA, synthetic_events

ROOT = Path(__file__).resolve().parents[2]
RATE_LINE = re.compile(r"records (\d+); .* ([\d.]+) s from first to last record .* ([\d.]+) CPU s")


@dataclass
class BenchResult:
    processes: int
    records: int
    per_process: list[float] = field(default_factory=list)  # records/s of each process
    per_cpu_second: list[float] = field(default_factory=list)  # records per CPU second
    load: tuple[float, float] = (float("nan"), float("nan"))  # 1-min load average, start/end


def processor_cmd(
    bootstrap: str, spec: Path, prefix: str, state: Path, idle: float | None
) -> list[str]:
    cmd = [
        sys.executable,
        str(ROOT / "scripts" / "stream_process.py"),
        "--bootstrap",
        bootstrap,
        "--spec",
        str(spec),
        "--topic-prefix",
        prefix,
        "--group",
        f"{prefix}group",
        "--state-dir",
        str(state),
        "--extra-events",
        ",".join(TAXONOMY_EXTRA),
        "--allowed-lateness-s",
        "10",
    ]
    if idle:
        cmd += ["--idle-exit-s", str(idle)]
    return cmd


def throughput(
    broker: TansuBroker, spec: Path, processes: int, users: int, noise: int, work: Path
) -> BenchResult:
    prefix = f"tp{processes}."
    topics = Topics.with_prefix(prefix)
    create_topics(broker.bootstrap, topics.all(), 2)
    records = synthetic_events(users=users, seed=5, noise_per_user=noise)
    replay(
        broker.bootstrap, topics.events, records, 2, final_tick_ms=records[-1][0] + 86_400_000 * 20
    )
    load_start = os.getloadavg()[0]
    procs = [
        subprocess.Popen(
            processor_cmd(broker.bootstrap, spec, prefix, work / f"{prefix}{i}", idle=3.0),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(processes)
    ]
    result = BenchResult(processes, len(records))
    result.load = (load_start, float("nan"))
    for proc in procs:
        _out, err = proc.communicate(timeout=600)
        for match in RATE_LINE.finditer(err):
            n, seconds, cpu = int(match.group(1)), float(match.group(2)), float(match.group(3))
            result.per_process.append(n / seconds if seconds > 0 else 0.0)
            result.per_cpu_second.append(n / cpu if cpu > 0 else 0.0)
    result.load = (load_start, os.getloadavg()[0])
    return result


@dataclass
class LatencyResult:
    processes: int
    rate: float
    seconds: float
    fires: int
    median_ms: float
    p99_ms: float
    max_ms: float
    # the split: closing record's arrival -> decided in the processor (fetch, queue, engine),
    # decided -> read by the consumer of fires (produce, broker, fetch)
    to_decision_ms: tuple[float, float] = (float("nan"), float("nan"))  # median, p99
    to_reader_ms: tuple[float, float] = (float("nan"), float("nan"))
    load: tuple[float, float] = (float("nan"), float("nan"))  # 1-min load average, start/end


def percentiles(values: list[float]) -> tuple[float, float]:
    """(median, p99) of the values (nan when empty)."""
    if not values:
        return float("nan"), float("nan")
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def latency(
    broker: TansuBroker,
    spec: Path,
    processes: int,
    rate: float,
    seconds: float,
    speed: float,
    work: Path,
    warmup: float = 15.0,
) -> LatencyResult:
    prefix = f"lat{processes}."
    topics = Topics.with_prefix(prefix)
    create_topics(broker.bootstrap, topics.all(), 2)
    procs = [
        subprocess.Popen(
            processor_cmd(broker.bootstrap, spec, prefix, work / f"{prefix}{i}", idle=None),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(processes)
    ]
    latencies: list[float] = []
    measured = [float("inf")]  # fires whose window closed from then on (after the warm-up)
    split: list[tuple[float, float]] = []
    stop = threading.Event()

    def read_fires() -> None:
        consumer = Consumer(
            {
                "bootstrap.servers": broker.bootstrap,
                "group.id": f"{prefix}reader",
                "auto.offset.reset": "earliest",
                "fetch.wait.max.ms": 10,
                "session.timeout.ms": 6000,
                "heartbeat.interval.ms": 1000,
            }
        )
        consumer.subscribe([topics.fires])
        while not stop.is_set():
            msg = consumer.poll(0.05)  # one at a time: a batch read would wait to fill up
            if msg is not None and msg.error() is None:
                now = time.time() * 1000
                fire = orjson.loads(msg.value())
                closed = fire.get("window_closed_by_arrival_ms")
                if (
                    fire["trigger_name"] == "loan_paystub_stall"
                    and closed
                    and closed >= measured[0]
                ):
                    latencies.append(now - closed)
                    decided = fire.get("decided_at_ms")
                    if decided:
                        split.append((decided - closed, now - decided))
        consumer.close()

    reader = threading.Thread(target=read_fires, daemon=True)
    reader.start()
    # warm-up: live load for `warmup` seconds, not measured: the group forms (and rebalances
    # when the second process joins) meanwhile
    # linger 5 ms (librdkafka's default): 1 ms would send a thousand requests a second, and
    # the broker and this process would take the CPU the processors are measured on
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
    time.sleep(3.0)
    rng = random.Random(9)
    open_uploads: dict[str, str] = {}
    load_start = float("nan")
    wall0 = time.time()
    event0 = int(wall0 * 1000)
    sent = 0
    while True:
        elapsed = time.time() - wall0
        if elapsed >= warmup and measured[0] == float("inf"):
            measured[0] = time.time() * 1000
            load_start = os.getloadavg()[0]
        if elapsed >= warmup + seconds:
            break
        target = int(elapsed * rate)
        while sent < target:
            sent += 1
            user = f"u{rng.randrange(50_000):05d}"
            ms = event0 + int((time.time() - wall0) * speed * 1000)
            roll = rng.random()
            props: dict[str, object] = {}
            if roll < 0.03:
                name = "document_upload_started"
                loan = f"L{sent}"
                props = {"document_type": "paystub", "loan_id": loan}
                open_uploads[user] = loan
            elif roll < 0.045 and user in open_uploads:
                name = "document_upload_completed"
                props = {"loan_id": open_uploads.pop(user)}
            else:
                name = "page_viewed"
            value = {
                "event_id": f"e{sent}",
                "event_name": name,
                "event_at": iso_ms(ms),
                "user_id": user,
                "anonymous_id": None,
                "properties": props,
            }
            producer.produce(topics.events, key=user.encode(), value=orjson.dumps(value))
        producer.poll(0)
        time.sleep(0.001)
    send_ticks(producer, topics.events, 2, event0 + int((warmup + seconds) * speed * 1000) + 10_000)
    producer.flush(30)
    time.sleep(3.0)
    stop.set()
    reader.join(10)
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    median, p99 = percentiles(latencies)
    return LatencyResult(
        processes,
        rate,
        seconds,
        len(latencies),
        median,
        p99,
        max(latencies) if latencies else float("nan"),
        percentiles([a for a, _ in split]),
        percentiles([b for _, b in split]),
        (load_start, os.getloadavg()[0]),
    )


def run_all(
    spec: Path,
    users: int,
    noise: int,
    rate: float,
    seconds: float,
    speed: float,
    warmup: float = 10.0,
) -> tuple[list[BenchResult], list[LatencyResult]]:
    # each phase on a fresh broker: Tansu keeps every topic in memory and slows down as the
    # earlier phases' hundreds of thousands of records pile up (a Kafka cluster does not)
    tps, lats = [], []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for n in (1, 2):
            with TansuBroker() as broker:
                tps.append(throughput(broker, spec, n, users, noise, work))
        for n in (1, 2):
            with TansuBroker() as broker:
                lats.append(latency(broker, spec, n, rate, seconds, speed, work, warmup))
    return tps, lats
