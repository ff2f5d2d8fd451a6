"""Processor metrics in the Prometheus text exposition format (version 0.0.4).

Counters come from the engine (events, dead letters by reason, late events, fires and skips by
trigger); gauges: consumer lag per partition (broker high watermark minus the group's committed
offset), event-time watermark per partition, and throughput over the last scrape interval.
``serve()`` exposes them on http://127.0.0.1:PORT/metrics.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from journey_analytics.stream.engine import PartitionEngine


def _label(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Metrics:
    """Renders the engine's counters plus lag and throughput gauges."""

    def __init__(self, engine: PartitionEngine) -> None:
        self.engine = engine
        self.lag: dict[int, int] = {}
        self.started = time.monotonic()
        self._last = (time.monotonic(), 0)
        self.rate = 0.0
        self.lock = threading.Lock()

    def update_rate(self) -> float:
        now, events = time.monotonic(), self.engine.counters.events + self.engine.counters.ticks
        then, before = self._last
        if now - then > 0:
            self.rate = (events - before) / (now - then)
        self._last = (now, events)
        return self.rate

    def render(self) -> str:
        eng = self.engine
        c = eng.counters
        lines: list[str] = []

        def metric(name: str, kind: str, help_text: str, samples: list[tuple[str, Any]]) -> None:
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")
            for labels, value in samples:
                lines.append(f"{name}{labels} {value}")

        metric("journey_stream_events_total", "counter", "Input events applied.", [("", c.events)])
        metric("journey_stream_ticks_total", "counter", "Watermark ticks read.", [("", c.ticks)])
        metric(
            "journey_stream_dead_letters_total",
            "counter",
            "Records sent to the dead-letter topic, by reason.",
            [(f'{{reason="{_label(r)}"}}', n) for r, n in sorted(eng.dlq_counts.items())],
        )
        metric(
            "journey_stream_late_events_total",
            "counter",
            "Events later than the allowed lateness (reported; applied to undecided steps only).",
            [("", c.late)],
        )
        metric(
            "journey_stream_fires_total",
            "counter",
            "Fires produced, by trigger.",
            [(f'{{trigger="{_label(t)}"}}', n) for t, n in sorted(eng.fire_counts.items())],
        )
        metric(
            "journey_stream_skips_total",
            "counter",
            "Would-be fires skipped, by trigger and reason.",
            [
                (f'{{trigger="{_label(t)}",reason="{_label(r)}"}}', n)
                for (t, r), n in sorted(eng.skip_counts.items())
            ],
        )
        metric(
            "journey_stream_watermark_ms",
            "gauge",
            "Event-time watermark per partition (epoch ms).",
            [(f'{{partition="{p}"}}', w) for p, w in sorted(eng.watermarks.items())],
        )
        metric(
            "journey_stream_consumer_lag",
            "gauge",
            "Records not yet committed by the consumer group, per partition.",
            [(f'{{partition="{p}"}}', n) for p, n in sorted(self.lag.items())],
        )
        metric(
            "journey_stream_throughput_events_per_second",
            "gauge",
            "Records per second since the previous scrape.",
            [("", round(self.update_rate(), 1))],
        )
        return "\n".join(lines) + "\n"


def serve(metrics: Metrics, port: int) -> ThreadingHTTPServer:
    """Serve ``/metrics`` on 127.0.0.1:port in a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = metrics.render().encode()
            self.send_response(200 if self.path.startswith("/metrics") else 404)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def watch_lag(
    metrics: Metrics, bootstrap: str, group: str, topic: str, every_s: float = 2.0
) -> None:
    """Keep ``metrics.lag`` up to date from a separate, non-subscribing consumer (daemon thread)."""
    from confluent_kafka import Consumer, TopicPartition

    def loop() -> None:
        consumer = Consumer(
            {"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False}
        )
        while True:
            try:
                parts = consumer.list_topics(topic, timeout=5).topics[topic].partitions
                tps = [TopicPartition(topic, p) for p in parts]
                for tp in consumer.committed(tps, timeout=5):
                    _low, high = consumer.get_watermark_offsets(tp, timeout=5)
                    committed = tp.offset if tp.offset >= 0 else 0
                    metrics.lag[tp.partition] = max(high - committed, 0)
            except Exception:  # metrics must never stop the processor
                pass
            time.sleep(every_s)

    threading.Thread(target=loop, daemon=True).start()
