"""The semantic layer parses with the main dbt (semantic models and metrics are core dbt
resources), and the measurement framework declared on the metrics is a valid tree; a bad
declaration is refused with the metric and key named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dbt_harness import DbtProject

from journey_analytics.semantic.framework import FrameworkError, check, declarations, tree

SEMANTIC_MODELS = {
    "active_user_days", "sessions", "events", "users", "funnel_units", "retention_cohorts",
    "attribution_channels", "rfm_customers",
}  # fmt: skip
REQUIRED_METRICS = {
    "dau", "wau", "mau", "stickiness", "sessions", "engaged_sessions", "engagement_rate",
    "revenue", "arpu", "funnel_conversion_rate", "funnel_step_2_conversion", "retention_day_1",
    "retention_day_7", "retention_week_1", "attributed_conversions", "attributed_revenue", "roas",
    "rfm_customers",
}  # fmt: skip


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    project = DbtProject(workdir=tmp_path_factory.mktemp("semantic"))
    project.run("parse")
    target = project.workdir / "target"
    semantic = json.loads((target / "semantic_manifest.json").read_text())
    return {"dbt": json.loads((target / "manifest.json").read_text()), "semantic": semantic}


def test_semantic_models_and_metrics_parse_with_the_main_dbt(manifest) -> None:
    semantic = manifest["semantic"]
    assert {m["name"] for m in semantic["semantic_models"]} == SEMANTIC_MODELS
    names = {m["name"] for m in semantic["metrics"]}
    assert names >= REQUIRED_METRICS
    spine = manifest["dbt"]["nodes"]["model.journey.metricflow_time_spine"]
    assert spine["time_spine"]["standard_granularity_column"] == "date_day"


def test_the_declared_framework_is_one_tree_under_the_north_star(manifest) -> None:
    known = {m["name"] for m in manifest["dbt"]["metrics"].values()}
    nodes = check(declarations(manifest["dbt"]), known)
    assert [n.metric for n in nodes if n.role == "north_star"] == ["wau"]
    kpis = {n.metric for n in nodes if n.role == "kpi"}
    assert kpis == {"stickiness", "engagement_rate", "checkout_conversion_rate"}
    indicators = {n.metric: n.parent for n in nodes if n.role == "leading_indicator"}
    assert indicators == {
        "retention_day_7": "stickiness",
        "sessions": "engagement_rate",
        "checkout_step_2_conversion": "checkout_conversion_rate",
    }
    assert tree(nodes).splitlines()[0] == "north_star: wau (Weekly active users)"


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ({"a": {"role": "north_star"}, "b": {"role": "north_star"}},
         "exactly one metric must have role north_star; found ['a', 'b']"),
        ({"a": {"role": "north_star"}, "b": {"role": "kpi", "parent": "c"}},
         "metric 'b': meta.measurement_framework.parent 'c' is not declared as a north_star"),
        ({"a": {"role": "north_star"}, "b": {"role": "leading_indicator", "parent": "a"}},
         "metric 'b': meta.measurement_framework.parent 'a' is not declared as a kpi"),
        ({"a": {"role": "north_star"}, "b": {"role": "kpi", "parent": "zz"}},
         "metric 'b': meta.measurement_framework.parent 'zz' is not a metric"),
        ({"a": {"role": "north star"}},
         "metric 'a': meta.measurement_framework.role is 'north star'; allowed: north_star"),
        ({"a": {"role": "north_star", "owner": "x"}},
         "metric 'a': meta.measurement_framework has unknown key(s) ['owner']"),
        ({"a": {"role": "north_star"}, "b": {"role": "kpi"}},
         "metric 'b': meta.measurement_framework.parent is missing: a kpi needs a north_star"),
    ],
)  # fmt: skip
def test_a_bad_declaration_names_the_metric_and_key(declared, message) -> None:
    with pytest.raises(FrameworkError) as raised:
        check(declared, {"a", "b", "c"})
    assert message in str(raised.value)


def test_the_module_prints_the_tree(manifest, tmp_path: Path, capsys) -> None:
    from journey_analytics.semantic.framework import main

    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest["dbt"]))
    assert main([str(path)]) == 0
    assert "  kpi: stickiness" in capsys.readouterr().out
