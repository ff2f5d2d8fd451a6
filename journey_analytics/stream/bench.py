"""Benchmark of the trigger stream processor on a local Tansu broker.

Throughput: a backlog of synthetic canonical events (all sample triggers active; about 1 in 5
events is an entry or exit of some trigger) is produced first, then one processor, or two in one
consumer group, drain it; each process reports records per second from its first to its last
record.

Latency of stall rules: processors already running, a producer sends events live at a fixed
rate with event time on a compressed clock (``speed`` event seconds per wall second), so
2-minute paystub stalls close while the benchmark runs. A fire's latency is the wall time from
the arrival at the broker of the record that closed its window (the record's Kafka timestamp,
carried in the fire as ``window_closed_by_arrival_ms``) to the fire read by a consumer of the
fires topic.
"""

from __future__ import annotations

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
    for proc in procs:
        _out, err = proc.communicate(timeout=600)
        for match in RATE_LINE.finditer(err):
            n, seconds, cpu = int(match.group(1)), float(match.group(2)), float(match.group(3))
            result.per_process.append(n / seconds if seconds > 0 else 0.0)
            result.per_cpu_second.append(n / cpu if cpu > 0 else 0.0)
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


def latency(
    broker: TansuBroker,
    spec: Path,
    processes: int,
    rate: float,
    seconds: float,
    speed: float,
    work: Path,
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
                if fire["trigger_name"] == "loan_paystub_stall" and closed:
                    latencies.append(now - closed)
        consumer.close()

    reader = threading.Thread(target=read_fires, daemon=True)
    reader.start()
    # warm-up: a tick per partition, then wait for the group to form
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 1})
    time.sleep(8.0)
    rng = random.Random(9)
    open_uploads: dict[str, str] = {}
    wall0 = time.time()
    event0 = int(wall0 * 1000)
    sent = 0
    while True:
        elapsed = time.time() - wall0
        if elapsed >= seconds:
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
    send_ticks(producer, topics.events, 2, event0 + int(seconds * speed * 1000) + 10_000)
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
    lat = sorted(latencies)
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else float("nan")
    return LatencyResult(
        processes,
        rate,
        seconds,
        len(lat),
        statistics.median(lat) if lat else float("nan"),
        p99,
        lat[-1] if lat else float("nan"),
    )


def run_all(
    spec: Path, users: int, noise: int, rate: float, seconds: float, speed: float
) -> tuple[list[BenchResult], list[LatencyResult]]:
    with tempfile.TemporaryDirectory() as tmp, TansuBroker() as broker:
        work = Path(tmp)
        tps = [throughput(broker, spec, n, users, noise, work) for n in (1, 2)]
        lats = [latency(broker, spec, n, rate, seconds, speed, work) for n in (1, 2)]
    return tps, lats
