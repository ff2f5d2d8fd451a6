"""The demo summary covers every mart family, with numbers read from the marts, and ends with the
report's path and the elapsed time; a family whose mart is missing is named, not skipped."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from dbt_harness import PROJECT_DIR, DbtProject

SCRIPT = str(PROJECT_DIR / "scripts" / "demo_summary.py")
FAMILIES = (
    "Active users", "Funnels", "Retention of first-time cohorts", "Lifecycle by week",
    "Paths: the three most common first steps", "Top session paths", "RFM segments",
    "CLV: customers", "CLV holdout check", "Power users against everyone else",
    "Attributed conversions by channel", "Triggers and experiments",
)  # fmt: skip


def summary(database: Path, *extra: str) -> str:
    run = subprocess.run(
        [sys.executable, SCRIPT, "--database", str(database), *extra],
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout


def test_every_family_is_summarised_and_the_demo_ends_with_report_and_time(
    built_sample: DbtProject, tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    report.write_text("<html></html>")
    started = time.time() - 42
    text = summary(
        built_sample.database_path, "--report", str(report), "--started-at", str(started)
    )
    for title in FAMILIES:
        assert f"\n{title}" in text, title
    customers = built_sample.query("select count(*) from dim_customer_rfm")[0][0]
    segments = built_sample.query(
        "select segment_name, count(*) from dim_customer_rfm group by 1 order by 2 desc limit 1"
    )[0]
    rfm_lines = text.split("\nRFM segments")[1].splitlines()
    assert rfm_lines[2].split()[: len(segments[0].split()) + 1] == [
        *segments[0].split(),
        str(segments[1]),
    ]
    clv = text.split("\nCLV: customers")[1].splitlines()[2].split()
    assert clv[0] == str(customers)  # every RFM customer gets a CLV prediction
    fires = built_sample.query(
        "select trigger_name, arm, count(*) from fct_trigger_fires group by 1, 2 order by 1, 2"
    )
    fire_lines = text.split("\nTrigger fires by trigger and arm")[1].splitlines()
    assert [line.split() for line in fire_lines[2 : 2 + len(fires)]] == [
        [trigger, arm, str(n)] for trigger, arm, n in fires
    ]
    assert "\nExperiment results (relative effect, adjusted p-value)" in text
    lines = text.rstrip().splitlines()
    assert lines[-2] == f"Report: {report.resolve()}"
    seconds = int(lines[-1].split()[3])
    assert lines[-1].startswith("Demo finished in ") and 42 <= seconds < 600


def test_a_missing_family_is_named(built_sample: DbtProject, tmp_path: Path) -> None:
    database = tmp_path / "journey.duckdb"  # the name dbt built it under: its views resolve
    shutil.copy(built_sample.database_path, database)
    with duckdb.connect(str(database)) as con:
        con.execute("drop table dim_customer_rfm")
        con.execute("delete from fct_power_user_comparison")
    text = summary(database, "--report", str(tmp_path / "none.html"))
    assert "RFM segments (current snapshot)\n  (dim_customer_rfm not built)" in text
    assert "(fct_power_user_comparison is empty)" in text
    assert text.rstrip().endswith("(not written: run `make report`)")
