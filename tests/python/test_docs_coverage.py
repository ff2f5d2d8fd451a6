"""Documentation coverage: every doc block is used, every model and column is described.

Read from dbt's own artefacts: target/manifest.json (dbt parse) for the doc blocks, models and
declared columns, and catalog.json (dbt docs generate on the built sample) for the columns the
warehouse really has, so a column added to a model but not to its YAML is caught.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from dbt_harness import PROJECT_DIR, DbtProject

SCANNED = ("models", "macros", "seeds", "analyses", "tests/dbt", "snapshots")
# doc blocks dbt itself uses by name: the project's front page
IMPLICIT = {"__overview__"}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    project = DbtProject(workdir=tmp_path_factory.mktemp("docs"))
    project.run("parse")
    return json.loads((project.workdir / "target" / "manifest.json").read_text())


def referenced_doc_names() -> set[str]:
    pattern = re.compile(r"""\bdoc\(\s*['"](\w+)['"]\s*\)""")
    names: set[str] = set()
    files = [PROJECT_DIR / "dbt_project.yml"]
    for folder in SCANNED:
        if (PROJECT_DIR / folder).is_dir():
            files += [
                p
                for p in (PROJECT_DIR / folder).rglob("*")
                if p.suffix in {".yml", ".sql", ".md", ".py"}
            ]
    for path in files:
        names.update(pattern.findall(path.read_text()))
    return names


def journey_models(manifest: dict[str, Any]) -> dict[str, Any]:
    return {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == "journey"
    }


def test_the_project_has_an_overview_page(manifest: dict[str, Any]) -> None:
    overview = manifest["docs"]["doc.journey.__overview__"]
    assert "Journey analytics" in overview["block_contents"]


def test_every_doc_block_is_referenced(manifest: dict[str, Any]) -> None:
    blocks = {doc["name"] for doc in manifest["docs"].values() if doc["package_name"] == "journey"}
    assert len(blocks) > 5
    unreferenced = blocks - IMPLICIT - referenced_doc_names()
    assert unreferenced == set()


def test_every_model_and_declared_column_is_described(manifest: dict[str, Any]) -> None:
    missing = []
    for node in journey_models(manifest).values():
        if not node["description"].strip():
            missing.append(node["name"])
        missing += [
            f"{node['name']}.{name}"
            for name, column in node["columns"].items()
            if not column["description"].strip()
        ]
    assert missing == []


def test_every_built_column_is_declared(built_sample: DbtProject) -> None:
    """Every column of every built model (intermediate views included) is in the YAML."""
    target: Path = built_sample.workdir / "target"
    # the shared sample's run_results.json is the build's (tests/python/test_serving.py publishes
    # from it): keep it through `docs generate`, which writes its own
    build_results = (target / "run_results.json").read_bytes()
    try:
        built_sample.run("docs", "generate")
    finally:
        (target / "run_results.json").write_bytes(build_results)
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    models = journey_models(manifest)
    undeclared = []
    checked = 0
    for uid, entry in catalog["nodes"].items():
        if uid not in models:
            continue
        checked += 1
        declared = {name.lower() for name in models[uid]["columns"]}
        undeclared += [
            f"{models[uid]['name']}.{name.lower()}"
            for name in entry["columns"]
            if name.lower() not in declared
        ]
    assert checked >= 40
    assert any(uid.startswith("model.journey.int_") for uid in catalog["nodes"])
    assert undeclared == []
