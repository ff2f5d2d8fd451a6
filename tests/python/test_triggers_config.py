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
    "window_of_zero": (
        trigger(steps=[{**STEP, "offset": "0 minutes"}]),
        "trigger 'cart'.steps[1].offset must be a positive duration",
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
