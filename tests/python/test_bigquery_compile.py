"""Offline BigQuery compile check (scripts/compile_bigquery.py, package scripts/bigquery_check).

The end-to-end test compiles the whole project for BigQuery twice (full-refresh and incremental
branches) with no network, then parses the SQL with sqlglot; the other tests prove that the
checks catch what they are meant to catch.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "scripts"))

from bigquery_check import cli, offline  # noqa: E402
from bigquery_check import sql_rules as rules  # noqa: E402


def _rules(findings: list) -> list[str]:
    return [f"{f.rule}:{f.line}:{f.message.split(':')[0]}" for f in findings]


# ---- the checks on SQL strings -------------------------------------------------------------


def test_try_cast_is_reported() -> None:
    findings = rules.check_sql("select try_cast(x as int64) as y from t", "bad.sql")
    assert [f.rule for f in findings] == ["denylist"]
    assert "try_cast" in findings[0].message
    assert findings[0].path == "bad.sql" and findings[0].line == 1


def test_unparsable_sql_is_reported() -> None:
    findings = rules.check_sql("select a,\nfrom t where (b = 1", "broken.sql")
    assert findings, "a syntax error must be reported"
    assert all(f.rule == "parse" for f in findings)
    assert any(f.line is not None for f in findings)


def test_each_denylisted_construct_is_reported_with_its_line() -> None:
    sql = textwrap.dedent(
        """\
        select
            "user_id",
            x::int64 as a,
            regexp_matches(y, 'a') as b,
            epoch_us(z) as c,
            list_value(1, 2) as d,
            struct_pack(k := 1) as e
        from t
        """
    )
    findings = rules.scan_denylist(sql, "duck.sql")
    lines = {f.line: f.message for f in findings}
    assert set(lines) == {2, 3, 4, 5, 6, 7}, findings
    assert "double-quoted" in lines[2]
    assert lines[3].startswith("::")
    assert lines[4].startswith("regexp_matches")
    assert lines[5].startswith("epoch")
    assert lines[6].startswith("list_")
    assert lines[7].startswith("struct_pack")


def test_strings_comments_and_backticks_are_not_scanned() -> None:
    sql = textwrap.dedent(
        """\
        -- try_cast( in a comment, and "quotes"
        /* regexp_matches( :: */
        select
            'try_cast(x as int64) :: "q"' as a,
            regexp_contains(u, r'^https?://(?:www[.])?([^/?#:]+)') as b,  # list_x(
            `journey-offline`.`journey_ci`.`list_things` as c,
            '''epoch_us(
            ''' as d
        from `journey-offline`.`journey_ci`.`t`
        """
    )
    assert rules.check_sql(sql, "clean.sql") == []


def test_row_number_over_a_framed_window_is_reported() -> None:
    sql = textwrap.dedent(
        """\
        select
            first_value(e) over w as first_e,
            row_number() over w as n,
            rank() over (partition by a order by b rows between 1 preceding and current row) as r,
            row_number() over (partition by a order by b) as ok_n
        from t
        window w as (partition by a order by b rows between unbounded preceding and current row)
        """
    )
    findings = rules.check_sql(sql, "frames.sql")
    assert [(f.rule, f.line) for f in findings] == [("bigquery", 3), ("bigquery", 4)]
    assert "row_number" in findings[0].message and "'w'" in findings[0].message
    assert "rank" in findings[1].message


def test_datetime_from_dbt_dateadd_is_reported_unless_cast() -> None:
    bad = "select * from t where ts >= datetime_add(cast(x as datetime), interval -3 day)"
    good = "select * from t where ts >= cast(datetime_add(cast(x as datetime), interval 1 day) as timestamp)"
    assert [f.rule for f in rules.check_sql(bad, "dt.sql")] == ["bigquery"]
    assert rules.check_sql(good, "dt.sql") == []
    assert rules.check_sql("select timestamp_add(ts, interval 1 hour) from t", "ts.sql") == []


def test_ignore_pragma() -> None:
    sql = "select\n  -- bq-compile-check: ignore\n  try_cast(x as int64) as y\nfrom t"
    assert rules.check_sql(sql, "p.sql") == []


def test_vars_are_merged_and_the_mode_var_is_reserved() -> None:
    merged = cli.parse_vars(["{a: 1, b: 2}", "{b: 3}"])
    assert merged == {"a": 1, "b": 3}
    with pytest.raises(Exception, match="journey__offline_compile"):
        cli.parse_vars(["{journey__offline_compile: full}"])


def test_offline_profile_needs_no_key_file(tmp_path: Path) -> None:
    import yaml

    profiles = offline.write_offline_profile(tmp_path)
    profile = yaml.safe_load((profiles / "profiles.yml").read_text())
    output = profile["journey"]["outputs"]["bigquery_offline"]
    assert output["type"] == "bigquery" and output["method"] == "oauth-secrets"
    assert output["project"] == "journey-offline" and output["dataset"] == "journey_ci"
    assert output["token"] and "keyfile" not in output
    assert output["threads"] == 1


def test_network_guard_refuses_google_requests_at_once() -> None:
    """What used to hang: google-auth retrying the token endpoint with no network."""
    google_requests = pytest.importorskip("google.auth.transport.requests")
    with (
        offline.offline_network_guard(),
        pytest.raises(offline.WarehouseAccessError, match="warehouse"),
    ):
        google_requests.Request()(url="https://oauth2.googleapis.com/token", method="POST")
    with offline.offline_network_guard(), pytest.raises(offline.WarehouseAccessError):
        google_requests.AuthorizedSession(credentials=None).request("GET", "https://x.invalid")
    assert google_requests.Request.__call__ is not None  # restored on exit
    assert "refuse" not in google_requests.Request.__call__.__qualname__


# ---- dbt ---------------------------------------------------------------------------------


def test_compile_time_query_fails_fast_instead_of_hanging(tmp_path: Path) -> None:
    """A model that queries the warehouse while compiling must fail at once, named."""
    pytest.importorskip("dbt.adapters.bigquery")
    project = tmp_path / "probe_project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: probe\nversion: '1.0'\nconfig-version: 2\nprofile: journey\n"
        "vars:\n  journey__offline_compile: false\n"
    )
    (project / "models" / "queries_at_compile.sql").write_text(
        "{% set r = run_query('select 1') %}\nselect 1 as x\n"
    )
    (project / "models" / "fine.sql").write_text("select 1 as x\n")
    reports = cli.run_checks(project, tmp_path / "work", {}, modes=("full",), timeout=120)
    errors = "\n".join(error for report in reports for error in report.compile_errors)
    assert "model.probe.queries_at_compile" in errors
    assert "tried to query the warehouse" in errors


def test_project_compiles_for_bigquery_offline(capsys: pytest.CaptureFixture[str]) -> None:
    """The whole project, both incremental modes: compiles offline and parses as BigQuery."""
    pytest.importorskip("dbt.adapters.bigquery")
    exit_code = cli.main([])
    output = capsys.readouterr().out
    assert exit_code == 0, output
    assert "OK BigQuery offline compile" in output
    # fct_events, fct_sessions, trigger watermarks and decisions, audience changes
    assert "5 incremental cost checks" in output


# ---- incremental cost ----------------------------------------------------------------------


def _table(name: str) -> str:
    return f"`{offline.GCP_PROJECT}`.`{offline.DATASET}`.`{name}`"


def test_incremental_cost_needs_partition_cluster_and_named_columns() -> None:
    configured = {
        "name": "fct_x",
        "partition_by": {"field": "d", "data_type": "date"},
        "cluster_by": ["a"],
    }
    named = f"with stored as (select id, a from {_table('fct_x')}) select * from stored"
    assert rules.incremental_cost_findings(configured, named, "x.sql", offline.DATASET) == []
    star = f"with stored as (\nselect * from {_table('fct_x')}) select id from stored"
    findings = rules.incremental_cost_findings(configured, star, "x.sql", offline.DATASET)
    assert [(f.rule, f.line) for f in findings] == [("cost", 2)]
    assert "select *" in findings[0].message
    # another table read with * is not this model's cost
    other = f"select * from {_table('fct_y')}"
    assert rules.incremental_cost_findings(configured, other, "x.sql", offline.DATASET) == []
    bare = {"name": "fct_x", "partition_by": None, "cluster_by": []}
    messages = [
        f.message for f in rules.incremental_cost_findings(bare, named, "x.sql", offline.DATASET)
    ]
    assert messages == [
        "incremental model fct_x has no partition_by on BigQuery",
        "incremental model fct_x has no cluster_by on BigQuery",
    ]


def test_big_incremental_models_partition_and_cluster_only_on_bigquery(tmp_path: Path) -> None:
    """fct_events and fct_sessions: day partitions and clustering on BigQuery, nothing on DuckDB."""
    import json

    from dbt_harness import DbtProject

    project = DbtProject(workdir=tmp_path)
    project.run("parse")
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    for name in ("fct_events", "fct_sessions"):
        config = manifest["nodes"][f"model.journey.{name}"]["config"]
        assert config["materialized"] == "incremental"
        assert config.get("partition_by") is None, name
    pytest.importorskip("dbt.adapters.bigquery")
    reports = cli.run_checks(
        REPO_ROOT, tmp_path / "bq", {}, modes=("full",), tests="none", check_hooks=False
    )
    assert all(not r.compile_errors for r in reports), reports
    bq = json.loads((tmp_path / "bq" / "worker-result.json").read_text())
    models = {m["name"]: m for m in bq["incremental_models"]}
    assert models["fct_events"]["partition_by"] == {
        "field": "event_date",
        "data_type": "date",
        "granularity": "day",
    }
    assert models["fct_sessions"]["partition_by"]["field"] == "session_date"
    assert models["fct_events"]["cluster_by"] == ["actor_id", "event_name"]
    assert models["fct_sessions"]["cluster_by"] == ["user_id"]
