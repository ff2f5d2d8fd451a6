"""Guard rails on every journey var (macros/config/journey_var_specs.sql, journey_var.sql).

Every var is read through journey.journey_var(), which checks it against one table of specs and
types it; on-run-start checks all of them. The issue's three examples are reproduced on the
generated sample: a timeout of "30" (what env_var returns) gives the sessions of 30, "30 minutes"
fails naming the var, and split_at_midnight "false" is off. Expected values come from dbt_project.yml,
from the planted sample and from counts of fct_events, never from the guard's own output.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from dbt_harness import PROJECT_DIR, DbtProject, compare_tables, release_duckdb, write_profiles

SESSIONS = ["--select", "+fct_sessions", "--resource-type", "model", "--resource-type", "seed"]


def invoke(project: DbtProject, *args: str, vars: dict[str, Any] | None = None) -> tuple[Any, str]:
    """dbt in-process like DbtProject.run, also returning every log message as one text."""
    from dbt.cli.main import dbtRunner

    messages: list[str] = []

    def collect(event: Any) -> None:
        messages.append(str(getattr(event.info, "msg", "")))

    profiles_dir = write_profiles(project.workdir / "profiles", project.database_path)
    merged = {**project.base_vars, **(vars or {})}
    cli = [
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(profiles_dir),
        "--target-path",
        str(project.workdir / "target"),
        "--log-path",
        str(project.workdir / "logs"),
    ]
    if merged:
        cli += ["--vars", json.dumps(merged)]
    result = dbtRunner(callbacks=[collect]).invoke(cli)
    release_duckdb()
    text = "\n".join(messages)
    if result.exception is not None:
        text += "\n" + str(result.exception)
    for node_result in getattr(result.result, "results", None) or []:
        text += "\n" + str(getattr(node_result, "message", "") or "")
    return result, text


def checked_values(project: DbtProject, vars: dict[str, Any] | None = None) -> dict[str, Any]:
    result, text = invoke(
        project, "run-operation", "check_journey_vars", "--args", "{report: true}", vars=vars
    )
    assert result.success, text
    match = re.search(r"journey vars: (\{.*\})", text)
    assert match, text
    return json.loads(match.group(1))


def check_value(project: DbtProject, value: Any, spec: dict[str, Any]) -> tuple[bool, str]:
    """One value through the accessor's checker (no vars change, so dbt parses once)."""
    args = json.dumps({"name": "journey__x", "value": value, "spec": spec})
    result, text = invoke(project, "run-operation", "_journey_var_value", "--args", args)
    return bool(result.success), text


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    return DbtProject(workdir=tmp_path_factory.mktemp("guards"))


def test_every_project_var_is_declared_and_checked(workspace: DbtProject) -> None:
    project_vars = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    values = checked_values(workspace)
    declared = {k for k in project_vars if k.startswith("journey__")}
    assert set(values) == declared
    # with no overrides, each checked value is the dbt_project.yml value, typed as written there
    for name in declared:
        assert values[name] == project_vars[name], name


def test_spec_defaults_equal_the_project_defaults() -> None:
    """The spec's fallback defaults are the values in dbt_project.yml (one source of truth)."""
    project_vars = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    text = (PROJECT_DIR / "macros" / "config" / "journey_var_specs.sql").read_text()
    fallback = {"journey__power_user_rules", "journey__path_analyses"}
    fallback |= {"journey__retention_analyses", "journey__funnels"}
    fallback |= {"journey__triggers", "journey__experiments", "journey__experiment_metrics"}
    names = []
    for line in text.splitlines():
        name = re.match(r"\s*'(journey__\w+)':", line)
        if not name:
            continue
        names.append(name.group(1))
        default = re.search(r"(?:'default': |default=)(.*)[})],$", line)
        assert default, line
        value = eval(default.group(1), {"__builtins__": {}}, {})  # a literal
        if name.group(1) in fallback:
            assert value == [], name.group(1)  # long declarations: no built-in funnels etc.
        else:
            assert value == project_vars[name.group(1)], name.group(1)
    assert sorted(names) == sorted(k for k in project_vars if k.startswith("journey__"))


def test_no_raw_var_calls_outside_the_accessor() -> None:
    """Models and macros read journey vars only through journey.journey_var() (YAML files
    cannot call macros; on-run-start checks the vars they read)."""
    raw = re.compile(r"(?<![\w.])var\(")
    offenders = []
    for folder in ("models", "macros", "analyses", "tests/dbt"):
        for path in (PROJECT_DIR / folder).rglob("*.sql"):
            rel = path.relative_to(PROJECT_DIR).as_posix()
            code = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.DOTALL)
            for line in code.splitlines():
                line = line.split("--")[0]
                # the removed journey__lookback_hours is refused by name in fct_events
                accessor = rel == "macros/config/journey_var.sql"
                if raw.search(line) and not accessor and "journey__lookback_hours" not in line:
                    offenders.append(f"{rel}: {line.strip()}")
    assert offenders == []


def test_env_var_text_is_typed_where_unambiguous(workspace: DbtProject) -> None:
    values = checked_values(
        workspace,
        vars={
            "journey__session_timeout_minutes": "30",
            "journey__session_split_at_midnight": "false",
            "journey__session_split_on_campaign_change": "TRUE",
            "journey__transitions_collapse_repeats": "1",
            "journey__top_paths_collapse_repeats": "0",
            "journey__power_user_top_share": "0.25",
            "journey__clv_holdout_days": "",
            "journey__attribution_lookback_steps": "null",
            "journey__ngram_sizes": "[2, 5]",
            "journey__ga4_start_date": 20260105,
            "journey__segments_purchase_events": "order_completed",
            "journey__min_event_date": "2001-02-28",
        },
    )
    assert values["journey__session_timeout_minutes"] == 30
    assert values["journey__session_split_at_midnight"] is False
    assert values["journey__session_split_on_campaign_change"] is True
    assert values["journey__transitions_collapse_repeats"] is True
    assert values["journey__top_paths_collapse_repeats"] is False
    assert values["journey__power_user_top_share"] == 0.25
    assert values["journey__clv_holdout_days"] is None
    assert values["journey__attribution_lookback_steps"] is None
    assert values["journey__ngram_sizes"] == [2, 5]
    assert values["journey__ga4_start_date"] == "20260105"
    assert values["journey__segments_purchase_events"] == ["order_completed"]
    assert values["journey__min_event_date"] == "2001-02-28"


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        ("30", {"type": "integer", "min": 1}, True),
        (" 30 ", {"type": "integer", "min": 1}, True),
        ("30 minutes", {"type": "integer", "min": 1}, False),
        ("3.5", {"type": "integer"}, False),
        (True, {"type": "integer"}, False),
        (0, {"type": "integer", "min": 1}, False),
        (30.0, {"type": "integer"}, True),
        ("1e3", {"type": "number"}, True),
        ("abc", {"type": "number"}, False),
        (1, {"type": "number", "exclusive_max": 1}, False),
        ("yes", {"type": "boolean"}, False),
        ("False", {"type": "boolean"}, True),
        (2, {"type": "boolean"}, False),
        ("tracker", {"type": "string", "allowed": ["rules", "tracker"]}, True),
        ("Tracker", {"type": "string", "allowed": ["rules", "tracker"]}, False),
        (None, {"type": "string"}, False),
        (None, {"type": "string", "nullable": True}, True),
        ("2026-02-29", {"type": "date"}, False),
        ("2028-02-29", {"type": "date"}, True),
        ("[2, 9]", {"type": "list", "items": {"type": "integer", "max": 6}}, False),
        ({"a": 1}, {"type": "list"}, False),
        ([], {"type": "list", "min_length": 1}, False),
        ([], {"type": "path"}, False),
        (["a.csv", "b.csv"], {"type": "path"}, True),
    ],
)
def test_checker_accepts_and_refuses(
    workspace: DbtProject, value: Any, spec: dict[str, Any], expected: bool
) -> None:
    ok, text = check_value(workspace, value, spec)
    assert ok is expected, text
    if not expected:
        assert "journey: var journey__x" in text and "is not allowed: it must be" in text


def test_a_bad_value_names_the_var_the_value_and_what_is_allowed(workspace: DbtProject) -> None:
    """The issue's second example: "30 minutes" fails before any SQL, naming the var."""
    result, text = invoke(
        workspace,
        "parse",
        vars={"journey__session_timeout_minutes": "30 minutes"},
    )
    assert not result.success
    assert "journey: var journey__session_timeout_minutes = '30 minutes' is not allowed" in text
    assert "a whole number >= 1" in text


def test_an_unused_bad_var_stops_the_run_before_any_model(tmp_path: Path) -> None:
    """on-run-start checks every var, also one that no selected model reads."""
    project = DbtProject(workdir=tmp_path / "dbt")
    result, text = invoke(
        project,
        "run",
        "--select",
        "stg_generic__events",
        vars={"journey__clv_horizon_days": "a year"},
    )
    assert not result.success
    assert "journey: var journey__clv_horizon_days = 'a year' is not allowed" in text
    assert not project.database_path.exists() or not project.query(
        "select * from information_schema.tables where table_name = 'stg_generic__events'"
    )


def test_a_misspelt_var_is_warned_about(workspace: DbtProject) -> None:
    result, text = invoke(
        workspace,
        "run-operation",
        "check_journey_vars",
        vars={"journey__session_timout_minutes": 45},
    )
    assert result.success
    assert "journey__session_timout_minutes, which is not a journey var" in text


# --- the generic source's file format ------------------------------------------------------


def _write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["event_id", "event_name", "event_timestamp", "user_id", "anonymous_id"])
        for i in range(rows):
            writer.writerow([f"e{i}", "page_view", f"2026-01-01 10:{i:02d}:00", "", f"a{i % 3}"])


def test_a_csv_path_needs_no_format_var(tmp_path: Path) -> None:
    """Told by the extension (today: 'No magic bytes' from read_parquet on a CSV)."""
    path = tmp_path / "events.csv"
    _write_csv(path, 7)
    project = DbtProject(
        workdir=tmp_path / "dbt", base_vars={"journey__generic_events_path": str(path)}
    )
    project.run("run", "--select", "stg_generic__events")
    assert project.query("select count(*) from stg_generic__events") == [(7,)]


@pytest.mark.parametrize(
    ("vars", "message"),
    [
        (
            {"journey__generic_events_format": "xlsx"},
            "var journey__generic_events_format = 'xlsx' is not allowed: it must be one of: parquet, csv",
        ),
        (
            {"journey__generic_events_path": "exports/events.json"},
            "cannot tell the file format of journey__generic_events_path 'exports/events.json'",
        ),
    ],
)
def test_unknown_formats_are_refused_by_name(
    tmp_path: Path, vars: dict[str, Any], message: str
) -> None:
    result, text = invoke(DbtProject(workdir=tmp_path), "parse", vars=vars)
    assert not result.success
    assert message in text


# --- the examples on the generated sample ----------------------------------------------


@pytest.fixture(scope="module")
def sessions_typed(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> DbtProject:
    project = DbtProject(
        workdir=tmp_path_factory.mktemp("typed"),
        base_vars={"journey__generic_events_path": str(sample_dir / "events" / "*.parquet")},
    )
    project.run("build", *SESSIONS, vars={"journey__session_timeout_minutes": 30})
    return project


def _build_sessions(tmp: Path, sample_dir: Path, vars: dict[str, Any]) -> DbtProject:
    project = DbtProject(
        workdir=tmp,
        base_vars={"journey__generic_events_path": str(sample_dir / "events" / "*.parquet")},
    )
    project.run("build", *SESSIONS, vars=vars)
    return project


def test_timeout_as_text_gives_the_sessions_of_the_number(
    sessions_typed: DbtProject, tmp_path: Path, sample_dir: Path
) -> None:
    text = _build_sessions(
        tmp_path / "thirty",
        sample_dir,
        {"journey__session_timeout_minutes": "30", "journey__session_split_at_midnight": "false"},
    )
    for table in ("fct_sessions", "fct_events"):
        assert compare_tables(sessions_typed, text, table, exclude=["processed_at"]) == (0, 0)
    timeout_10 = _build_sessions(
        tmp_path / "ten", sample_dir, {"journey__session_timeout_minutes": "10"}
    )
    # the text is live, not ignored: a shorter timeout as text splits more sessions
    assert timeout_10.query("select count(*) from fct_sessions") > text.query(
        "select count(*) from fct_sessions"
    )


def test_split_at_midnight_as_text(
    sessions_typed: DbtProject, tmp_path: Path, sample_dir: Path
) -> None:
    """ "false" is off; "TRUE" is on and adds one session per extra UTC date of a session."""
    on = _build_sessions(tmp_path, sample_dir, {"journey__session_split_at_midnight": "TRUE"})
    sessions_off = sessions_typed.query("select count(*) from fct_sessions")[0][0]
    session_dates = sessions_typed.query(
        "select count(*) from (select distinct session_id, event_date from fct_events)"
    )[0][0]
    assert session_dates > sessions_off  # the sample has sessions crossing midnight
    assert on.query("select count(*) from fct_sessions")[0][0] == session_dates


# --- declared event names that exist nowhere -------------------------------------------------


def test_a_step_typo_is_warned_about_by_name(sessions_typed: DbtProject) -> None:
    test = ["test", "--select", "assert_declared_events_exist"]
    result, text = invoke(sessions_typed, *test)
    assert result.success
    assert [str(r.status) for r in result.result.results if r.node.resource_type == "test"] == [
        "pass"
    ]

    funnels = [
        {"name": "typo", "steps": ["cart_viewed", "ordr_completed"]},
        {"name": "ok", "steps": ["cart_viewed", "order_completed"]},
    ]
    paths = [{"name": "after_typo", "anchor_event": "serch"}]
    result, text = invoke(
        sessions_typed,
        *test,
        vars={"journey__funnels": funnels, "journey__path_analyses": paths},
    )
    assert result.success  # a warning, not an error
    (node,) = [r for r in result.result.results if r.node.resource_type == "test"]
    assert str(node.status) == "warn" and node.failures == 2
    assert "journey__funnels: funnel typo, step 2 uses the event 'ordr_completed'" in text
    assert "journey__path_analyses: after_typo, anchor_event uses the event 'serch'" in text
    assert "uses the event 'order_completed'" not in text  # a known event is not reported
