"""Serving mode: BI reads published snapshot files, never the database a build is writing.

The central test runs a reader in another process (as a BI tool would be) that opens the serving
path read-only in a loop while a second `dbt build` rewrites the working database with other
data and the publisher swaps snapshots in. Every read must see one complete snapshot: every
table present, row counts equal to what the working database held when that snapshot was taken
(counted here, independently of the publisher), sessions matching events, and never an older
snapshot after a newer one.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from conftest import extra_selection
from dbt_harness import PROJECT_DIR, DbtProject

from journey_analytics.serving import (
    PublishError,
    list_versions,
    live_snapshot,
    publish,
    read_build,
    rollback,
    served_tables,
    versions_dir,
)

# The second build sessionises with a 10-minute timeout instead of 30: more, shorter sessions.
SECOND_BUILD_VARS = {"journey__session_timeout_minutes": 10}
# As production schedules do, it leaves out the dbt unit tests (their expectations assume the
# default settings); data tests still run.
SCHEDULED = ("--exclude-resource-type", "unit_test")


def copy_workspace(project: DbtProject, workdir: Path) -> DbtProject:
    """A private copy of a built project: its database and the dbt artefacts of its build."""
    (workdir / "target").mkdir(parents=True)
    shutil.copyfile(project.database_path, workdir / "journey.duckdb")
    for name in ("manifest.json", "run_results.json"):
        shutil.copyfile(project.workdir / "target" / name, workdir / "target" / name)
    return DbtProject(workdir=workdir, base_vars=dict(project.base_vars))


def publish_from(project: DbtProject, serving_path: Path, **options: Any) -> Any:
    return publish(project.database_path, project.workdir / "target", serving_path, **options)


def row_counts(database: Path, tables: list[str]) -> dict[str, int]:
    """count(*) of each schema.table, read straight from a database file."""
    with duckdb.connect(str(database), read_only=True) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}


def yaml_served_models() -> set[str]:
    """Models BI reads, from the YAML sources (not the manifest the publisher reads)."""
    names: set[str] = set()
    for path in (PROJECT_DIR / "models").rglob("*.yml"):
        document = yaml.safe_load(path.read_text()) or {}
        for model in document.get("models") or []:
            contract = ((model.get("config") or {}).get("contract")) or {}
            if contract.get("enforced"):
                names.add(model["name"])
        for exposure in document.get("exposures") or []:
            for ref in exposure.get("depends_on") or []:
                names.add(ref.removeprefix("ref('").removesuffix("')"))
    return names


def read_in_a_loop(
    serving_path: str, tables: list[str], stop: Any, reads: Any, out_path: str
) -> None:
    """A BI reader: open the serving path read-only, read every table, close; repeat.

    Runs in its own process. Writes one observation per read (or the error) to out_path.
    """
    observations: list[dict[str, Any]] = []
    while not stop.is_set():
        try:
            with duckdb.connect(serving_path, read_only=True) as con:
                snapshots = con.execute(
                    "select snapshot_id, invocation_id from _serving_snapshot"
                ).fetchall()
                metadata = dict(
                    con.execute(
                        "select table_schema || '.' || table_name, row_count from _serving_tables"
                    ).fetchall()
                )
                counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}
                invariants = con.execute(
                    "select (select count(*) from main.fct_sessions), "
                    "(select count(distinct session_id) from main.fct_events), "
                    "(select sum(event_count) from main.fct_sessions), "
                    "(select count(*) from main.fct_events)"
                ).fetchone()
            observations.append(
                {
                    "snapshots": [list(row) for row in snapshots],
                    "metadata": metadata,
                    "counts": counts,
                    "invariants": [int(value) for value in invariants],
                }
            )
        except Exception as error:
            observations.append({"error": repr(error)})
        with reads.get_lock():
            reads.value += 1
        time.sleep(0.005)
    Path(out_path).write_text(json.dumps(observations))


def wait_for_reads(reads: Any, more: int, reader: Any, timeout: float = 120.0) -> None:
    """Block until the reader has finished `more` further reads (each began after this call)."""
    target = reads.value + more
    deadline = time.monotonic() + timeout
    while reads.value < target:
        assert reader.is_alive(), "the reader process died"
        assert time.monotonic() < deadline, "the reader made no progress"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def workspace(built_sample: DbtProject, tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    return copy_workspace(built_sample, tmp_path_factory.mktemp("serving_workspace"))


def test_served_tables_are_the_contracted_and_exposed_marts(built_sample: DbtProject) -> None:
    manifest = json.loads((built_sample.workdir / "target" / "manifest.json").read_text())
    tables = served_tables(manifest)
    assert {t.name for t in tables} == yaml_served_models()
    by_name = {t.name: t for t in tables}
    assert "exposure:product_analytics_dashboard" in by_name["fct_sessions"].reasons
    assert "contract" in by_name["fct_sessions"].reasons
    # a non-contracted model can be asked for by name; an unknown name is refused by name
    requested = served_tables(manifest, ["int_events_canonical"])
    assert {t.name for t in requested} - {t.name for t in tables} == {"int_events_canonical"}
    with pytest.raises(PublishError, match="'fct_no_such_mart'"):
        served_tables(manifest, ["fct_no_such_mart"])


def test_snapshot_holds_copies_as_tables(workspace: DbtProject, tmp_path: Path) -> None:
    serving_path = tmp_path / "serving" / "journey.duckdb"
    snapshot = publish_from(workspace, serving_path, requested=["int_events_canonical"])
    assert snapshot is not None and serving_path.exists()
    with duckdb.connect(str(serving_path), read_only=True) as con:
        kinds = dict(
            con.execute(
                "select table_schema || '.' || table_name, table_type "
                "from information_schema.tables"
            ).fetchall()
        )
        (invocation_id,) = con.execute("select invocation_id from _serving_snapshot").fetchone()
    # two of them are views in the working database, reading staging views and the event files
    with duckdb.connect(str(workspace.database_path), read_only=True) as con:
        views = con.execute(
            "select table_name from information_schema.tables where table_type = 'VIEW' and "
            "table_name in ('int_events_canonical', 'fct_attribution_channel_report_wide')"
        ).fetchall()
    assert len(views) == 2
    assert set(kinds) == set(snapshot.row_counts) | {
        "main._serving_snapshot",
        "main._serving_tables",
    }
    assert set(kinds.values()) == {"BASE TABLE"}
    assert invocation_id == read_build(workspace.workdir / "target").invocation_id
    assert snapshot.row_counts == row_counts(workspace.database_path, sorted(snapshot.row_counts))
    # same rows, both ways, for a table and for a view of the working database
    with duckdb.connect() as con:
        con.execute(f"attach '{workspace.database_path}' as journey (read_only)")
        con.execute(f"attach '{serving_path}' as served (read_only)")
        for table in (
            "fct_sessions",
            "int_events_canonical",
            "fct_attribution_channel_report_wide",
        ):
            differences = con.execute(
                f"select count(*) from ((select * from journey.main.{table} except all "
                f"select * from served.main.{table}) union all (select * from "
                f"served.main.{table} except all select * from journey.main.{table}))"
            ).fetchone()[0]
            assert differences == 0, table
    # the same build again is not published twice unless forced
    assert publish_from(workspace, serving_path) is None
    assert publish_from(workspace, serving_path, force=True) is not None


def test_reader_sees_one_whole_snapshot_while_the_schedule_builds(
    workspace: DbtProject, tmp_path: Path
) -> None:
    serving_path = tmp_path / "serving" / "journey.duckdb"
    first = publish_from(workspace, serving_path, keep=2)
    tables = sorted(first.row_counts)
    old_counts = row_counts(workspace.database_path, tables)
    # the old build, kept aside so that old and new snapshots can alternate below
    old_project = copy_workspace(workspace, tmp_path / "old")
    published = [(first.snapshot_id, old_counts)]

    context = multiprocessing.get_context("spawn")
    stop, reads = context.Event(), context.Value("i", 0)
    out_path = tmp_path / "reads.json"
    reader = context.Process(
        target=read_in_a_loop, args=(str(serving_path), tables, stop, reads, str(out_path))
    )
    reader.start()
    try:
        wait_for_reads(reads, 3, reader)
        # the scheduled build rewrites the working database while the reader reads
        workspace.run(
            "build", "--full-refresh", *SCHEDULED, *extra_selection(), vars=SECOND_BUILD_VARS
        )
        reads_during_build = reads.value
        new_counts = row_counts(workspace.database_path, tables)
        second = publish_from(workspace, serving_path, keep=2)
        published.append((second.snapshot_id, new_counts))
        wait_for_reads(reads, 3, reader)
        # then many swaps in a row, old and new alternating, pruning files the reader may hold
        for turn in range(6):
            project = old_project if turn % 2 == 0 else workspace
            snapshot = publish_from(project, serving_path, keep=2)
            published.append((snapshot.snapshot_id, old_counts if turn % 2 == 0 else new_counts))
            wait_for_reads(reads, 2, reader)
    finally:
        stop.set()
        reader.join(timeout=60)
    assert reader.exitcode == 0
    observations = json.loads(out_path.read_text())

    changed = {t for t in tables if old_counts[t] != new_counts[t]}
    assert "main.fct_sessions" in changed and "main.fct_events" not in changed
    assert len(changed) >= 5, "the second build must change many marts"
    assert reads_during_build >= 20 and len(observations) >= 50
    errors = [o["error"] for o in observations if "error" in o]
    assert errors == []
    order = {snapshot_id: index for index, (snapshot_id, _) in enumerate(published)}
    seen = []
    for observation in observations:
        assert len(observation["snapshots"]) == 1
        snapshot_id, _ = observation["snapshots"][0]
        expected = published[order[snapshot_id]][1]
        assert observation["counts"] == expected, snapshot_id
        assert observation["metadata"] == expected, snapshot_id
        sessions, distinct_sessions, events_in_sessions, events = observation["invariants"]
        assert sessions == distinct_sessions and events_in_sessions == events
        seen.append(order[snapshot_id])
    assert seen == sorted(seen), "a reader saw an older snapshot after a newer one"
    assert set(seen) == set(range(len(published)))
    # the newest two files are kept, the live one is the last published, nothing half-written
    assert [p.stem for p in list_versions(serving_path)] == [s for s, _ in published[-2:]]
    assert live_snapshot(serving_path).snapshot_id == published[-1][0]
    assert not list(versions_dir(serving_path).glob("*.partial*"))


def test_failed_build_is_not_published(
    built_sample: DbtProject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = copy_workspace(built_sample, tmp_path_factory.mktemp("serving_failed"))
    serving_path = project.workdir / "serving" / "journey.duckdb"
    before = publish_from(project, serving_path)
    # sessions are rebuilt with other settings, then the data-driven attribution model fails:
    # the working database is left half rebuilt
    result = project.run(
        "build",
        "--full-refresh",
        *SCHEDULED,
        "--select",
        "+fct_attribution_data_driven",
        vars={**SECOND_BUILD_VARS, "journey__attribution_python_options": {"models": ["markov"]}},
        expect_ok=False,
    )
    assert not result.success
    rebuilt = row_counts(project.database_path, ["main.fct_sessions"])["main.fct_sessions"]
    assert rebuilt != before.row_counts["main.fct_sessions"]

    with pytest.raises(
        PublishError, match=r"model\.journey\.fct_attribution_data_driven \(error\)"
    ):
        publish_from(project, serving_path)
    command = [sys.executable, str(PROJECT_DIR / "scripts" / "publish_marts.py")]
    completed = subprocess.run(
        [
            *command,
            "--database",
            str(project.database_path),
            "--target-path",
            str(project.workdir / "target"),
            "--serving-path",
            str(serving_path),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
    )
    assert completed.returncode == 1
    assert "fct_attribution_data_driven" in completed.stderr
    live = live_snapshot(serving_path)
    assert live.snapshot_id == before.snapshot_id
    assert row_counts(serving_path, ["main.fct_sessions"]) == {
        "main.fct_sessions": before.row_counts["main.fct_sessions"]
    }
    assert [p.stem for p in list_versions(serving_path)] == [before.snapshot_id]
    assert not list(versions_dir(serving_path).glob("*.partial*"))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"status": "fail", "node": "test."}, r"test\.journey\.\S+ \(fail\)"),
        ({"status": "skipped", "node": "model.journey.dim_users"}, r"dim_users \(skipped\)"),
        ({"which": "compile"}, "was 'compile', not one of"),
    ],
)
def test_unsuccessful_run_results_are_refused(
    built_sample: DbtProject, tmp_path: Path, edit: dict[str, str], message: str
) -> None:
    """The real artefacts of the sample build, with one result or the command changed."""
    target = tmp_path / "target"
    target.mkdir()
    source = built_sample.workdir / "target"
    shutil.copyfile(source / "manifest.json", target / "manifest.json")
    run_results = json.loads((source / "run_results.json").read_text())
    if "which" in edit:
        run_results["args"]["which"] = edit["which"]
    else:
        result = next(r for r in run_results["results"] if r["unique_id"].startswith(edit["node"]))
        result["status"] = edit["status"]
    (target / "run_results.json").write_text(json.dumps(run_results))
    serving_path = tmp_path / "serving.duckdb"
    with pytest.raises(PublishError, match=message):
        publish(built_sample.database_path, target, serving_path)
    assert not serving_path.exists()


def test_refusals_name_what_is_wrong(built_sample: DbtProject, tmp_path: Path) -> None:
    target = built_sample.workdir / "target"
    with pytest.raises(PublishError, match=r"run_results\.json not found"):
        publish(built_sample.database_path, tmp_path, tmp_path / "serving.duckdb")
    with pytest.raises(PublishError, match="must differ from the working database"):
        publish(built_sample.database_path, target, built_sample.database_path)
    with pytest.raises(PublishError, match="'fct_no_such_mart'"):
        publish(
            built_sample.database_path,
            target,
            tmp_path / "s.duckdb",
            requested=["fct_no_such_mart"],
        )
    with pytest.raises(PublishError, match="keep must be at least 1"):
        publish(built_sample.database_path, target, tmp_path / "s.duckdb", keep=0)
    assert not (tmp_path / "s.duckdb").exists()


def test_pruned_snapshot_stays_readable_and_rollback(workspace: DbtProject, tmp_path: Path) -> None:
    serving_path = tmp_path / "serving" / "journey.duckdb"
    first = publish_from(workspace, serving_path, keep=2)
    # a reader holding the first snapshot open (through its version file: same inode)
    held = duckdb.connect(str(first.path), read_only=True)
    later = [publish_from(workspace, serving_path, keep=2, force=True) for _ in range(3)]
    assert not first.path.exists()
    assert [p.stem for p in list_versions(serving_path)] == [s.snapshot_id for s in later[-2:]]
    assert held.execute("select snapshot_id from _serving_snapshot").fetchone()[0] == (
        first.snapshot_id
    )
    sessions = held.execute("select count(*) from fct_sessions").fetchone()[0]
    assert sessions == first.row_counts["main.fct_sessions"]
    held.close()

    assert rollback(serving_path).snapshot_id == later[-2].snapshot_id
    with pytest.raises(PublishError, match="no kept snapshot older than"):
        rollback(serving_path)
    # a publish after a rollback is live again; the rolled-back file, no longer live, is pruned
    newest = publish_from(workspace, serving_path, keep=2, force=True)
    assert live_snapshot(serving_path).snapshot_id == newest.snapshot_id
    assert [p.stem for p in list_versions(serving_path)] == [
        later[-1].snapshot_id,
        newest.snapshot_id,
    ]


def test_a_read_write_reader_is_named(workspace: DbtProject, tmp_path: Path) -> None:
    serving_path = tmp_path / "serving" / "journey.duckdb"
    first = publish_from(workspace, serving_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('open', flush=True); "
            "sys.stdin.read()",
            str(serving_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(PublishError, match="BI readers must connect read-only"):
            publish_from(workspace, serving_path, force=True)
    finally:
        holder.communicate(input="", timeout=30)
    assert [p.stem for p in list_versions(serving_path)] == [first.snapshot_id]
