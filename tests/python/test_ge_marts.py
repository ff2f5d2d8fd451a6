"""Great Expectations on every contracted mart of the built sample: the suites pass on clean
data, fail (naming mart and expectation) on planted bad data, and the Data Docs open offline.

The suites complement the dbt tests and do not repeat them (see journey_analytics/quality/
suites.py): this file also checks that no suite re-tests a column dbt already tests with
not_null or unique."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dbt_harness import PROJECT_DIR, DbtProject

from journey_analytics.quality.runner import run_quality
from journey_analytics.quality.suites import SUITES, suites_by_mart

REMOTE_ASSET = re.compile(
    r"<(link|script|img|iframe)[^>]*(src|href)=[\"']?(https?:)?//|url\(['\"]?(https?:)?//", re.I
)


@pytest.fixture(scope="module")
def manifest_models(built_sample: DbtProject) -> dict:
    import json

    manifest = json.loads((built_sample.workdir / "target" / "manifest.json").read_text())
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


@pytest.fixture(scope="module")
def clean_run(built_sample: DbtProject, tmp_path_factory: pytest.TempPathFactory):
    docs = tmp_path_factory.mktemp("quality") / "data_docs"
    return run_quality(built_sample.database_path, docs, progress=False)


def test_every_contracted_mart_has_a_suite(manifest_models) -> None:
    contracted = {
        name for name, node in manifest_models.items() if node["config"]["contract"]["enforced"]
    }
    assert len(contracted) >= 30
    assert {s.mart for s in SUITES} == contracted
    assert len(SUITES) == len(suites_by_mart())


def test_no_suite_repeats_a_dbt_not_null_or_unique_test(built_sample, manifest_models) -> None:
    import json

    manifest = json.loads((built_sample.workdir / "target" / "manifest.json").read_text())
    dbt_tested = {
        (node["attached_node"].split(".")[-1], node["column_name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and node.get("test_metadata", {}).get("name") in ("not_null", "unique")
        and node.get("column_name")
    }
    repeated = [
        (suite.mart, spec.expectation, column)
        for suite in SUITES
        for spec in suite.specs
        for column in spec.columns()
        if spec.expectation in ("ExpectColumnValuesToNotBeNull", "ExpectColumnValuesToBeUnique")
        and (suite.mart, column) in dbt_tested
    ]
    assert dbt_tested and repeated == []


def test_the_suites_pass_on_the_built_sample(clean_run) -> None:
    assert len(clean_run.results) == len(SUITES)
    assert [r.mart for r in clean_run.results if r.missing] == []
    failed = {r.mart: r.failed for r in clean_run.results if r.failed}
    assert failed == {}
    assert sum(r.evaluated for r in clean_run.results) > 100
    summary = clean_run.summary()
    assert summary.startswith(f"Great Expectations on {len(SUITES)} contracted marts:")
    assert "0 failed" in summary
    # the sample looks like real traffic: the engaged share of sessions is inside the band
    engaged_warnings = [w for r in clean_run.results for w in r.warnings if "is_engaged" in w]
    assert engaged_warnings == []


def test_data_docs_open_offline(clean_run) -> None:
    docs = clean_run.docs_index.parent
    pages = list(docs.rglob("*.html"))
    assert len(pages) > len(SUITES)  # index + a validation and a suite page per mart
    for path in [*pages, *docs.rglob("*.css")]:
        assert not REMOTE_ASSET.search(path.read_text(encoding="utf-8")), path
    index = clean_run.docs_index.read_text()
    for result in clean_run.results:
        assert f'href="{result.docs_path}"' in index
        assert (docs / result.docs_path).exists()


def test_planted_bad_data_fails_by_name(built_sample: DbtProject, tmp_path: Path) -> None:
    database = tmp_path / "bad.duckdb"
    shutil.copy(built_sample.database_path, database)
    with duckdb.connect(str(database)) as con:
        con.execute(
            "update fct_funnel_steps set conversion_rate_from_start = 1.5 where step_index = 2"
        )
        con.execute("delete from fct_path_flow_links")
        con.execute("update fct_sessions set is_engaged = false")
        con.execute(
            "delete from fct_events where event_id in (select event_id from fct_events limit 3)"
        )
    marts = ["fct_funnel_steps", "fct_path_flow_links", "fct_sessions"]
    run = run_quality(database, tmp_path / "docs", marts, progress=False)
    by_mart = {r.mart: r for r in run.results}
    assert not run.success
    funnel_failures = by_mart["fct_funnel_steps"].failed
    assert len(funnel_failures) == 1
    assert (
        "expect_column_values_to_be_between(column=conversion_rate_from_start"
        in (funnel_failures[0])
    )
    assert by_mart["fct_path_flow_links"].failed == [
        "expect_table_row_count_to_be_between(min_value=1) observed 0"
    ]
    sessions = by_mart["fct_sessions"]
    assert (
        len(sessions.failed) == 1
        and "expect_column_sum_to_be_between(column=event_count" in (sessions.failed[0])
    )  # the sessions hold 3 more events than fct_events
    assert any("column=is_engaged" in w and "observed 0.0" in w for w in sessions.warnings)
    summary = run.summary()
    assert "FAILED  fct_path_flow_links: expect_table_row_count_to_be_between" in summary


def test_cli_exit_codes(built_sample: DbtProject, tmp_path: Path) -> None:
    script = str(PROJECT_DIR / "scripts" / "run_data_quality.py")
    ok = subprocess.run(
        [sys.executable, script, "--database", str(built_sample.database_path), "--out",
         str(tmp_path / "docs"), "--mart", "fct_lifecycle_periods", "--quiet"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert "Great Expectations on 1 contracted marts" in ok.stdout
    unknown = subprocess.run(
        [sys.executable, script, "--database", str(built_sample.database_path), "--mart", "nope"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert unknown.returncode == 2
    assert "no Great Expectations suite for ['nope']" in unknown.stderr


def test_a_big_mart_is_sampled_and_totals_are_not_checked_on_the_sample(
    built_sample: DbtProject, tmp_path: Path
) -> None:
    database = tmp_path / "bad.duckdb"
    shutil.copy(built_sample.database_path, database)
    with duckdb.connect(str(database)) as con:
        con.execute(
            "delete from fct_events where event_id in (select event_id from fct_events limit 3)"
        )
        sessions = con.execute("select count(*) from fct_sessions").fetchone()[0]
    whole = run_quality(database, tmp_path / "a", ["fct_sessions"], progress=False).results[0]
    sample = run_quality(database, tmp_path / "b", ["fct_sessions"], 100, progress=False).results[0]
    assert (whole.rows, whole.validated_rows) == (sessions, sessions)
    assert any("expect_column_sum_to_be_between" in f for f in whole.failed)
    assert (sample.rows, sample.validated_rows) == (sessions, 100)
    assert sample.failed == [] and sample.evaluated == whole.evaluated - 1
