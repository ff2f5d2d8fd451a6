"""Views handed to BI do not depend on the working directory.

The generic source's path var is relative by default ("data/sample/events/*.parquet"). It is
resolved against the dbt project directory at compile time, so dbt can run from any folder and
the built staging view can be opened from any other folder.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dbt_harness import PROJECT_DIR, DbtProject

CATALOGUE = Path(__file__).parent / "fixtures" / "core" / "bad_values.csv"

READ_VIEW = (
    "import sys, duckdb\n"
    "con = duckdb.connect(sys.argv[1], read_only=True)\n"
    "print(con.execute('select count(*) from stg_generic__events').fetchone()[0])\n"
)


def test_relative_path_view_opens_from_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    relative = CATALOGUE.relative_to(PROJECT_DIR)
    project = DbtProject(
        workdir=tmp_path / "dbt",
        base_vars={
            "journey__generic_events_path": str(relative),
            "journey__generic_events_format": "csv",
        },
    )
    # dbt itself runs from a folder where the relative path does not exist
    run_folder = tmp_path / "run_from_here"
    run_folder.mkdir()
    monkeypatch.chdir(run_folder)
    project.run("run", "--select", "stg_generic__events")

    with duckdb.connect(str(project.database_path), read_only=True) as con:
        view_sql = con.execute(
            "select sql from duckdb_views() where view_name = 'stg_generic__events'"
        ).fetchone()[0]
    assert f"'{CATALOGUE}'" in view_sql

    # ... and the view is read from yet another folder, in a fresh process (a BI tool)
    bi_folder = tmp_path / "bi_tool"
    bi_folder.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", READ_VIEW, str(project.database_path)],
        cwd=bi_folder,
        capture_output=True,
        text=True,
        check=True,
    )
    with CATALOGUE.open(encoding="utf-8", newline="") as handle:
        raw_rows = sum(1 for _ in csv.DictReader(handle))
    assert int(result.stdout.strip()) == raw_rows


def test_absolute_path_is_kept(tmp_path: Path) -> None:
    project = DbtProject(
        workdir=tmp_path / "dbt",
        base_vars={
            "journey__generic_events_path": str(CATALOGUE),
            "journey__generic_events_format": "csv",
        },
    )
    project.run("compile", "--select", "stg_generic__events")
    compiled = next((tmp_path / "dbt" / "target" / "compiled").rglob("stg_generic__events.sql"))
    assert f"read_csv('{CATALOGUE}'" in compiled.read_text()
