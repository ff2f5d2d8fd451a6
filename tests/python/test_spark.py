"""The Spark target (dbt-spark, session mode) builds the same core tables as DuckDB.

One small generated sample (100 people over 7 days) is built twice: the whole project with
every data test by the `.venv-spark` dbt on Spark (a subprocess, Python models off: they run
through the documented scripts there; `make spark-setup` creates that environment,
docs/spark.md), and its core marts by the main environment's dbt on DuckDB (in-process, the
reference), at the same time. Every enabled seed, model and data test must pass on Spark. The
Spark tables are Parquet files under the warehouse folder the profile names, read back here
with DuckDB: every column of fct_events, fct_sessions and dim_users except processed_at (the run
time) must equal DuckDB's, row for row. Skipped, with the reason, when .venv-spark or Java is missing, unless
JOURNEY_REQUIRE_SPARK or CI is set (`.ci/run`, `make test-spark`): then they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from dbt_harness import PROJECT_DIR, DbtProject

from journey_analytics.stream import hashing

SPARK_DBT = PROJECT_DIR / ".venv-spark" / "bin" / "dbt"
SAMPLE = {"users": 100, "days": 7, "seed": 7}
CORE_TABLES = ("fct_events", "fct_sessions", "dim_users")
# The DuckDB reference: the core marts and everything they need.
REFERENCE_SELECTION = ["--select", "+fct_events", "+fct_sessions", "+dim_users"]
# Python models off on Spark (docs/spark.md: the scripts compute the same tables there).
SPARK_VARS = {
    "journey__attribution_python_models": False,
    "journey__segments_python_models": False,
    "journey__experiments_python_models": False,
}

# CI (.ci/run) and `make test-spark` set JOURNEY_REQUIRE_SPARK (CI services set CI): there a
# missing .venv-spark or Java fails the tests instead of skipping them.
SPARK_REQUIRED = any(
    os.environ.get(name, "").strip().lower() not in ("", "0", "false")
    for name in ("JOURNEY_REQUIRE_SPARK", "CI")
)


def _spark_missing() -> list[str]:
    missing = []
    if not SPARK_DBT.exists():
        missing.append(
            "no .venv-spark: run `make spark-setup` to create the Spark environment (docs/spark.md)"
        )
    if shutil.which("java") is None:
        missing.append("Spark needs Java 17 (apt install openjdk-17-jre-headless)")
    return missing


@pytest.fixture(scope="module", autouse=True)
def spark_available() -> None:
    """Skip, with the reasons, where Spark cannot run; fail instead where it is required."""
    missing = _spark_missing()
    if missing and SPARK_REQUIRED:
        pytest.fail(
            "Spark is required here (JOURNEY_REQUIRE_SPARK or CI is set): " + "; ".join(missing)
        )
    if missing:
        pytest.skip("; ".join(missing))


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
    # An export whose part files differ in columns, as when a tracker adds one: the simulated
    # part file loses `properties` (the scenario file keeps it). DuckDB reads the files by name
    # (union_by_name); Spark must merge their schemas, not take the first file's and drop the
    # column from every file (docs/spark.md, "Part files with different columns").
    part = out / "events" / "part-00000.parquet"
    pq.write_table(pq.read_table(part).drop_columns(["properties"]), part)
    return out


def _events_vars(sample: Path) -> dict[str, Any]:
    return {"journey__generic_events_path": str(sample / "events" / "*.parquet")}


# every seed (loaded through spark__load_csv_rows), model and data test; unit tests are
# engine-independent logic checks and run on DuckDB
SPARK_BUILD = ["build", "--full-refresh", "--exclude-resource-type", "unit_test"]


def _start_spark_dbt(
    workdir: Path, command: list[str], events_vars: dict[str, Any]
) -> subprocess.Popen[str]:
    """Start one dbt command on the spark target of profiles.yml.example (output to a file)."""
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
    # cwd: Spark's Derby metastore (metastore_db/, derby.log) lands in the temporary folder; the
    # output goes to a file, not a pipe nobody reads while the DuckDB reference builds
    with open(workdir / "dbt-spark.out", "w") as out:
        return subprocess.Popen(
            [str(SPARK_DBT), *command, *common],
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )


def _finish_spark_dbt(process: subprocess.Popen[str], workdir: Path) -> str:
    """Wait for a dbt command started by _start_spark_dbt; its output, which must say success."""
    process.wait()
    output = (workdir / "dbt-spark.out").read_text()
    assert process.returncode == 0, f"dbt --target spark failed:\n{output[-6000:]}"
    return output


@pytest.fixture(scope="module")
def spark_build(
    tmp_path_factory: pytest.TempPathFactory, spark_sample: Path
) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """The whole project with its data tests, building on Spark in the background.

    One dbt invocation (each starts a Spark session) that runs while the DuckDB reference builds.
    """
    workdir = tmp_path_factory.mktemp("spark_build")
    process = _start_spark_dbt(workdir, SPARK_BUILD, {**_events_vars(spark_sample), **SPARK_VARS})
    yield process, workdir
    if process.poll() is None:  # a failure before it was waited for: do not leave it running
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def duckdb_build(
    tmp_path_factory: pytest.TempPathFactory,
    spark_sample: Path,
    spark_build: tuple[subprocess.Popen[str], Path],
) -> DbtProject:
    """The reference: the same selection on DuckDB, built while Spark builds (spark_build)."""
    project = DbtProject(
        workdir=tmp_path_factory.mktemp("spark_ref"), base_vars=_events_vars(spark_sample)
    )
    project.run("seed")
    project.run("run", *REFERENCE_SELECTION)
    return project


@pytest.fixture(scope="module")
def spark_output(spark_build: tuple[subprocess.Popen[str], Path]) -> str:
    """The output of the finished Spark build (which must have succeeded)."""
    process, workdir = spark_build
    return _finish_spark_dbt(process, workdir)


@pytest.fixture(scope="module")
def spark_warehouse(spark_build: tuple[subprocess.Popen[str], Path], spark_output: str) -> Path:
    """The warehouse folder of the finished Spark build."""
    return spark_build[1] / "warehouse"


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


def test_spark_builds_every_enabled_node(
    spark_output: str, spark_build: tuple[subprocess.Popen[str], Path]
) -> None:
    """Every seed, model and data test enabled on Spark built and passed (Python models off)."""
    summary = [line for line in spark_output.splitlines() if "Done. PASS=" in line]
    assert summary and " ERROR=0 " in summary[-1] and " SKIP=0 " in summary[-1], summary
    results = json.loads((spark_build[1] / "target" / "run_results.json").read_text())
    built = {
        r["unique_id"].split(".")[0]
        for r in results["results"]
        if r["status"] in ("success", "pass", "warn")
    }
    assert {"seed", "model", "test"} <= built
    models = [r for r in results["results"] if r["unique_id"].startswith("model.")]
    assert len(models) > 60, len(models)


def test_spark_holdout_arms_and_fire_ids_match_python(spark_warehouse: Path) -> None:
    """Spark's holdout arm and fire id of every decided step equal the Python reference
    (journey_analytics.stream.hashing, the same md5 rule DuckDB and the stream use)."""
    wh = spark_warehouse / "journey.db"
    with duckdb.connect() as con:
        rows = con.execute(
            f"""
            select d.fire_id, d.trigger_name, d.step_name, d.user_id, d.entry_event_id, d.arm,
                   s.holdout_share, s.holdout_salt, s.global_control_share, s.global_control_salt
            from read_parquet('{wh}/int_trigger_decisions/*.parquet') as d
            join read_parquet('{wh}/dim_trigger_steps/*.parquet') as s using (trigger_name, step_name)
            """
        ).fetchall()
    assert len(rows) > 20 and {row[5] for row in rows} >= {"control", "treatment"}
    for fire, trigger, step, user, entry, arm, share, salt, global_share, global_salt in rows:
        assert fire == hashing.fire_id(trigger, step, user, entry), (trigger, step, user)
        assert arm == hashing.arm(user, share, salt, global_share, global_salt), (trigger, user)
