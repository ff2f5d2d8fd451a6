"""The Spark target (dbt-spark, session mode) builds the same core tables as DuckDB.

One small generated sample (100 people over 7 days) is built twice: by the main environment's
dbt on DuckDB (in-process, the reference) and by the `.venv-spark` dbt on Spark (a subprocess;
`make spark-setup` creates that environment, docs/spark.md). The Spark tables are Parquet files
under the warehouse folder the profile names, read back here with DuckDB. Every column of
fct_events, fct_sessions and dim_users except processed_at (the run time) must be equal, row
for row. Skipped, with the reason, when .venv-spark or Java is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_harness import PROJECT_DIR, DbtProject

SPARK_DBT = PROJECT_DIR / ".venv-spark" / "bin" / "dbt"
SAMPLE = {"users": 100, "days": 7, "seed": 7}
CORE_TABLES = ("fct_events", "fct_sessions", "dim_users")
# What the Spark build runs here: the core marts and everything they need, with their data
# tests (unit tests are engine-independent logic checks and run on DuckDB).
SPARK_SELECTION = ["--select", "+fct_events", "+fct_sessions", "+dim_users"]

pytestmark = [
    pytest.mark.skipif(
        not SPARK_DBT.exists(),
        reason="no .venv-spark: run `make spark-setup` to create the Spark environment (docs/spark.md)",
    ),
    pytest.mark.skipif(
        shutil.which("java") is None,
        reason="Spark needs Java 17 (apt install openjdk-17-jre-headless)",
    ),
]


@pytest.fixture(scope="module")
def spark_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("spark_sample")
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_DIR / "scripts" / "generate_events.py"),
            *(f"--{key}={value}" for key, value in SAMPLE.items()),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out


def _events_vars(sample: Path) -> dict[str, Any]:
    return {"journey__generic_events_path": str(sample / "events" / "*.parquet")}


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory: pytest.TempPathFactory, spark_sample: Path) -> DbtProject:
    project = DbtProject(
        workdir=tmp_path_factory.mktemp("spark_ref"), base_vars=_events_vars(spark_sample)
    )
    project.run("seed")
    project.run("run", *SPARK_SELECTION)
    return project


def _spark_dbt(workdir: Path, *commands: list[str], events_vars: dict[str, Any]) -> Any:
    """Run dbt commands on the spark target of profiles.yml.example; the last one's result."""
    profiles = workdir / "profiles"
    profiles.mkdir(exist_ok=True)
    shutil.copy(PROJECT_DIR / "profiles.yml.example", profiles / "profiles.yml")
    env = {
        **os.environ,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "JOURNEY_SPARK_WAREHOUSE": str(workdir / "warehouse"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    common = [
        "--target",
        "spark",
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(profiles),
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
        "--vars",
        json.dumps(events_vars),
    ]
    done = None
    for command in commands:
        # cwd: Spark's Derby metastore (metastore_db/, derby.log) lands in the temporary folder
        done = subprocess.run(
            [str(SPARK_DBT), *command, *common],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, (
            f"dbt {command[0]} --target spark failed:\n{done.stdout[-6000:]}"
        )
    return done


@pytest.fixture(scope="module")
def spark_warehouse(tmp_path_factory: pytest.TempPathFactory, spark_sample: Path) -> Path:
    """Seeds and the core marts with their data tests on Spark; the warehouse folder."""
    workdir = tmp_path_factory.mktemp("spark_build")
    _spark_dbt(
        workdir,
        ["seed"],
        [
            "build",
            "--full-refresh",
            "--exclude-resource-type",
            "unit_test",
            # only the tests of the selected models (not relationships from marts left out)
            "--indirect-selection",
            "cautious",
            *SPARK_SELECTION,
        ],
        events_vars=_events_vars(spark_sample),
    )
    return workdir / "warehouse"


def _comparable_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """Every column but processed_at as text; instants as UTC timestamps, floats to 9 decimals."""
    columns = []
    for name, data_type, *_ in con.execute(f"describe select * from {relation}").fetchall():
        if name == "processed_at":
            continue
        if data_type.startswith("TIMESTAMP"):
            columns.append(f"cast(cast({name} as timestamp) as varchar) as {name}")
        elif data_type in ("DOUBLE", "FLOAT"):
            columns.append(f"cast(round({name}, 9) as varchar) as {name}")
        else:
            columns.append(f"cast({name} as varchar) as {name}")
    return columns


@pytest.mark.parametrize("table", CORE_TABLES)
def test_spark_core_table_equals_duckdb(
    table: str, duckdb_build: DbtProject, spark_warehouse: Path
) -> None:
    files = sorted((spark_warehouse / "journey.db" / table).glob("*.parquet"))
    assert files, f"Spark wrote no Parquet file for {table} under {spark_warehouse}"
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{duckdb_build.database_path}' as ref (read_only)")
        con.execute(
            f"create view spark_rows as select * from read_parquet('{spark_warehouse}/journey.db/{table}/*.parquet')"
        )
        reference = _comparable_columns(con, f"ref.main.{table}")
        spark = _comparable_columns(con, "spark_rows")
        assert [c.split(" as ")[-1] for c in spark] == [c.split(" as ")[-1] for c in reference]
        ref_sql = f"select {', '.join(reference)} from ref.main.{table}"
        spark_sql = f"select {', '.join(spark)} from spark_rows"
        counts = con.execute(
            f"select (select count(*) from ref.main.{table}), (select count(*) from spark_rows)"
        ).fetchone()
        only_ref = con.execute(f"{ref_sql} except all {spark_sql} limit 5").fetchall()
        only_spark = con.execute(f"{spark_sql} except all {ref_sql} limit 5").fetchall()
    assert counts[0] > 0
    assert counts[1] == counts[0], f"{table}: {counts[1]} rows on Spark, {counts[0]} on DuckDB"
    assert only_ref == [] and only_spark == [], (
        f"{table}: DuckDB only {only_ref}; Spark only {only_spark}"
    )


def test_spark_sessions_match_events(spark_warehouse: Path) -> None:
    """On Spark itself: every event's session exists and counts it (no orphan, no lost event)."""
    wh = spark_warehouse / "journey.db"
    with duckdb.connect() as con:
        mismatched = con.execute(
            f"""
            with events as (
                select session_id, count(*) as events
                from read_parquet('{wh}/fct_events/*.parquet') group by session_id
            )
            select count(*)
            from events
            full outer join read_parquet('{wh}/fct_sessions/*.parquet') as sessions using (session_id)
            where events.events is distinct from sessions.event_count
            """
        ).fetchone()[0]
    assert mismatched == 0


@pytest.mark.skipif(
    os.environ.get("JOURNEY_SPARK_FULL_BUILD") != "1",
    reason="the whole project on Spark takes about 7 minutes: set JOURNEY_SPARK_FULL_BUILD=1 to run it",
)
def test_spark_builds_every_enabled_node(tmp_path: Path, spark_sample: Path) -> None:
    """Every model and data test enabled on Spark builds and passes (Python models off)."""
    done = _spark_dbt(
        tmp_path,
        ["seed"],
        ["build", "--full-refresh", "--exclude-resource-type", "unit_test"],
        events_vars={
            **_events_vars(spark_sample),
            "journey__attribution_python_models": False,
            "journey__segments_python_models": False,
        },
    )
    summary = [line for line in done.stdout.splitlines() if "Done. PASS=" in line]
    assert summary and " ERROR=0 " in summary[-1], summary
