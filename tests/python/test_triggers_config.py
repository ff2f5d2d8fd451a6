"""Bad trigger declarations are refused while dbt compiles, naming the trigger and the key.

Each case validates one declaration with `dbt run-operation trigger_configs --args` (the same
macro every trigger model calls); the unknown event name check, which needs the taxonomy
seed, is exercised on a built project in test_triggers.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dbt_harness import DbtProject

STEP = {"name": "email", "offset": "24 hours", "channel": "email"}


CLUSTERS = {
    "relation": "dim_user_cancellation_clusters",
    "where": {"cancellation_cluster": "content_gap"},
}
CLV = {"relation": "fct_customer_clv_predicted", "column": "predicted_clv"}


def stage_rank_at_least(rank: Any) -> dict[str, Any]:
    return {"relation": "dim_user_journey_stages", "where": {"current_stage_rank": {">=": rank}}}


def tier(minimum: Any) -> dict[str, Any]:
    return {"min": minimum, "value": "free_month"}


def trigger(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"name": "cart", "entry": "cart_viewed", "steps": [STEP]}
    base.update(overrides)
    return base


BAD = {
    "unknown_key": (trigger(colour="red"), "trigger 'cart': unknown key 'colour'"),
    "unknown_step_key": (
        trigger(steps=[{**STEP, "delay": "1 hour"}]),
        "trigger 'cart'.steps[1]: unknown key 'delay'",
    ),
    "threshold_not_a_number": (
        trigger(entry={"event": "cart_viewed", "where": {"cart_value": {">=": "lots"}}}),
        "trigger 'cart'.entry.where.cart_value: gte compares numbers, got: lots",
    ),
    "holdout_share_of_one": (
        trigger(holdout={"share": 1.0}),
        "trigger 'cart'.holdout.share must be a number from 0 to below 1",
    ),
    "holdout_share_as_text": (
        trigger(holdout={"share": "10%"}),
        "trigger 'cart'.holdout.share must be a number",
    ),
    "offset_zero_on_a_later_step": (
        trigger(
            steps=[
                {"name": "now", "offset": "0 minutes", "channel": "ads"},
                {"name": "again", "offset": "0 minutes", "channel": "email"},
            ]
        ),
        "trigger 'cart'.steps[2].offset must be a positive duration (an offset of 0",
    ),
    "negative_offset_after_an_immediate_step": (
        trigger(
            steps=[
                {"name": "now", "offset": "0 minutes", "channel": "ads"},
                {"name": "before", "offset": "-1 hours", "channel": "email"},
            ]
        ),
        "trigger 'cart'.steps[2].offset must be a duration",
    ),
    "negative_window": (
        trigger(steps=[{**STEP, "offset": "-2 hours"}]),
        "trigger 'cart'.steps[1].offset must be a duration",
    ),
    "steps_out_of_order": (
        trigger(
            steps=[
                {"name": "late", "offset": "6 days", "channel": "email"},
                {"name": "early", "offset": "3 days", "channel": "email"},
            ]
        ),
        "trigger 'cart'.steps[2].offset: steps follow each other by offset after entry, and step 'early'",
    ),
    "steps_at_the_same_offset": (
        trigger(
            steps=[
                {"name": "a", "offset": "3 days", "channel": "email"},
                {"name": "b", "offset": "72 hours", "channel": "in_app"},
            ]
        ),
        "cyclic",
    ),
    "step_name_twice": (
        trigger(
            steps=[
                {"name": "a", "offset": "3 days", "channel": "email"},
                {"name": "a", "offset": "4 days", "channel": "email"},
            ]
        ),
        "trigger 'cart'.steps[2].name: step name 'a' is used twice",
    ),
    "no_channel": (
        trigger(steps=[{"name": "a", "offset": "3 days"}]),
        "trigger 'cart'.steps[1].channel is required",
    ),
    "bad_reentry": (
        trigger(reentry="sometimes"),
        "trigger 'cart'.reentry must be 'once' or 'every <n> days'",
    ),
    "bad_quiet_hours": (
        trigger(quiet_hours={"start": "25:00", "end": "08:00"}),
        "trigger 'cart'.quiet_hours.start must be a local time 'HH:MM'",
    ),
    "bad_priority": (trigger(priority="high"), "trigger 'cart'.priority must be a whole number"),
    "bad_event_name": (
        trigger(exit={"events": ["Order Completed"]}),
        "trigger 'cart'.exit.events: event names are canonical",
    ),
    "bad_match_property": (
        trigger(exit={"events": ["order_completed"], "match_property": "loan id"}),
        "trigger 'cart'.exit.match_property: property names are letters",
    ),
    "bad_exit_since": (
        trigger(exit={"events": ["order_completed"], "since": "always"}),
        "trigger 'cart'.exit.since must be entry",
    ),
    "bad_predicate_operator": (
        trigger(entry={"event": "cart_viewed", "where": {"cart_value": {"~": 3}}}),
        "trigger 'cart'.entry.where.cart_value: an operator mapping has one key",
    ),
    "state_unknown_relation": (
        trigger(entry={"event": "page_viewed", "state": {"relation": "dim_users"}}),
        "trigger 'cart'.entry.state.relation must be one of the segment marts",
    ),
    "state_unknown_key": (
        trigger(entry={"event": "page_viewed", "state": {**CLUSTERS, "as_of": "now"}}),
        "trigger 'cart'.entry.state: unknown key 'as_of'",
    ),
    "state_unknown_column": (
        trigger(entry={"event": "page_viewed", "state": {**CLUSTERS, "where": {"segment": "x"}}}),
        "trigger 'cart'.entry.state.where.segment: dim_user_cancellation_clusters has no "
        "column 'segment'",
    ),
    "state_threshold_as_text": (
        trigger(entry={"event": "page_viewed", "state": stage_rank_at_least("high")}),
        "trigger 'cart'.entry.state.where.current_stage_rank: gte compares numbers, got: high",
    ),
    "state_text_for_a_number_column": (
        trigger(
            entry={
                "event": "page_viewed",
                "state": {
                    "relation": "dim_user_journey_stages",
                    "where": {"current_stage_rank": "three"},
                },
            }
        ),
        "trigger 'cart'.entry.state.where.current_stage_rank: dim_user_journey_stages."
        "current_stage_rank is bigint, so eq needs a number, got: three",
    ),
    "state_threshold_on_a_text_column": (
        trigger(
            entry={
                "event": "page_viewed",
                "state": {**CLUSTERS, "where": {"cancellation_cluster": {">": 2}}},
            }
        ),
        "dim_user_cancellation_clusters.cancellation_cluster is string, not a number: gt compares numbers",
    ),
    "state_within_not_a_time": (
        trigger(
            entry={
                "event": "page_viewed",
                "state": {
                    **CLUSTERS,
                    "within": {"column": "cancellation_cluster", "min": "30 days"},
                },
            }
        ),
        "trigger 'cart'.entry.state.within.column: dim_user_cancellation_clusters.cancellation_cluster is "
        "string, not a date or timestamp",
    ),
    "state_within_unknown_column": (
        trigger(
            entry={
                "event": "page_viewed",
                "state": {**CLUSTERS, "within": {"column": "churned_at", "min": "30 days"}},
            }
        ),
        "trigger 'cart'.entry.state.within.column: dim_user_cancellation_clusters has no "
        "column 'churned_at'",
    ),
    "state_within_max_before_min": (
        trigger(
            entry={
                "event": "page_viewed",
                "state": {
                    **CLUSTERS,
                    "within": {"column": "cancelled_at", "min": "60 days", "max": "30 days"},
                },
            }
        ),
        "trigger 'cart'.entry.state.within: max (30 days) is before min (60 days)",
    ),
    "payload_column_without_state": (
        trigger(steps=[{**STEP, "payload": {"genre": {"column": "preferred_genre"}}}]),
        "trigger 'cart'.steps[1].payload.genre: {column: preferred_genre} reads the entry state "
        "row, and the trigger declares no entry.state",
    ),
    "payload_unknown_column": (
        trigger(
            entry={"event": "page_viewed", "state": CLUSTERS},
            steps=[{**STEP, "payload": {"genre": {"column": "favourite_genre"}}}],
        ),
        "trigger 'cart'.steps[1].payload.genre.column: dim_user_cancellation_clusters has no "
        "column 'favourite_genre'",
    ),
    "payload_unknown_relation": (
        trigger(steps=[{**STEP, "payload": {"offer": {"relation": "users", "column": "x"}}}]),
        "trigger 'cart'.steps[1].payload.offer.relation must be one of the segment marts",
    ),
    "payload_tier_threshold_as_text": (
        trigger(steps=[{**STEP, "payload": {"offer": {**CLV, "tiers": [tier("100 USD")]}}}]),
        "trigger 'cart'.steps[1].payload.offer.tiers[1].min must be a number (the threshold), "
        "got: 100 USD",
    ),
    "payload_property_and_column": (
        trigger(steps=[{**STEP, "payload": {"genre": {"property": "genre", **CLV}}}]),
        "trigger 'cart'.steps[1].payload.genre: a value reads an entry event property or a "
        "column, not both",
    ),
    "duplicate_trigger": (
        [trigger(), trigger()],
        "trigger 'cart': the name is declared twice in journey__triggers",
    ),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    return DbtProject(workdir=tmp_path_factory.mktemp("trigger_config"))


def refusal(project: DbtProject, triggers: Any, vars: dict[str, Any] | None = None) -> str:
    declared = triggers if isinstance(triggers, list) else [triggers]
    log = project.workdir / "logs" / "dbt.log"
    start = log.stat().st_size if log.exists() else 0
    result = project.run(
        "run-operation",
        "trigger_configs",
        "--args",
        json.dumps({"triggers": declared}),
        vars=vars,
        expect_ok=False,
    )
    assert not result.success, "the declaration was accepted"
    # run-operation reports the compilation error in its log; a parse error is the exception
    with log.open() as handle:
        handle.seek(start)
        return str(result.exception) + handle.read()


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_declaration_is_refused_naming_trigger_and_key(project: DbtProject, case: str) -> None:
    triggers, expected = BAD[case]
    assert expected in refusal(project, triggers)


def test_holdout_and_global_control_above_100_percent(project: DbtProject) -> None:
    message = refusal(
        project,
        trigger(holdout={"share": 0.6}),
        vars={"journey__trigger_global_control": {"share": 0.45, "salt": "g"}},
    )
    assert "trigger 'cart'.holdout.share 0.6 plus the global control share 0.45" in message


def test_good_declaration_is_accepted_and_normalised(project: DbtProject, tmp_path: Path) -> None:
    result = project.run(
        "run-operation",
        "trigger_configs",
        "--args",
        json.dumps(
            {
                "triggers": [
                    trigger(
                        entry={
                            "event": "cart_viewed",
                            "where": {"cart_value": {">=": 150}, "coupon": {"is_null": True}},
                            "where_columns": {"utm_medium": {"!=": "email"}},
                        },
                        reentry="every 7 days",
                        holdout=0.1,
                    )
                ]
            }
        ),
    )
    assert result.success


def test_state_entry_immediate_step_and_payload_from_data_are_normalised(
    project: DbtProject, capsys: pytest.CaptureFixture[str]
) -> None:
    declared = trigger(
        entry={
            "event": "page_viewed",
            "state": {
                **CLUSTERS,
                "within": {"column": "cancelled_at", "min": "30 days", "max": "60 days"},
            },
        },
        steps=[
            {
                "name": "ad",
                "offset": "0 minutes",
                "channel": "ads",
                "payload": {"template_id": "t", "genre": {"column": "preferred_genre"}},
            },
            {
                "name": "email",
                "offset": "3 days",
                "channel": "email",
                "payload": {
                    "offer": {**CLV, "tiers": [tier(10), tier(50.5)], "default": "discount_20"},
                    "page": {"property": "page"},
                },
            },
        ],
    )
    capsys.readouterr()
    project.run("run-operation", "print_trigger_spec", vars={"journey__triggers": [declared]})
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (spec,) = [json.loads(line) for line in printed]
    (normalised,) = spec["triggers"]
    assert normalised["entry"]["state"] == {
        "relation": "dim_user_cancellation_clusters",
        "order_column": "cancelled_at",
        "where": [
            {
                "field": {"kind": "column", "name": "cancellation_cluster"},
                "op": "eq",
                "value": "content_gap",
            }
        ],
        "within": {"column": "cancelled_at", "min_seconds": 30 * 86400, "max_seconds": 60 * 86400},
    }
    ad, email = normalised["steps"]
    assert (ad["offset_seconds"], ad["payload"]) == (0, {"template_id": "t"})
    assert ad["payload_fields"] == [
        {
            "key": "genre",
            "source": "state",
            "relation": "dim_user_cancellation_clusters",
            "name": "preferred_genre",
            "tiers": [],
            "default": None,
        }
    ]
    assert email["payload"] == {}
    offer, page = email["payload_fields"]
    # tiers are tried from the highest threshold down
    assert offer["tiers"] == [
        {"min": 50.5, "value": "free_month"},
        {"min": 10, "value": "free_month"},
    ]
    assert (offer["source"], offer["relation"], offer["default"]) == (
        "relation",
        "fct_customer_clv_predicted",
        "discount_20",
    )
    assert (page["source"], page["name"], page["relation"]) == ("property", "page", None)
