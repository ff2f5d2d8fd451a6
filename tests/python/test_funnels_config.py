"""Funnel declarations: a bad one fails with a message naming the key (validated by
`dbt run-operation funnel_configs`, nothing is built); a good one with every option passes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dbt_harness import DbtProject
from test_funnels_engines import ALL_OPTIONS

# (declaration, text the error must contain)
BAD: list[tuple[dict[str, Any], str]] = [
    ({"name": "x", "stepz": ["a", "b"]}, "unknown key 'stepz'"),
    ({"name": "x", "steps": ["a", {"event": "b", "whre": {}}]}, "unknown key 'whre'"),
    ({"name": "x", "steps": ["a", "b"], "conversion_window": "1 fortnight"}, "conversion_window must be a duration"),
    ({"name": "x", "order": "any_order", "steps": ["a", {"event": "b", "within": "1 hour"}]}, "not available with order: any_order"),
    ({"name": "x", "steps": ["a", "b", "c"], "exclusions": [{"event": "d", "between": [3, 2]}]}, "between must satisfy"),
    ({"name": "x", "count_by": "attempts", "attempt_policy": "first", "steps": ["a", "b"]}, "remove attempt_policy"),
    ({"name": "x", "steps": ["a", {"event": "b", "where": {"price": {"gt": "cheap"}}}]}, "gt compares numbers"),
    ({"name": "x", "steps": ["a", "b"], "breakdown": {"property": "p", "at": "nope"}}, "breakdown.at must be"),
    ({"name": "x", "steps": ["Page View", "b"]}, "canonical fct_events.event_name"),
    ({"name": "x", "order": "strict", "ignore_events": ["a"], "steps": ["a", "b"]}, "also in ignore_events"),
    ({"name": "x", "steps": ["a", {"event": "b", "optional": True}]}, "cannot be optional"),
    ({"name": "x", "count_by": "people", "steps": ["a", "b"]}, "count_by must be users, sessions or attempts"),
    ({"name": "x", "steps": ["a", {"event": "b", "where_columns": {"nope": 1}}]}, "column must be one of"),
    ({"name": "x", "steps": ["a"]}, "steps must be a list of 2 to 10 steps"),
]  # fmt: skip


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    # no separate parse: the first run-operation parses the project
    return DbtProject(workdir=tmp_path_factory.mktemp("funnel_config"))


@pytest.mark.parametrize(("declaration", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_declaration_fails_naming_the_key(
    parsed: DbtProject, declaration: dict[str, Any], message: str
) -> None:
    log = parsed.workdir / "logs" / "dbt.log"
    start = log.stat().st_size if log.exists() else 0
    result = parsed.run(
        "run-operation",
        "funnel_configs",
        "--args",
        json.dumps({"funnels": [declaration]}),
        expect_ok=False,
    )
    assert not result.success
    with log.open(encoding="utf-8") as handle:
        handle.seek(start)
        text = handle.read()
    assert message in text


def test_good_declaration_validates(parsed: DbtProject) -> None:
    result = parsed.run(
        "run-operation", "funnel_configs", "--args", json.dumps({"funnels": ALL_OPTIONS})
    )
    assert result.success
