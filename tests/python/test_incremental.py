"""Incremental runs equal a full refresh: the sample is loaded in batches by load time (late
and out-of-order events included), and after the last batch every table of the whole project
equals a full refresh on the same rows. The hand-made schedule of test_incremental_schedule.py
covers each named case load by load; this one covers every model on generated traffic."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from conftest import extra_selection
from dbt_harness import DbtProject, compare_tables

# processed_at: when a row was written; run_id/found_at of trigger fires and skips: the run that
# first found the row (an hourly schedule finds a fire earlier than one full refresh does)
# recomputed_from_at: the load moment the run that wrote a trigger watermark row recomputed from
TECHNICAL_COLUMNS = ("processed_at", "run_id", "found_at", "recomputed_from_at")
# a log of the runs themselves (the audience delta each run sent), not a function of the data:
# tests/python/test_triggers.py replays it against the audiences instead
RUN_LOGS = ("fct_trigger_audience_changes",)
CORE_TABLES = (
    "fct_events",
    "fct_sessions",
    "dim_users",
    "int_identity_map",
    "int_identity_pairs_daily",
    "fct_quarantined_events",
    "fct_unmapped_event_names",
)


def write_batches(sample_dir: Path, out: Path, batches: int) -> list[Path]:
    """Split the raw rows into batches of equal load-time ranks."""
    out.mkdir(parents=True, exist_ok=True)
    source = f"read_parquet('{sample_dir}/events/*.parquet', union_by_name = true)"
    paths = []
    with duckdb.connect() as con:
        con.execute(
            f"create table ranked as select *, ntile({batches}) over "
            "(order by loaded_at, event_id) as batch from " + source
        )
        late = con.execute(
            "select count(*) from ranked where event_timestamp < "
            "(select max(event_timestamp) from ranked r2 where r2.batch < ranked.batch)"
        ).fetchone()[0]
        assert late > 0, "the batches must contain events older than earlier batches"
        for batch in range(1, batches + 1):
            path = out / f"batch-{batch}.parquet"
            con.execute(
                f"copy (select * exclude (batch) from ranked where batch = {batch}) "
                f"to '{path}' (format parquet)"
            )
            paths.append(path)
    return paths


def load_incrementally(
    workdir: Path, batches: list[Path], selection: tuple[str, ...], extra_vars: dict
) -> DbtProject:
    live = workdir / "live"
    live.mkdir(parents=True)
    project = DbtProject(
        workdir=workdir,
        base_vars={"journey__generic_events_path": f"{live}/*.parquet", **extra_vars},
    )
    project.run("seed")
    for batch in batches:
        (live / batch.name).write_bytes(batch.read_bytes())
        project.run("run", *selection, *extra_selection())
    return project


@pytest.fixture(scope="module")
def batches(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    # JOURNEY_INCREMENTAL_BATCHES runs the proof with more, smaller loads
    count = int(os.environ.get("JOURNEY_INCREMENTAL_BATCHES", "4"))
    return write_batches(sample_dir, tmp_path_factory.mktemp("batches"), batches=count)


@pytest.fixture(scope="module")
def full_refresh(batches: list[Path], tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    workdir = tmp_path_factory.mktemp("full")
    data = workdir / "data"
    data.mkdir()
    for batch in batches:
        (data / batch.name).write_bytes(batch.read_bytes())
    project = DbtProject(
        workdir=workdir, base_vars={"journey__generic_events_path": f"{data}/*.parquet"}
    )
    project.run("seed")
    project.run("run", "--full-refresh", *extra_selection())
    return project


def test_incremental_batches_equal_full_refresh(
    batches: list[Path], full_refresh: DbtProject, tmp_path: Path
) -> None:
    incremental = load_incrementally(tmp_path / "incremental", batches, (), {})
    tables = [
        row[0]
        for row in full_refresh.query(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE' "
            "and table_name not like 'journey_%' order by 1"
        )
        if row[0] not in RUN_LOGS
    ]
    assert set(CORE_TABLES) <= set(tables)
    differences = {}
    for table in tables:
        only_full, only_incremental = compare_tables(
            full_refresh, incremental, table, exclude=TECHNICAL_COLUMNS
        )
        if only_full or only_incremental:
            differences[table] = (only_full, only_incremental)
    assert differences == {}
    # the incremental runs really were incremental: rows were written by several runs
    runs = incremental.query("select count(distinct processed_at) from fct_events")[0][0]
    assert runs > 1
