"""The package installed into another dbt project (integration_tests/), as a user installs it.

integration_tests/ installs the repository through packages.yml (`local: ../`), has a dim_users and
an event taxonomy seed of its own, disables the attribution mart folder, overrides vars (funnels,
retention and path analyses, the session timeout) and the events source location, and puts the
package's relations in a schema of their own. These tests run `dbt deps` and `dbt build` there on
a small generated sample and check that the parent's choices reached the package and nothing of
the parent leaked into it. A last test checks that the Python package the dbt Python models
import is one `pip install` away (a wheel with its subpackages and its dependencies declared).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_harness import PROJECT_DIR, DbtProject, release_duckdb

INTEGRATION_DIR = PROJECT_DIR / "integration_tests"
PACKAGE = "journey"
PARENT = "journey_integration_tests"
SESSION_TIMEOUT_MINUTES = 20  # integration_tests/dbt_project.yml
PYTHON_MODELS = (
    "fct_customer_clv_predicted",
    "fct_clv_holdout_calibration",
    "fct_power_user_comparison",
)


def _dbt(workdir: Path, *args: str, events_glob: str | None = None) -> Any:
    from dbt.cli.main import dbtRunner

    profiles = workdir / "profiles"
    profiles.mkdir(exist_ok=True)
    (profiles / "profiles.yml").write_text(
        f"{PARENT}:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        f"      path: '{workdir / 'integration.duckdb'}'\n      threads: 2\n"
    )
    cli = [
        *args,
        "--project-dir",
        str(INTEGRATION_DIR),
        "--profiles-dir",
        str(profiles),
        "--log-path",
        str(workdir / "logs"),
    ]
    if args[0] != "deps":
        cli += ["--target-path", str(workdir / "target")]
    if events_glob:
        cli += ["--vars", json.dumps({"journey__generic_events_path": events_glob})]
    result = dbtRunner().invoke(cli)
    release_duckdb()
    return result


@pytest.fixture(scope="module")
def parent_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`dbt deps` + `dbt build` of integration_tests/ on 150 generated people over 14 days."""
    workdir = tmp_path_factory.mktemp("integration")
    sample = workdir / "sample"
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_DIR / "scripts" / "generate_events.py"),
            "--users",
            "150",
            "--days",
            "14",
            "--seed",
            "11",
            "--out",
            str(sample),
            "--quiet",
        ],
        check=True,
    )
    deps = _dbt(workdir, "deps")
    assert deps.success, f"dbt deps failed: {deps.exception!r}"
    build = _dbt(workdir, "build", events_glob=str(sample / "events" / "*.parquet"))
    statuses = {r.node.unique_id: str(r.status) for r in (build.result.results or [])}
    failed = {uid: s for uid, s in statuses.items() if s.lower() in {"error", "fail", "skipped"}}
    assert build.success and not failed, f"dbt build of integration_tests failed: {failed}"
    manifest = json.loads((workdir / "target" / "manifest.json").read_text())
    return {
        "statuses": statuses,
        "manifest": manifest,
        "database": workdir / "integration.duckdb",
        "sample": sample,
    }


def _query(build: dict[str, Any], sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(build["database"]), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_package_python_models_run_in_the_parent(parent_build: dict[str, Any]) -> None:
    statuses = parent_build["statuses"]
    for name in PYTHON_MODELS:
        assert statuses.get(f"model.{PACKAGE}.{name}") == "success", name
    assert statuses.get(f"model.{PARENT}.dim_users") == "success"
    # the parent's singular tests (taxonomy override, users match) ran and passed
    parent_tests = {uid for uid in statuses if uid.startswith(f"test.{PARENT}.assert_")}
    assert len(parent_tests) == 2
    assert all(statuses[uid] == "pass" for uid in parent_tests)


def test_relations_do_not_collide(parent_build: dict[str, Any]) -> None:
    """Both projects have a dim_users: ours in the target schema, the package's in <schema>_journey."""
    columns = _query(
        parent_build,
        "select table_schema, list(column_name order by column_name) from information_schema.columns "
        "where table_name = 'dim_users' group by 1 order by 1",
    )
    by_schema = dict(columns)
    assert set(by_schema) == {"main", "main_journey"}
    assert by_schema["main"] == ["crm_lifecycle", "crm_signup_date", "crm_user_id"]
    assert "is_identified" in by_schema["main_journey"]
    package_schemas = _query(
        parent_build,
        "select distinct table_schema from information_schema.tables "
        "where table_name like 'fct\\_%' escape '\\' or table_name like 'int\\_%' escape '\\'",
    )
    assert package_schemas == [("main_journey",)]


def test_package_refs_stay_in_the_package(parent_build: dict[str, Any]) -> None:
    """No package node reads a parent node, except the seed the parent named in its place."""
    manifest = parent_build["manifest"]
    crossings = set()
    for node in manifest["nodes"].values():
        if node["package_name"] != PACKAGE:
            continue
        for parent in node.get("depends_on", {}).get("nodes", []):
            if parent.split(".")[1] == PARENT:
                crossings.add((node["name"], parent))
    readers = {name for name, _ in crossings}
    assert {parent for _, parent in crossings} == {f"seed.{PARENT}.crm_event_taxonomy"}
    assert {"int_events_canonical", "fct_events"} <= readers
    # the package's own readers of dim_users read the package's dim_users
    for name in ("dim_user_clv", "int_segments_user_metrics"):
        deps = manifest["nodes"][f"model.{PACKAGE}.{name}"]["depends_on"]["nodes"]
        assert f"model.{PACKAGE}.dim_users" in deps
        assert f"model.{PARENT}.dim_users" not in deps


def test_disabled_folder_and_its_exposures_are_gone(parent_build: dict[str, Any]) -> None:
    manifest = parent_build["manifest"]
    enabled = [uid for uid in manifest["nodes"] if ".fct_attribution_" in uid]
    assert enabled == []
    disabled = [
        uid for uid in manifest["disabled"] if uid.startswith(f"model.{PACKAGE}.fct_attribution")
    ]
    assert len(disabled) >= 5
    assert manifest["exposures"] == {}
    tables = _query(
        parent_build,
        "select count(*) from information_schema.tables where table_name like '%attribution%'",
    )
    assert tables == [(0,)]


def test_parent_vars_reach_the_package(parent_build: dict[str, Any]) -> None:
    funnels = _query(parent_build, "select distinct funnel_name from main_journey.fct_funnel_steps")
    assert funnels == [("browse_to_cart",)]
    retention = _query(
        parent_build, "select distinct analysis_name from main_journey.fct_retention_curves"
    )
    assert retention == [("weekly_activity",)]
    paths = _query(
        parent_build, "select distinct analysis_name from main_journey.fct_path_flow_links"
    )
    assert paths == [("after_cart",)]


def test_parent_session_timeout_is_applied(parent_build: dict[str, Any]) -> None:
    """Gaps inside a session stay within 20 minutes, and some new sessions start after a gap of
    20-30 minutes, which the package's default of 30 would have kept in one session."""
    gaps = _query(
        parent_build,
        """
        with ordered as (
            select
                session_id,
                event_at,
                lag(event_at) over (partition by session_id order by event_at, event_id) as prev_in_session
            from main_journey.fct_events
        )
        select max(epoch(event_at) - epoch(prev_in_session)) from ordered
        """,
    )
    assert gaps[0][0] <= SESSION_TIMEOUT_MINUTES * 60
    between = _query(
        parent_build,
        """
        with sessions as (
            select
                anonymous_id,
                session_id,
                min(event_at) as started_at,
                max(event_at) as ended_at
            from main_journey.fct_events
            group by 1, 2
        ),
        consecutive as (
            select
                epoch(started_at)
                - epoch(lag(ended_at) over (partition by anonymous_id order by started_at)) as gap
            from sessions
        )
        select count(*) from consecutive where gap > 20 * 60 and gap <= 30 * 60
        """,
    )
    assert between[0][0] > 0


def test_parent_taxonomy_names_the_events(parent_build: dict[str, Any]) -> None:
    """Raw 'search' events are our site_searched, counted against the raw files themselves."""
    named = dict(
        _query(parent_build, "select event_name, count(*) from main_journey.fct_events group by 1")
    )
    assert "products_searched" not in named
    raw_ids = duckdb.sql(
        f"select distinct cast(event_id as varchar) from read_parquet('{parent_build['sample']}/events/*.parquet') "
        "where trim(event_name) = 'search'"
    ).fetchall()
    kept = _query(
        parent_build,
        "select count(*) from main_journey.fct_events where trim(raw_event_name) = 'search'",
    )[0][0]
    quarantined = _query(
        parent_build,
        "select count(distinct event_id) from main_journey.fct_quarantined_events "
        "where trim(raw_event_name) = 'search'",
    )[0][0]
    assert named["site_searched"] == kept
    assert kept + quarantined == len(raw_ids)


def test_python_package_is_one_pip_install(tmp_path: Path) -> None:
    """The wheel of the repository holds every subpackage the dbt Python models import and declares
    their third-party dependencies, so `pip install <repo>` in the parent's environment suffices."""
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the repository
    source.mkdir()
    for name in ("pyproject.toml", "LICENSE", "NOTICE"):
        shutil.copy(PROJECT_DIR / name, source / name)
    shutil.copytree(
        PROJECT_DIR / "journey_analytics",
        source / "journey_analytics",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path)]
    subprocess.run([*pip_wheel, str(source)], check=True)
    (wheel,) = tmp_path.glob("journey_analytics-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = next(
            archive.read(n).decode() for n in names if n.endswith(".dist-info/METADATA")
        )
        archive.extractall(tmp_path / "site")
    assert not any(n.startswith(("journey_sample", "tests", "scripts")) for n in names)
    requires = {
        line.split(":", 1)[1].strip().split(">")[0].split(";")[0].strip()
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:")
    }
    assert {"numpy", "pandas", "scipy", "tqdm"} <= requires
    imports = sorted(
        line.strip()
        for path in (PROJECT_DIR / "models").rglob("*.py")
        for line in path.read_text().splitlines()
        if line.strip().startswith("from journey_analytics")
    )
    assert len(imports) >= len(PYTHON_MODELS) + 1
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r})\n"
        + "\n".join(imports)
        + "\nimport journey_analytics\nprint(journey_analytics.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    assert out.stdout.strip().startswith(str(tmp_path / "site"))


def test_incremental_run_in_the_parent_takes_late_events(parent_build: dict[str, Any]) -> None:
    """Runs last (it adds data): five late copies of existing events, under new ids, land in the
    package's incremental fct_events of the parent's schema on the next plain `dbt build`."""
    events = parent_build["sample"] / "events"
    count_sql = "select count(*) from main_journey.fct_events"
    before = _query(parent_build, count_sql)[0][0]
    duckdb.sql(
        f"copy (select * replace (cast(event_id as varchar) || '_late' as event_id) "
        f"from read_parquet('{events}/*.parquet') order by event_id limit 5) "
        f"to '{events}/part-late.parquet' (format parquet)"
    )
    workdir = parent_build["database"].parent
    build = _dbt(workdir, "build", events_glob=str(events / "*.parquet"))
    statuses = {r.node.unique_id: str(r.status) for r in (build.result.results or [])}
    failed = {uid: s for uid, s in statuses.items() if s.lower() in {"error", "fail", "skipped"}}
    assert build.success and not failed, failed
    assert _query(parent_build, count_sql)[0][0] == before + 5
    late = _query(
        parent_build,
        "select count(*) from main_journey.fct_events where event_id like '%\\_late' escape '\\'",
    )
    assert late == [(5,)]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"journey_taxonomy": "x"}, "key 'journey_taxonomy' is not a seed of the journey package"),
        ({"journey_event_taxonomy": "a.b.c"}, "'journey_event_taxonomy' must name a seed or model"),
        ({"journey_event_taxonomy": "no_such_seed"}, "no_such_seed"),
    ],
)
def test_bad_seed_override_is_refused_by_name(
    tmp_path: Path, overrides: dict[str, str], message: str
) -> None:
    project = DbtProject(workdir=tmp_path)
    result = project.run("parse", vars={"journey__seed_overrides": overrides}, expect_ok=False)
    assert not result.success
    assert message in str(result.exception)
