"""Experiment and metric declarations: a bad one fails with a message naming the experiment or
metric and the key (validated by `dbt run-operation experiment_configs`, nothing is built)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dbt_harness import DbtProject
from experiments_scenario import EXPERIMENTS, METRICS

GOOD_METRIC = {"name": "m", "type": "count", "event": "planted_order", "window": "7 days"}
GOOD_EXPERIMENT = {"name": "e", "exposure_event": "experiment_viewed", "variants": {"a": 1, "b": 1}}

# (experiment changes, metric changes, text the error must contain)
BAD: list[tuple[dict[str, Any], dict[str, Any], str]] = [
    ({"variants": {"a": 1}}, {}, "experiment 'e': an experiment needs at least two variants"),
    ({"variants": ["a", "b"]}, {}, "variants must map each variant name to its declared share"),
    ({"variants": {"a": 1, "b": 0}}, {}, "variants.b must be a positive share"),
    ({"control": "z"}, {}, "control 'z' is not one of its variants"),
    ({"metrics": ["nope"]}, {}, "metric 'nope' is not declared in journey__experiment_metrics"),
    ({"correction": "bonferroni"}, {}, "correction must be bh (Benjamini-Hochberg) or holm"),
    ({"confidence_level": 95}, {}, "confidence_level must be a number between 0 and 1"),
    ({"exposure_event": None}, {}, "exposure_event (the event name that records an exposure) is required"),
    ({"varaints": {}}, {}, "unknown key 'varaints'"),
    ({"variant_property": "$.variant"}, {}, "variant_property must be a property key"),
    ({"experiment_key": "it's"}, {}, "experiment_key must be a non-empty value without quotes"),
    ({"variants": {"a": 1, "b'": 1}}, {}, "variant names must not contain quotes or backslashes"),
    ({}, {"type": "mean"}, "experiment metric 'm': type must be conversion, count, sum, ratio or retention"),
    ({}, {"window": None}, "experiment metric 'm': window is required"),
    ({}, {"window": "a fortnight"}, "window must be a duration"),
    ({}, {"direction": "up"}, "direction must be higher or lower"),
    ({}, {"type": "sum"}, "a sum metric needs value"),
    ({}, {"type": "conversion", "winsorize_percentile": 0.99}, "winsorize_percentile applies to count and sum metrics only"),
    ({}, {"winsorize_percentile": 99}, "winsorize_percentile must be a fraction in (0, 1]"),
    ({}, {"type": "retention", "window": None}, "retention_day must be a whole number of days"),
    ({}, {"type": "ratio", "numerator": {"event": "a"}, "denominator": {"agg": "users"}}, ".denominator.agg must be"),
    ({}, {"type": "ratio", "numerator": {"event": "a"}, "denominator": {"event": "b"}, "cuped_lookback": "7 days"}, "cuped_lookback is not supported on ratio metrics"),
    ({}, {"event": "Page View"}, "canonical fct_events.event_name"),
    ({}, {"numerator": {"event": "a"}}, "numerator only applies to type ratio"),
]  # fmt: skip


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    return DbtProject(workdir=tmp_path_factory.mktemp("experiment_config"))


def _validate(project: DbtProject, experiments: list[Any], metrics: list[Any]) -> tuple[bool, str]:
    log = project.workdir / "logs" / "dbt.log"
    start = log.stat().st_size if log.exists() else 0
    result = project.run(
        "run-operation",
        "experiment_configs",
        "--args",
        json.dumps({"experiments": experiments, "metrics": metrics}),
        expect_ok=False,
    )
    with log.open(encoding="utf-8") as handle:
        handle.seek(start)
        return result.success, handle.read()


@pytest.mark.parametrize(("experiment", "metric", "message"), BAD, ids=[m for _, _, m in BAD])
def test_bad_declaration_fails_naming_the_key(
    parsed: DbtProject, experiment: dict[str, Any], metric: dict[str, Any], message: str
) -> None:
    ok, text = _validate(parsed, [{**GOOD_EXPERIMENT, **experiment}], [{**GOOD_METRIC, **metric}])
    assert not ok
    assert message in text


def test_the_scenario_declarations_validate(parsed: DbtProject) -> None:
    ok, text = _validate(parsed, EXPERIMENTS, METRICS)
    assert ok, text[-2000:]
