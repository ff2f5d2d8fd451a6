"""The sample's events replayed through Kafka: the stream's fires and skips equal the warehouse's.

The warehouse builds fct_trigger_fires / fct_trigger_skips on the generated sample (the five
triggers declared in dbt_project.yml: cart, sign-up, trial, loan, and the win-back, whose entry
is a state of dim_user_cancellation_clusters and whose payload reads the preferred genre there
and the offer tier from fct_customer_clv_predicted). The build's user-state snapshot is
published to the compacted topic (scripts/stream_publish_state.py's code), and the fct_events
rows are replayed, in load order and keyed by user id, into a Tansu broker that this test starts
on loopback and stops; the processor (scripts/stream_process.py) reads the spec printed by
`print_trigger_spec`. Fires and skips are compared one by one on (fire id, arm, reason,
payload), every reason included; the win-back payloads are also checked against the generator's
planted truth. Negative controls (a changed rule, a stale state snapshot on the stream side)
must be caught.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from journey_analytics.stream.broker import TansuBroker, create_topics
from journey_analytics.stream.engine import (
    evaluate_offline,
    load_suppressions,
    parse_time_ms,
    tick_record,
)
from journey_analytics.stream.processor import SUPPRESSIONS_SEED, Topics, load_taxonomy
from journey_analytics.stream.replay import replay
from journey_analytics.stream.spec import TriggerSpec, extract_json, load_spec
from journey_analytics.stream.user_state import UserState, publish, snapshot_from_duckdb

ROOT = Path(__file__).resolve().parents[2]

from dbt_harness import DbtProject  # noqa: E402

ISO = "%Y-%m-%dT%H:%M:%S.%fZ"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("stream_sample")
    project = DbtProject(
        workdir=root / "project",
        base_vars={
            "journey__generic_events_path": str(sample_dir / "events" / "*.parquet"),
            # the sample's CRM survey: the win-back trigger's cancellation clusters
            "journey__crm_cancellation_survey_path": str(sample_dir / "cancellation_survey.csv"),
        },
    )
    project.run("seed")
    project.run("run", "--select", "+fct_trigger_fires", "+fct_trigger_skips")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        project.run("run-operation", "print_trigger_spec")
    spec_json = extract_json(out.getvalue())
    (root / "spec.json").write_text(spec_json)
    rows = project.query(
        f"""
        select event_id, event_name, strftime(event_at, '{ISO}'), user_id, anonymous_id,
            properties, strftime(loaded_at, '{ISO}')
        from fct_events
        order by loaded_at, event_at, event_id
        """
    )
    spec = load_spec(spec_json)
    # every declared trigger is streamed: the win-back reads the build's user-state snapshot
    assert [t.name for t in spec.not_streamable] == []
    fires = project.query("select fire_id, arm, 'fired', payload from fct_trigger_fires")
    skips = project.query("select fire_id, arm, skip_reason, payload from fct_trigger_skips")
    return {
        "root": root,
        "spec_path": root / "spec.json",
        "spec": spec,
        "rows": rows,
        "decisions": {(f, a, r, norm(p)) for f, a, r, p in fires + skips},
        # what the warehouse build publishes for the stream (scripts/stream_publish_state.py)
        "snapshot": snapshot_from_duckdb(project.database_path, "main", spec.state_relations),
    }


def norm(payload: Any) -> str:
    """A payload (JSON text or an object) in one canonical text."""
    value = orjson.loads(payload) if isinstance(payload, str | bytes) else payload
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def records(rows: list[tuple]) -> list[tuple[int, bytes | None, bytes]]:
    out = []
    for event_id, name, event_at, user, anonymous, properties, loaded_at in rows:
        value = {
            "event_id": event_id,
            "event_name": name,
            "event_at": event_at,
            "user_id": user,
            "anonymous_id": anonymous,
            "properties": orjson.loads(properties) if properties else {},
            "loaded_at": loaded_at,
        }
        key = user or anonymous
        out.append(
            (parse_time_ms(event_at) or 0, key.encode() if key else None, orjson.dumps(value))
        )
    return out


def final_tick(rows: list[tuple]) -> int:
    """The warehouse's last watermark before lateness: the latest event time stamped no later
    than its load."""
    return max(
        parse_time_ms(r[2]) or 0
        for r in rows
        if (parse_time_ms(r[2]) or 0) <= (parse_time_ms(r[6]) or 0)
    )


def expected(decisions: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
    return set(decisions)


def offline(spec: TriggerSpec, rows: list[tuple], snapshot: dict) -> set[tuple[str, ...]]:
    recs = [(k, v) for _ms, k, v in records(rows)] + [tick_record(final_tick(rows))]
    supp = load_suppressions(SUPPRESSIONS_SEED) if SUPPRESSIONS_SEED.exists() else {}
    outs, _ = evaluate_offline(
        spec,
        recs,
        load_taxonomy(),
        spec.allowed_lateness_seconds * 1000,
        now_ms=lambda: 4 * 10**12,
        suppressions=supp,
        user_state=UserState(snapshot),
    )
    return {decision(o.value) for o in outs if o.kind in ("fire", "skip")}


def decision(value: dict[str, Any]) -> tuple[str, str, str, str]:
    return (value["fire_id"], value["arm"], value.get("reason") or "fired", norm(value["payload"]))


def read_all(bootstrap: str, topic: str) -> list[dict]:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"r-{topic}"})
    parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    ends = {}
    for p in parts:
        high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
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


def test_sample_replayed_through_kafka_agrees_with_the_warehouse(
    warehouse: dict[str, Any], sample_truth: dict[str, Any]
) -> None:
    rows = warehouse["rows"]
    recs = records(rows)
    with TansuBroker() as broker:
        topics = Topics.with_prefix("sample.")
        create_topics(broker.bootstrap, topics.all(), 2)
        # the build's snapshot on the compacted topic, with a stale record published before it
        # (a user who is in no mart now: a tombstone must remove it)
        stale = {"u_left_the_marts": {"dim_user_cancellation_clusters": [{"x": 1}]}}
        publish(broker.bootstrap, topics.user_state, stale, "2026-01-01T00:00:00Z")
        n, gone = publish(broker.bootstrap, topics.user_state, warehouse["snapshot"], "build")
        assert (n, gone) == (len(warehouse["snapshot"]), 1)
        replay(
            broker.bootstrap, topics.events, recs, 2, final_tick_ms=final_tick(rows), progress=False
        )
        proc = subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "stream_process.py"),
                "--bootstrap",
                broker.bootstrap,
                "--spec",
                str(warehouse["spec_path"]),
                "--topic-prefix",
                "sample.",
                "--state-dir",
                str(warehouse["root"] / "state"),
                "--idle-exit-s",
                "2",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        fires = read_all(broker.bootstrap, topics.fires)
        skips = read_all(broker.bootstrap, topics.skips)
    assert "is not streamed" not in proc.stderr
    assert f"user state: {n + 2} records read" in proc.stderr  # stale, snapshot, tombstone
    got = {decision(f) for f in fires} | {decision(s) for s in skips}
    want = expected(warehouse["decisions"])
    assert sorted(got - want) == []
    assert sorted(want - got) == []
    # not vacuous: every trigger, the win-back included, and the main reasons are compared
    names = {f["trigger_name"] for f in fires}
    assert {t.name for t in warehouse["spec"].triggers} <= names
    assert {"fired", "exited", "holdout"} <= {r for _, _, r, _ in got}
    # the win-back's payload values from data equal the generator's planted truth
    # (preferred genre of the cancellation row; free_month for users with a predicted CLV)
    planted = {
        (t["user_id"], t["entry_event_id"], t["step"]): t["payload"]
        for t in sample_truth["triggers"]["winback_content_gap"]
        if t["arm"] == "treatment"
    }
    streamed = {
        (f["user_id"], f["entry_event_id"], f["step_index"]): f["payload"]
        for f in fires
        if f["trigger_name"] == "winback_content_gap"
    }
    assert streamed and set(streamed) <= set(planted)
    assert {k: planted[k] for k in streamed} == streamed
    offers = {p.get("offer") for p in streamed.values()}
    assert {"free_month", "discount_20"} <= offers
    assert len({p["genre"] for p in streamed.values() if "genre" in p}) > 1


def test_a_changed_rule_on_the_stream_side_is_caught(warehouse: dict[str, Any]) -> None:
    spec: TriggerSpec = warehouse["spec"]
    snapshot = warehouse["snapshot"]
    want = expected(warehouse["decisions"])
    assert offline(spec, warehouse["rows"], snapshot) == want  # the in-memory engine agrees too
    loan = next(t for t in spec.triggers if t.name == "loan_paystub_stall")
    assert loan.holdout_share == 0.5
    # the A/B split changed on the stream side only: 20% control instead of 50%
    changed = spec.with_trigger(dataclasses.replace(loan, holdout_share=0.2))
    got = offline(changed, warehouse["rows"], snapshot)
    assert got != want
    # the same decisions, caught by a different arm (and reason) of the loan's users
    assert {d[0] for d in want - got} == {d[0] for d in got - want}


def test_a_stale_user_state_on_the_stream_side_is_caught(warehouse: dict[str, Any]) -> None:
    """Negative control of the state join: the stream's snapshot loses the CLV mart (as if
    published before the CLV model ran), so every win-back offer falls to the default."""
    spec: TriggerSpec = warehouse["spec"]
    want = expected(warehouse["decisions"])
    stale = {
        user: {k: v for k, v in marts.items() if k != "fct_customer_clv_predicted"}
        for user, marts in warehouse["snapshot"].items()
    }
    got = offline(spec, warehouse["rows"], stale)
    wrong = got - want
    assert wrong
    assert {orjson.loads(d[3]).get("offer") for d in wrong} == {"discount_20"}
    # without any snapshot the win-back is not streamed, named, instead of deciding wrongly
    _outs, engine = evaluate_offline(spec, [], None)
    assert list(engine.not_streamed) == ["winback_content_gap"]
    assert (
        "dim_user_cancellation_clusters, fct_customer_clv_predicted"
        in (engine.not_streamed["winback_content_gap"])
    )
