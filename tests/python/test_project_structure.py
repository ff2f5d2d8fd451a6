"""Structure rules in the spirit of dbt-project-evaluator, checked over the parsed manifest:
layer naming, who may read sources, documentation and contracts of marts, macro docs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dbt_harness import DbtProject


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    project = DbtProject(workdir=tmp_path_factory.mktemp("parse"))
    project.run("parse")
    return json.loads((project.workdir / "target" / "manifest.json").read_text())


def project_models(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "journey"
    ]


def layer(node: dict[str, Any]) -> str:
    return Path(node["original_file_path"]).parts[1]


def family(node: dict[str, Any]) -> str:
    """The folder under the layer: a source for staging, an analysis family otherwise."""
    return Path(node["original_file_path"]).parts[2]


# the half that acts on journeys reads the half that describes them: experiments measure the
# lift of triggers; triggers enter users by segment
ACTS_ON = {"experiments": ("triggers",), "triggers": ("segments",)}


def test_models_are_named_for_their_layer(manifest: dict[str, Any]) -> None:
    prefixes = {"staging": ("stg_",), "intermediate": ("int_",), "marts": ("fct_", "dim_")}
    prefixes["semantic"] = ("metricflow_",)  # MetricFlow's time spine beside the semantic models
    wrong = [
        node["name"]
        for node in project_models(manifest)
        if not node["name"].startswith(prefixes[layer(node)])
    ]
    assert wrong == []


def test_only_staging_reads_sources_and_staging_reads_nothing_else(
    manifest: dict[str, Any],
) -> None:
    problems = []
    for node in project_models(manifest):
        parents = node["depends_on"]["nodes"]
        sources = [p for p in parents if p.startswith("source.")]
        models = [p for p in parents if p.startswith("model.")]
        if sources and layer(node) != "staging":
            problems.append(f"{node['name']} reads a source outside staging")
        if len(sources) > 1:
            problems.append(f"{node['name']} reads more than one source")
        if layer(node) == "staging" and models:
            problems.append(f"{node['name']} (staging) reads models {models}")
        if layer(node) == "intermediate":
            # an analysis family's intermediate steps build on the core marts (events, sessions,
            # users) and on their own family's marts; never on another family's marts
            allowed = {"core", family(node), *ACTS_ON.get(family(node), ())}
            problems.extend(
                f"{node['name']} (intermediate) reads the {family(manifest['nodes'][m])} mart "
                f"{manifest['nodes'][m]['name']}"
                for m in models
                if layer(manifest["nodes"][m]) == "marts"
                and family(manifest["nodes"][m]) not in allowed
            )
    assert problems == []


def test_marts_are_documented_and_contracted(manifest: dict[str, Any]) -> None:
    problems = []
    for node in project_models(manifest):
        if layer(node) != "marts":
            continue
        if not node["description"].strip():
            problems.append(f"{node['name']}: no description")
        undocumented = [c for c, v in node["columns"].items() if not v["description"].strip()]
        if undocumented:
            problems.append(f"{node['name']}: undocumented columns {undocumented}")
        if node["language"] == "sql" and not node["config"]["contract"]["enforced"]:
            problems.append(f"{node['name']}: contract not enforced")
        if node["access"] != "public":
            problems.append(f"{node['name']}: access is {node['access']}, not public")
    assert problems == []


def test_every_model_has_a_description(manifest: dict[str, Any]) -> None:
    missing = [n["name"] for n in project_models(manifest) if not n["description"].strip()]
    assert missing == []


def test_every_project_macro_is_documented(manifest: dict[str, Any]) -> None:
    missing = [
        macro["name"]
        for macro in manifest["macros"].values()
        if macro["package_name"] == "journey"
        and not macro["name"].startswith(
            ("default__", "duckdb__", "bigquery__", "spark__", "materialization_")
        )
        and not macro["description"].strip()
    ]
    assert missing == []
