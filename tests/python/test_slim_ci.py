"""Slim CI for pull requests: `make ci-slim STATE=<main's target>`.

Main is built on the sample and its manifest written (`make ci-main-state`, dbt parse). A pull
request is a copy of the project with one model changed. The PR build runs the command the
Makefile runs (read from `make -n`) against production's database in a schema of its own: it
must build exactly the changed model and its descendants (found here from main's manifest, by
walking child_map), read every other parent from production (deferred: the PR schema holds
none of them), and give the tables production has.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_harness import PROJECT_DIR, DbtProject, release_duckdb

CHANGED = "int_funnel_attempts"
PROJECT_PARTS = ("dbt_project.yml", "models", "macros", "seeds", "tests/dbt", "analyses")


def make_command(state: Path) -> list[str]:
    """The dbt arguments of `make ci-slim`, as make would run them."""
    printed = subprocess.run(
        ["make", "-n", "ci-slim", f"STATE={state}"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (line,) = [line for line in printed.splitlines() if "dbt build" in line]
    words = shlex.split(line)
    return words[words.index("build") :]


def copy_project(target: Path) -> Path:
    for part in PROJECT_PARTS:
        source = PROJECT_DIR / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target / part)
    return target


def descendants(manifest: dict[str, Any], unique_id: str) -> set[str]:
    found, todo = {unique_id}, [unique_id]
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@pytest.fixture(scope="module")
def main(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> DbtProject:
    """Main: the changed model's ancestors and descendants built, and main's manifest."""
    project = DbtProject(
        workdir=tmp_path_factory.mktemp("main"),
        base_vars={"journey__generic_events_path": str(sample_dir / "events" / "*.parquet")},
    )
    project.run("seed")
    project.run("run", "--select", f"+{CHANGED}+")
    project.run("parse")  # target/manifest.json: what `make ci-main-state` writes
    return project


def test_slim_ci_builds_only_the_change_and_its_children(main: DbtProject, tmp_path: Path) -> None:
    from dbt.cli.main import dbtRunner

    state = main.workdir / "target"
    manifest = json.loads((state / "manifest.json").read_text())
    expected = descendants(manifest, f"model.journey.{CHANGED}")
    expected_models = {uid.split(".")[-1] for uid in expected if uid.startswith("model.")}
    assert len(expected_models) > 1  # the change has children, so the check means something

    # the pull request: a real edit of one model in a copy of the project
    pr_dir = copy_project(tmp_path / "pr")
    model = next((pr_dir / "models").rglob(f"{CHANGED}.sql"))
    model.write_text(model.read_text() + "\n-- pull request: reviewed the attempt rules\n")

    # CI's target: production's database (a copy of main's file, same name: the sources name
    # target.database, so another database would mark every source modified) and a schema of
    # its own, which holds none of the parents
    (tmp_path / "ci").mkdir()
    ci_database = tmp_path / "ci" / main.database_path.name
    shutil.copy(main.database_path, ci_database)
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        "journey:\n  target: ci\n  outputs:\n    ci:\n      type: duckdb\n"
        f"      path: '{ci_database}'\n      schema: pr_42\n      threads: 2\n"
    )
    args = make_command(state)
    assert args[:2] == ["build", "--select"] and "--defer" in args
    result = dbtRunner().invoke(
        [
            *args,
            "--project-dir",
            str(pr_dir),
            "--profiles-dir",
            str(profiles),
            "--target-path",
            str(tmp_path / "pr_target"),
            "--log-path",
            str(tmp_path / "pr_logs"),
            "--vars",
            json.dumps(main.base_vars),
        ]
    )
    release_duckdb()
    assert result.success, result.exception

    ran = {r.node.unique_id for r in result.result.results if r.node.resource_type != "operation"}
    # exactly the changed model, its descendants and the tests on them
    assert {uid for uid in ran if uid.startswith("model.")} == {
        uid for uid in expected if uid.startswith("model.")
    }
    assert ran <= expected | {
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "test"
        and set(node["depends_on"]["nodes"]) & expected
        and set(node["depends_on"]["nodes"]) <= expected
    } | {uid for uid in manifest["unit_tests"] if uid.split(".")[-2] in expected_models}
    assert any(uid.startswith("test.") for uid in ran)

    with duckdb.connect(str(ci_database), read_only=True) as con:
        built = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'pr_42'"
            ).fetchall()
        }
        # parents were read from production (schema main), not rebuilt
        assert built == expected_models
        for table in sorted(expected_models - {CHANGED}):
            only_pr, only_main = (
                con.execute(
                    f"select count(*) from (select * from {a}.{table} except all "
                    f"select * from {b}.{table})"
                ).fetchone()[0]
                for a, b in (("pr_42", "main"), ("main", "pr_42"))
            )
            rows = con.execute(f"select count(*) from pr_42.{table}").fetchone()[0]
            assert (only_pr, only_main) == (0, 0) and rows > 0, table


def test_ci_slim_refuses_a_missing_state(tmp_path: Path) -> None:
    done = subprocess.run(
        ["make", "-o", "setup", "ci-slim", f"STATE={tmp_path}"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert f"no manifest.json in STATE={tmp_path}" in done.stdout + done.stderr
