"""Entry states and payload values from data on the stream, on hand-made snapshots (no broker).

A win-back-like trigger: entry ``page_viewed`` while the user has a row of
dim_user_cancellation_clusters with cluster content_gap, the visit 30 to 60 days after
cancelled_at (the latest such row when several); payload genre from that row, page from the
event, offer from fct_customer_clv_predicted by tiers. Expected values are worked out by hand
from the warehouse's SQL (trigger_state_condition_sql, trigger_payload_value_sql).
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from journey_analytics.stream.engine import evaluate_offline, event_record, tick_record
from journey_analytics.stream.spec import Predicate, load_spec
from journey_analytics.stream.user_state import (
    UserState,
    payload_value,
    read_file,
    row_matches,
    write_file,
)

DAY = 86_400
SPEC = load_spec(
    {
        "spec_version": 1,
        "triggers": [
            {
                "name": "wb",
                "entry": {
                    "events": ["page_viewed"],
                    "where": [],
                    "state": {
                        "relation": "dim_user_cancellation_clusters",
                        "order_column": "cancelled_at",
                        "where": [
                            {
                                "field": {"kind": "column", "name": "cancellation_cluster"},
                                "op": "eq",
                                "value": "content_gap",
                            }
                        ],
                        "within": {
                            "column": "cancelled_at",
                            "min_seconds": 30 * DAY,
                            "max_seconds": 60 * DAY,
                        },
                    },
                },
                "exit": {"events": ["subscription_started"]},
                "steps": [
                    {
                        "name": "ad",
                        "offset_seconds": 0,
                        "channel": "ads",
                        "payload": {"template_id": "new_titles"},
                        "payload_fields": [
                            {"key": "genre", "source": "state", "name": "preferred_genre",
                             "relation": "dim_user_cancellation_clusters", "tiers": [],
                             "default": None},
                            {"key": "page", "source": "property", "name": "page",
                             "relation": None, "tiers": [], "default": "unknown"},
                        ],
                    },
                    {
                        "name": "offer",
                        "offset_seconds": 3 * DAY,
                        "channel": "email",
                        "payload": {"template_id": "winback_offer"},
                        "payload_fields": [
                            {"key": "offer", "source": "relation", "name": "predicted_clv",
                             "relation": "fct_customer_clv_predicted",
                             "tiers": [{"min": 0, "value": "free_month"},
                                       {"min": 100, "value": "vip"}],
                             "default": "discount_20"},
                        ],
                    },
                ],
                "holdout": {"share": 0.0, "salt": "wb"},
                "reentry": {"policy": "once"},
            }
        ],
    }
)  # fmt: skip

CLUSTERS = "dim_user_cancellation_clusters"
CLV = "fct_customer_clv_predicted"


def row(cancelled_at: str, cluster: str = "content_gap", genre: str = "drama") -> dict:
    return {
        "cancellation_cluster": cluster,
        "cancelled_at": cancelled_at,
        "preferred_genre": genre,
    }


def at(day: int, hour: int = 12) -> str:
    return datetime(2026, 3, day, hour, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def run(snapshot: dict, events: list[tuple]) -> dict[tuple[str, str], dict | str]:
    """(entry event id, step) -> payload of the fires, the reason of the skips."""
    recs = [event_record(user, name, ts, eid, props) for user, name, ts, eid, props in events] + [
        tick_record(int(datetime(2026, 4, 30, tzinfo=UTC).timestamp() * 1000))
    ]
    outs, engine = evaluate_offline(SPEC, recs, None, 0, now_ms=lambda: 4 * 10**12,
                                    user_state=UserState(snapshot))  # fmt: skip
    assert engine.not_streamed == {}
    return {
        (o.value["entry_event_id"], o.value["step_name"]): o.value.get("reason")
        or o.value["payload"]
        for o in outs
        if o.kind in ("fire", "skip")
    }


def test_entry_needs_the_state_row_within_its_window():
    # cancelled 2026-01-31 10:00: the window is [03-02 10:00, 04-01 10:00]
    snapshot = {
        "in": {CLUSTERS: [row("2026-01-31 10:00:00")], CLV: [{"predicted_clv": 12.5}]},
        "early": {CLUSTERS: [row("2026-02-01 13:00:00")]},  # 03-02 12:00 is 28 days 23 h after
        "other_cluster": {CLUSTERS: [row("2026-01-31 10:00:00", cluster="price")]},
    }
    events = [(u, "page_viewed", at(2), f"{u}-1", {"page": "home"}) for u in snapshot] + [
        ("nobody", "page_viewed", at(2), "n-1", {"page": "home"})
    ]
    got = run(snapshot, events)
    assert got == {
        ("in-1", "ad"): {"template_id": "new_titles", "genre": "drama", "page": "home"},
        ("in-1", "offer"): {"template_id": "winback_offer", "offer": "free_month"},
    }


def test_window_bounds_are_inclusive_and_the_latest_row_wins():
    snapshot = {
        # exactly 30 days before the visit (lower bound, inclusive), and a later row that also
        # matches: the latest by cancelled_at gives the genre
        "two": {
            CLUSTERS: [row("2026-01-31 12:00:00", genre="drama"),
                       row("2026-02-01 12:00:00", genre="kids"),
                       row("2026-02-02 12:00:00", cluster="price", genre="news")],
        },
        # exactly 60 days (upper bound, inclusive); no CLV row: the default offer
        "edge": {CLUSTERS: [row("2026-01-01 12:00:00", genre="sci_fi")]},
        # 60 days and one second: outside
        "past": {CLUSTERS: [row("2026-01-01 11:59:59")]},
    }  # fmt: skip
    events = [
        ("two", "page_viewed", at(3), "t-1", {"page": "home"}),
        ("edge", "page_viewed", at(2), "e-1", {}),
        ("past", "page_viewed", at(2), "p-1", {"page": "home"}),
    ]
    got = run(snapshot, events)
    assert got[("t-1", "ad")]["genre"] == "kids"
    assert got[("e-1", "ad")] == {"template_id": "new_titles", "genre": "sci_fi", "page": "unknown"}
    assert got[("e-1", "offer")]["offer"] == "discount_20"
    assert not any(entry == "p-1" for entry, _ in got)


def test_payload_read_at_entry_and_exit_and_reentry_still_apply():
    snapshot = {"a": {CLUSTERS: [row("2026-01-31 10:00:00")], CLV: [{"predicted_clv": 250}]}}
    events = [
        ("a", "page_viewed", at(2), "a-1", {"page": "home"}),
        ("a", "page_viewed", at(3), "a-2", {"page": "home"}),  # once: already entered
        ("a", "subscription_started", at(4), "a-3", {}),  # exits step 2 (due 03-05)
    ]
    got = run(snapshot, events)
    assert got == {
        ("a-1", "ad"): {"template_id": "new_titles", "genre": "drama", "page": "home"},
        ("a-1", "offer"): "exited",  # the exit at 03-04 is in (03-02, 03-05]
        ("a-2", "ad"): "already_entered",
        ("a-2", "offer"): "already_entered",
    }
    # a skip carries the payload read at the entry too: 250 >= 100, the highest tier
    recs = [event_record(*e) for e in events] + [tick_record(4 * 10**12 // 2)]
    outs, _ = evaluate_offline(SPEC, recs, None, 0, now_ms=lambda: 4 * 10**12,
                               user_state=UserState(snapshot))  # fmt: skip
    offers = [o.value["payload"]["offer"] for o in outs if o.value.get("step_name") == "offer"]
    assert offers == ["vip", "vip"]


@pytest.mark.parametrize(
    ("op", "value", "actual", "expected"),
    [
        ("eq", "content_gap", "content_gap", True),
        ("eq", "content_gap", None, False),
        ("ne", "price", None, True),  # SQL: (x is null or x != v)
        ("ne", "price", "price", False),
        ("in", ["a", "b"], "b", True),
        ("not_in", ["a", "b"], None, True),
        ("gt", 3, 4, True),
        ("gte", 3, 3.0, True),
        ("lt", 3, 10, False),  # numbers as numbers, not text ("10" < "3")
        ("is_set", False, None, True),
        ("is_set", True, 0, True),
    ],
)
def test_state_predicates_follow_the_warehouse_sql(op, value, actual, expected):
    assert row_matches(Predicate("column", "c", op, value), {"c": actual}) is expected


def test_payload_values_cast_and_tiers_as_the_warehouse():
    field = SPEC.triggers[0].steps[1].fields[0]
    assert [payload_value(field, v) for v in (None, -1, 0, 99.9, 100, "150")] == [
        "discount_20",
        "discount_20",
        "free_month",
        "free_month",
        "vip",
        "vip",
    ]
    genre = SPEC.triggers[0].steps[0].fields[0]
    assert [payload_value(genre, v) for v in ("drama", 7, 2.5, True, None)] == [
        "drama",
        "7",
        "2.5",
        "true",
        None,
    ]


def test_snapshot_file_round_trip_and_tombstone(tmp_path):
    snapshot = {"a": {CLUSTERS: [row("2026-01-31 10:00:00")]}, "b": {CLV: [{"predicted_clv": 1}]}}
    path = tmp_path / "state.jsonl"
    assert write_file(path, snapshot, "2026-03-01T00:00:00Z") == 2
    state = read_file(path)
    assert state.rows == snapshot and state.as_of == "2026-03-01T00:00:00Z"
    state.apply("a", None)
    assert not state.has("a") and state.has("b")
    state.apply("b", orjson.dumps({"user_id": "b", "relations": {CLV: [{"predicted_clv": 2}]}}))
    assert state.rows["b"][CLV] == [{"predicted_clv": 2}]
