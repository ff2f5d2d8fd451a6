"""Event-time trigger evaluation of the stream engine on hand-made events (no broker).

Expected fires are worked out by hand from the rules in fixtures/stream/trigger_spec.json; the
fire id and the arm are recomputed here from the interface formulas with hashlib, independently of
journey_analytics.stream.hashing.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import orjson
import pytest

from journey_analytics.stream.engine import (
    evaluate_offline,
    event_record,
    parse_time_ms,
    tick_record,
)
from journey_analytics.stream.spec import SpecError, load_spec, load_spec_file

SPEC = load_spec_file(Path(__file__).parent / "fixtures" / "stream" / "trigger_spec.json")
TAXONOMY = {
    "page_viewed",
    "cart_viewed",
    "order_completed",
    "account_created",
    "profile_completed",
    "trial_started",
    "user_logged_in",
    "subscription_started",
    "document_upload_started",
    "document_upload_completed",
}
NOW = 1_900_000_000_000  # 2030-03-17: every hand-made event is in the past


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def bucket(user: str, salt: str) -> int:
    return int(md5(f"{salt}:{user}")[:8], 16) % 10000


def users_in(salt: str, share: float, control: bool, n: int = 1) -> list[str]:
    """The first users u0, u1, ... whose hash puts them in (or out of) the control share."""
    found = []
    i = 0
    while len(found) < n:
        user = f"u{i}"
        if (bucket(user, salt) < share * 10000) == control:
            found.append(user)
        i += 1
    return found


def run(records, lateness_ms=10_000):
    outputs, engine = evaluate_offline(SPEC, records, TAXONOMY, lateness_ms, now_ms=lambda: NOW)
    return outputs, engine


def loan_started(user, at, eid, doc="paystub"):
    return event_record(user, "document_upload_started", at, eid, {"document_type": doc})


def other(user, at, eid):
    return event_record(user, "page_viewed", at, eid)


TREATED = users_in("loan_paystub_stall", 0.5, control=False, n=3)
CONTROL = users_in("loan_paystub_stall", 0.5, control=True, n=1)


def test_stall_fires_when_watermark_passes_window_end():
    user = TREATED[0]
    outputs, _ = run(
        [
            loan_started(user, "2026-03-01T10:00:00Z", "e1"),
            other("x", "2026-03-01T10:02:09Z", "e2"),  # watermark 10:01:59: not yet
        ]
    )
    assert [o.kind for o in outputs] == []
    outputs, _ = run(
        [
            loan_started(user, "2026-03-01T10:00:00Z", "e1"),
            other("x", "2026-03-01T10:02:10Z", "e2"),  # watermark 10:02:00 = due
        ]
    )
    assert len(outputs) == 1
    fire = outputs[0]
    assert fire.kind == "fire"
    assert fire.value["fire_id"] == md5(f"loan_paystub_stall|chatbot_help|{user}|e1")
    assert fire.key == fire.value["fire_id"]
    assert fire.value["condition_true_at"] == "2026-03-01T10:02:00.000Z"
    assert fire.value["arm"] == "treatment"
    assert fire.value["channel"] == "chatbot"
    assert fire.value["payload"] == {"article_id": "paystub_help"}


def test_completion_inside_window_exits_and_other_documents_do_not_enter():
    user = TREATED[0]
    outputs, _ = run(
        [
            loan_started(user, "2026-03-01T10:00:00Z", "e1"),
            loan_started(TREATED[1], "2026-03-01T10:00:00Z", "e3", doc="id_card"),
            event_record(user, "document_upload_completed", "2026-03-01T10:01:30Z", "e2"),
            tick_record(1_900_000_000_000 - 1),
        ]
    )
    assert [(o.kind, o.value.get("reason"), o.value["entry_event_id"]) for o in outputs] == [
        ("skip", "exited", "e1")
    ]


def test_late_event_inside_lateness_cancels_pending_fire():
    user = TREATED[0]
    outputs, engine = run(
        [
            loan_started(user, "2026-03-01T10:00:00Z", "e1"),
            other("x", "2026-03-01T10:02:05Z", "e2"),  # watermark 10:01:55
            # completed at 10:01:59 arrives after a 10:02:05 event: 6 s late, lateness 10 s
            event_record(user, "document_upload_completed", "2026-03-01T10:01:59Z", "e3"),
            other("x", "2026-03-01T11:00:00Z", "e4"),
        ]
    )
    assert [(o.kind, o.value.get("reason")) for o in outputs] == [("skip", "exited")]
    assert engine.counters.late == 0


def test_event_later_than_lateness_is_reported_not_applied():
    user = TREATED[0]
    outputs, engine = run(
        [
            loan_started(user, "2026-03-01T10:00:00Z", "e1"),
            other("x", "2026-03-01T10:03:00Z", "e2"),  # watermark 10:02:50: fire goes out
            event_record(user, "document_upload_completed", "2026-03-01T10:01:00Z", "e3"),
        ]
    )
    assert [o.kind for o in outputs] == ["fire", "late"]
    late = outputs[1].value
    assert late["reason"] == "late_beyond_allowed_lateness"
    assert late["event_id"] == "e3"
    assert late["relevant_to_triggers"] == ["loan_paystub_stall"]
    assert engine.counters.late == 1


def test_out_of_order_entry_and_exit_inside_lateness():
    """The exit arrives before the (earlier) entry: the warehouse sees no stall, nor may we."""
    user = TREATED[0]
    outputs, _ = run(
        [
            event_record(user, "document_upload_completed", "2026-03-01T10:00:05Z", "e2"),
            loan_started(user, "2026-03-01T10:00:00Z", "e1"),
            other("x", "2026-03-01T12:00:00Z", "e3"),
        ]
    )
    assert [(o.kind, o.value.get("reason")) for o in outputs] == [("skip", "exited")]


def test_holdout_users_are_recorded_as_skips_with_their_arm():
    user = CONTROL[0]
    outputs, _ = run(
        [loan_started(user, "2026-03-01T10:00:00Z", "e1"), other("x", "2026-03-02T00:00:00Z", "e2")]
    )
    assert [(o.kind, o.value.get("reason"), o.value["arm"]) for o in outputs] == [
        ("skip", "holdout", "control")
    ]


def test_reentry_once_per_day():
    user = TREATED[0]
    outputs, _ = run(
        [
            loan_started(user, "2026-03-01T10:00:00Z", "a"),
            loan_started(user, "2026-03-01T10:30:00Z", "b"),  # inside 1 day of a: not a new entry
            loan_started(user, "2026-03-02T10:00:00Z", "c"),  # exactly 1 day later: new entry
            other("x", "2026-03-03T00:00:00Z", "z"),
        ]
    )
    assert [(o.kind, o.value["entry_event_id"], o.value.get("reason")) for o in outputs] == [
        ("fire", "a", None),
        ("skip", "b", "already_entered"),
        ("fire", "c", None),
    ]


def test_out_of_order_entry_displaces_later_pending_one():
    user = TREATED[0]
    outputs, _ = run(
        [
            loan_started(user, "2026-03-01T10:00:08Z", "later"),
            loan_started(user, "2026-03-01T10:00:00Z", "earlier"),  # 8 s late: inside lateness
            other("x", "2026-03-03T00:00:00Z", "z"),
        ]
    )
    assert [(o.kind, o.value["entry_event_id"], o.value.get("reason")) for o in outputs] == [
        ("fire", "earlier", None),
        ("skip", "later", "already_entered"),
    ]


def test_multi_step_trial_exits_on_login_after_first_step():
    user = users_in("trial_disengaged", 0.1, control=False)[0]
    outputs, _ = run(
        [
            event_record(user, "trial_started", "2026-03-01T00:00:00Z", "t0", {"plan": "pro"}),
            event_record(user, "user_logged_in", "2026-03-05T00:00:00Z", "l1"),  # day 4
            other("x", "2026-03-20T00:00:00Z", "z"),
        ]
    )
    got = [(o.kind, o.value["step_name"], o.value.get("reason")) for o in outputs]
    assert got == [
        ("fire", "case_study", None),
        ("skip", "demo_offer", "exited"),
        ("skip", "discount", "exited"),
    ]


def test_cart_threshold_predicate_and_string_numbers():
    treated = users_in("cart_abandoned_high_value", 0.1, control=False, n=3)
    outputs, _ = run(
        [
            event_record(
                treated[0], "cart_viewed", "2026-03-01T00:00:00Z", "c1", {"cart_value": 150}
            ),
            event_record(
                treated[1], "cart_viewed", "2026-03-01T00:00:00Z", "c2", {"cart_value": 149.99}
            ),
            event_record(
                treated[2], "cart_viewed", "2026-03-01T00:00:00Z", "c3", {"cart_value": "200"}
            ),
            other("x", "2026-03-03T00:00:00Z", "z"),
        ]
    )
    assert sorted(o.value["entry_event_id"] for o in outputs) == ["c1", "c3"]


def test_bad_input_goes_to_dead_letters_and_processing_continues():
    user = TREATED[0]
    records = [
        (b"k", b"{not json"),
        (
            b"k",
            orjson.dumps(
                {"event_id": "m", "event_name": "page_viewed", "event_at": "2026-03-01T10:00:00Z"}
            ),
        ),
        (
            b"u",
            orjson.dumps(
                {
                    "event_id": "n",
                    "event_name": "no_such_event",
                    "user_id": "u",
                    "event_at": "2026-03-01T10:00:00Z",
                }
            ),
        ),
        (
            b"u",
            orjson.dumps(
                {
                    "event_id": "f",
                    "event_name": "page_viewed",
                    "user_id": "u",
                    "event_at": "2099-01-01T00:00:00Z",
                }
            ),
        ),
        loan_started(user, "2026-03-01T10:00:00Z", "e1"),
        other("x", "2026-03-01T11:00:00Z", "e2"),
    ]
    outputs, engine = run(records)
    assert [(o.kind, o.value.get("reason")) for o in outputs] == [
        ("dlq", "malformed_json"),
        ("dlq", "missing_user_and_device_id"),
        ("dlq", "unknown_event_name"),
        ("dlq", "timestamp_in_future"),
        ("fire", None),
    ]
    assert engine.dlq_counts == {
        "malformed_json": 1,
        "missing_user_and_device_id": 1,
        "unknown_event_name": 1,
        "timestamp_in_future": 1,
    }


def test_exit_must_match_the_entry_loan_id():
    user = TREATED[0]
    outputs, _ = run(
        [
            event_record(
                user,
                "document_upload_started",
                "2026-03-01T10:00:00Z",
                "a",
                {"document_type": "paystub", "loan_id": "L1"},
            ),
            event_record(
                TREATED[1],
                "document_upload_started",
                "2026-03-01T10:00:00Z",
                "b",
                {"document_type": "paystub", "loan_id": "L7"},
            ),
            event_record(
                user, "document_upload_completed", "2026-03-01T10:01:00Z", "x", {"loan_id": "L2"}
            ),  # another loan: no exit for a
            event_record(
                TREATED[1],
                "document_upload_completed",
                "2026-03-01T10:01:00Z",
                "y",
                {"loan_id": "L7"},
            ),
            other("z", "2026-03-01T11:00:00Z", "z"),
        ]
    )
    got = {o.value["entry_event_id"]: (o.kind, o.value.get("reason")) for o in outputs}
    assert got == {"a": ("fire", None), "b": ("skip", "exited")}


def test_warehouse_printed_spec_is_read_unchanged():
    """The JSON printed by the warehouse (print_trigger_spec on its hand-made fixture)."""
    spec = load_spec_file(
        Path(__file__).parent / "fixtures" / "stream" / "warehouse_spec_example.json"
    )
    by_name = {t.name: t for t in spec.triggers}
    assert spec.global_control_share == 0.1
    cart = by_name["cart_abandoned_high_value"]
    assert [(p.kind, p.name, p.op, p.value) for p in cart.where] == [
        ("property", "cart_value", "gte", 150)
    ]
    assert (cart.reentry_policy, cart.reentry_seconds) == ("every", 7 * 86400)
    assert by_name["loan_paystub_stall"].exit_match_property == "loan_id"
    trial = by_name["trial_disengaged"]
    assert [s.after_seconds for s in trial.steps] == [3 * 86400, 6 * 86400, 12 * 86400]
    assert trial.exit_events == ("user_logged_in", "subscription_started")
    assert trial.where[0].op == "is_set"
    assert by_name["qh_drop"].quiet_hours == {
        "action": "drop",
        "end_minute": 420,
        "start_minute": 1320,
    }
    assert spec.stream_caveats() == []


def test_spec_errors_name_trigger_and_key():
    with pytest.raises(SpecError, match=r"trigger 'x', key 'steps\[0\]': missing key 'channel'"):
        load_spec(
            {
                "triggers": [
                    {
                        "name": "x",
                        "entry": {"events": ["a"]},
                        "steps": [{"name": "s", "offset_seconds": 60}],
                    }
                ]
            }
        )
    with pytest.raises(SpecError, match=r"trigger 'y', key 'reentry\.policy'"):
        load_spec(
            {
                "triggers": [
                    {
                        "name": "y",
                        "entry": {"events": ["a"]},
                        "steps": [{"name": "s", "offset_seconds": 60, "channel": "email"}],
                        "reentry": {"policy": "sometimes"},
                    }
                ]
            }
        )
    with pytest.raises(SpecError, match="spec_version 2"):
        load_spec({"spec_version": 2, "triggers": []})


def test_suppression_list_added_before_the_due_time():
    early, late = TREATED[0], TREATED[1]
    supp = {early: 1_772_358_000_000, late: 1_772_359_000_000}  # 09:40:00 and 09:56:40 UTC
    outputs, _ = evaluate_offline(
        SPEC,
        [
            loan_started(early, "2026-03-01T09:50:00Z", "a"),  # due 09:52: listed at 09:40
            loan_started(late, "2026-03-01T09:50:00Z", "b"),  # due 09:52: listed only at 09:56:40
            other("x", "2026-03-01T11:00:00Z", "z"),
        ],
        TAXONOMY,
        10_000,
        now_ms=lambda: NOW,
        suppressions=supp,
    )
    got = {o.value["entry_event_id"]: (o.kind, o.value.get("reason")) for o in outputs}
    assert got == {"a": ("skip", "suppressed"), "b": ("fire", None)}


def test_quiet_hours_in_the_users_time_zone_across_dst():
    """Hand-worked: 2026-03-08 is the US spring-forward day."""
    spec = load_spec_file(
        Path(__file__).parent / "fixtures" / "stream" / "warehouse_spec_example.json"
    )
    users = [u for u in (f"q{i}" for i in range(200)) if bucket(u, "journey-global") >= 1000][:3]
    ny, mars, utc = users
    records = [
        event_record(
            ny, "page_viewed", "2026-03-01T12:00:00Z", "t1", {"timezone": "America/New_York"}
        ),
        event_record(
            mars, "page_viewed", "2026-03-01T12:00:00Z", "t2", {"timezone": "Mars/Olympus"}
        ),
        # due 06:30 UTC = 01:30 EST, inside 21:00-08:00: delayed to 08:00 EDT = 12:00 UTC
        event_record(ny, "product_wishlisted", "2026-03-08T05:30:00Z", "w1"),
        # unknown zone falls back to UTC: due 11:00, outside quiet hours
        event_record(mars, "product_wishlisted", "2026-03-08T10:00:00Z", "w2"),
        # due 23:30 UTC, inside 22:00-07:00, declared drop
        event_record(utc, "review_submitted", "2026-03-08T22:30:00Z", "r1"),
        event_record("x", "page_viewed", "2026-03-09T12:00:00Z", "z"),
    ]
    outputs, _ = evaluate_offline(spec, records, None, 0, now_ms=lambda: NOW)
    got = {
        o.value["entry_event_id"]: (o.kind, o.value.get("reason"), o.value.get("send_at"))
        for o in outputs
    }
    assert got == {
        "w1": ("fire", None, "2026-03-08T12:00:00.000Z"),
        "w2": ("fire", None, None),
        "r1": ("skip", "quiet_hours", None),
    }


def test_channel_caps_and_priority_in_the_users_time_zone():
    """Caps email 1 per day, sms 1 per ISO week (the warehouse fixture's declarations)."""
    spec = load_spec_file(
        Path(__file__).parent / "fixtures" / "stream" / "warehouse_spec_example.json"
    )
    users = [u for u in (f"k{i}" for i in range(200)) if bucket(u, "journey-global") >= 1000][:2]
    a, b = users
    records = [
        # both due 03-03 10:00 and decided together: cart (priority 10) wins, promo (1) loses
        event_record(a, "cart_viewed", "2026-03-02T10:00:00Z", "a1", {"cart_value": 200}),
        event_record(a, "product_viewed", "2026-03-02T10:00:00Z", "a2"),
        # sms: Monday 03-09 03:30 goes out; Tuesday 03-10 03:30 is the same ISO week: capped
        event_record(b, "referral_sent", "2026-03-09T02:30:00Z", "b1"),
        event_record(b, "referral_sent", "2026-03-10T02:30:00Z", "b2"),
        # next ISO week: a slot again
        event_record(b, "referral_sent", "2026-03-16T02:30:00Z", "b3"),
        event_record("x", "page_viewed", "2026-03-17T12:00:00Z", "z"),
    ]
    outputs, _ = evaluate_offline(spec, records, None, 0, now_ms=lambda: NOW)
    got = {o.value["entry_event_id"]: (o.kind, o.value.get("reason")) for o in outputs}
    assert got == {
        "a1": ("fire", None),
        "a2": ("skip", "lower_priority"),
        "b1": ("fire", None),
        "b2": ("skip", "capped"),
        "b3": ("fire", None),
    }


def test_exit_since_ever_counts_exits_before_the_entry():
    trial = next(t for t in SPEC.triggers if t.name == "trial_disengaged")
    ever = SPEC.with_trigger(dataclasses.replace(trial, exit_since="ever"))
    user = users_in("trial_disengaged", 0.1, control=False)[0]
    records = [
        event_record(user, "subscription_started", "2026-02-28T00:00:00Z", "s0"),  # before entry
        event_record(user, "trial_started", "2026-03-01T00:00:00Z", "t0", {"plan": "pro"}),
        other("x", "2026-03-20T00:00:00Z", "z"),
    ]
    since_entry, _ = evaluate_offline(SPEC, records, TAXONOMY, 10_000, now_ms=lambda: NOW)
    since_ever, _ = evaluate_offline(ever, records, TAXONOMY, 10_000, now_ms=lambda: NOW)
    assert [(o.kind, o.value.get("reason")) for o in since_entry] == [("fire", None)] * 3
    assert [(o.kind, o.value.get("reason")) for o in since_ever] == [("skip", "exited")] * 3


def test_replay_reads_a_parquet_file_in_load_order_keyed_by_user(tmp_path):
    import duckdb

    from journey_analytics.stream.replay import read_events

    path = tmp_path / "events.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"""
            copy (
                select * from (values
                    ('e2', 'page_viewed', timestamp '2026-03-01 10:00:05', 'u1', 'd1', '{{}}',
                     timestamp '2026-03-01 10:00:06'),
                    ('e1', 'cart_viewed', timestamp '2026-03-01 10:00:00', null, 'd2',
                     '{{"cart_value": 200}}', timestamp '2026-03-01 10:00:09')
                ) as t(event_id, event_name, event_at, user_id, anonymous_id, properties, loaded_at)
            ) to '{path}' (format parquet)
            """
        )
    rows = read_events(str(path))
    assert [(ms, key) for ms, key, _ in rows] == [
        (parse_time_ms("2026-03-01T10:00:05Z"), b"u1"),  # loaded first
        (parse_time_ms("2026-03-01T10:00:00Z"), b"d2"),  # no user id: keyed by the device
    ]
    second = orjson.loads(rows[1][2])
    assert second["properties"] == {"cart_value": 200}
    assert second["event_at"] == "2026-03-01T10:00:00.000Z"
    assert second["loaded_at"] == "2026-03-01T10:00:09.000000Z"


def test_fast_timestamp_parse_and_format_equal_the_standard_library():
    """iso_ms / parse_time_ms skip datetime for the canonical format; the standard library's
    datetime is the reference, over random instants (1967 to 2096) and malformed texts."""
    import random
    from datetime import UTC, datetime

    from journey_analytics.stream.engine import iso_ms

    rng = random.Random(7)
    for _ in range(20_000):
        ms = rng.randrange(-(10**11), 4 * 10**12)
        text = datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        assert iso_ms(ms) == text
        if ms >= 0:
            assert parse_time_ms(text) == ms
    assert parse_time_ms("2026-03-02T14:00:00.250Z") == 1772460000250  # by hand: 20514 days
    for bad in (
        "2026-02-30T10:00:00.000Z",
        "2026-01-01T24:00:00.000Z",
        "2026-01-01T10:60:00.000Z",
        "2026-01-01T10:00:00.0a0Z",
        "2026-01-01T+1:00:00.000Z",
    ):
        assert parse_time_ms(bad) is None, bad
