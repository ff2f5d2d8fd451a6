"""The runners outside dbt (scripts/run_clv.py) write what the dbt Python models write.

On warehouses without Python models the README sends users to the runners; they share the
DuckDB/file skeleton of journey_analytics.runner. Built here: the CLV Python models on the
shared sample, then scripts/run_clv.py on the same database; the tables must match row for row.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from dbt_harness import PROJECT_DIR, DbtProject

from journey_analytics.runner import quote_table_name, read_duckdb_table, replace_duckdb_tables


@pytest.fixture(scope="module")
def clv_build(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> DbtProject:
    project = DbtProject(
        workdir=tmp_path_factory.mktemp("runners"),
        base_vars={"journey__generic_events_path": str(sample_dir / "events" / "*.parquet")},
    )
    project.run(
        "build",
        "--select",
        "+fct_customer_clv_predicted",
        "+fct_clv_holdout_calibration",
        "--exclude-resource-type",
        "test",
        "unit_test",
    )
    return project


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys).reset_index(drop=True)


def test_run_clv_writes_what_the_python_models_write(clv_build: DbtProject) -> None:
    database = clv_build.database_path
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_DIR / "scripts" / "run_clv.py"),
            "--database",
            str(database),
            "--output-table",
            "runner_clv_predicted",
            "--calibration-table",
            "runner_clv_calibration",
        ],
        check=True,
        capture_output=True,
        env={"PATH": "", "TQDM_DISABLE": "1"},
    )
    pairs = [
        ("fct_customer_clv_predicted", "runner_clv_predicted", ["user_id"]),
        ("fct_clv_holdout_calibration", "runner_clv_calibration", None),
    ]
    for model, written, keys in pairs:
        expected = read_duckdb_table(database, model)
        actual = read_duckdb_table(database, written)
        assert len(expected) > 0, model
        keys = keys or list(expected.columns[:1])
        pd.testing.assert_frame_equal(
            _sorted(actual, keys), _sorted(expected, keys), check_dtype=False, rtol=1e-9
        )


def test_replace_stores_nan_as_null_and_refuses_odd_names(tmp_path: Path) -> None:
    database = tmp_path / "runner.duckdb"
    frame = pd.DataFrame({"k": [1, 2], "x": [0.5, float("nan")]})
    replace_duckdb_tables(database, [("results", frame), ("results", frame.head(1))])
    assert read_duckdb_table(database, "results")["x"].tolist() == [0.5]
    replace_duckdb_tables(database, [("results", frame)])
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from results where x is null").fetchone() == (1,)
    with pytest.raises(ValueError, match="not a plain table name"):
        quote_table_name("a.b.c.d")
