"""Conformance of the SQL attribution paths with snowplow/dbt-snowplow-fractribution.

Their integration-test sessions and conversions are fed into our path models through the input
overrides (journey__attribution_sessions_relation / journey__attribution_events_relation), with
their integration-test settings (window 2022-06-03 .. 2022-08-01, lookback 30 days, no step
limit, exposure transform); their paths to conversion, paths to non-conversion, path summary and
channel attribution (fractribution through the Python model, last touch through the SQL
heuristics) must come out. Their path-transformation cases: test_attribution_sql_transforms.py.
Data: fixtures/attribution_sql/fractribution (Apache-2.0, see its README).

Deliberate differences from fractribution (none shows on these data):
- the lookback counts 24-hour days back from the conversion time (fractribution: calendar-day
  date_diff, which also admits sessions later on the conversion day);
- a conversion's path starts after the user's previous conversion, except its own session
  (fractribution: every conversion looks back the full lookback, touches are reused);
- conversions without any session are kept ('(no touchpoint)' in the report), not dropped;
- the step limit applies before the transforms (Snowplow trims only the raw `path`);
- non-conversion paths end inside the window (fractribution also counts non-converters whose
  sessions all precede it) and start after the user's last earlier conversion;
- path summary revenue is 0, not null, for paths without conversion; channel names are GA4's
  default channel groups in production (the fixtures keep fractribution's names);
- spend comes from a dated seed prorated to the window (fractribution: a fixed macro value).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from dbt_harness import PROJECT_DIR, DbtProject

FIXTURES = Path(__file__).parent / "fixtures" / "attribution_sql" / "fractribution"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
EXPECTED = "snowplow_fractribution_{}_expected.csv"

MODELS = (
    "fct_attribution_conversions",
    "fct_attribution_touchpoints",
    "fct_attribution_paths",
    "fct_attribution_path_summary",
)

BASE_VARS: dict[str, Any] = {
    "journey__attribution_sessions_relation": "fixtures.sessions",
    "journey__attribution_events_relation": "fixtures.events",
    "journey__attribution_conversions": [{"name": "transaction", "event": "transaction"}],
    "journey__attribution_start_date": "2022-06-03",
    "journey__attribution_end_date": "2022-08-01",
    "journey__attribution_lookback_days": 30,
    "journey__attribution_lookback_steps": None,
    "journey__attribution_path_transforms": ["exposure_path"],
    "journey__attribution_include_converting_session": True,
    "journey__attribution_non_conversion_paths": "non_converting_users",
    "journey__attribution_data_driven_models": ["fractribution"],
}


def read_expected(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / EXPECTED.format(name))


def load_fixture_tables(database: Path, sessions: pd.DataFrame, events: pd.DataFrame) -> None:
    """Create fixtures.sessions / fixtures.events with the fct_sessions / fct_events columns used,
    and the two seeds the attribution models read (as `dbt seed` would, without its start-up)."""
    with duckdb.connect(str(database)) as con:
        for seed in ("journey_currency_rates", "journey_channel_spend"):
            con.execute(
                f"create or replace table main.{seed} as "
                f"select * from read_csv('{SEEDS / (seed + '.csv')}', header = true)"
            )
        con.execute("create schema if not exists fixtures")
        con.register("sessions_frame", sessions)
        con.register("events_frame", events)
        con.execute(
            "create or replace table fixtures.sessions as select "
            "cast(session_id as varchar) as session_id, cast(user_id as varchar) as user_id, "
            "cast(session_started_at as timestamp) as session_started_at, "
            "cast(channel as varchar) as channel, "
            "cast(traffic_campaign as varchar) as traffic_campaign, "
            "cast(traffic_source as varchar) as traffic_source, "
            "cast(traffic_medium as varchar) as traffic_medium from sessions_frame"
        )
        con.execute(
            "create or replace table fixtures.events as select "
            "cast(event_id as varchar) as event_id, cast(event_name as varchar) as event_name, "
            "cast(user_id as varchar) as user_id, cast(session_id as varchar) as session_id, "
            "cast(event_at as timestamp) as event_at, cast(revenue as decimal(28, 6)) as revenue, "
            "cast(currency as varchar) as currency from events_frame"
        )


@pytest.fixture(scope="module")
def fractribution_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtProject]:
    project = DbtProject(workdir=tmp_path_factory.mktemp("attr_conf"), base_vars=BASE_VARS)
    project.workdir.mkdir(parents=True, exist_ok=True)
    sessions_in = read_expected("sessions_by_customer_id")
    sessions = pd.DataFrame(
        {
            "session_id": [f"s{i}" for i in range(len(sessions_in))],
            "user_id": sessions_in["customer_id"],
            "session_started_at": pd.to_datetime(sessions_in["visit_start_tstamp"]),
            "channel": sessions_in["channel"],
            "traffic_campaign": sessions_in["campaign"],
            "traffic_source": sessions_in["source"],
            "traffic_medium": sessions_in["medium"],
        }
    )
    conversions_in = read_expected("conversions_by_customer_id")
    events = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(len(conversions_in))],
            "event_name": "transaction",
            "user_id": conversions_in["customer_id"],
            "session_id": None,
            "event_at": pd.to_datetime(conversions_in["conversion_tstamp"]),
            "revenue": conversions_in["revenue"],
            "currency": "USD",
        }
    )
    load_fixture_tables(project.database_path, sessions, events)
    # data tests included, unit tests excluded (they assume the project's default vars)
    project.run(
        "build",
        "-s",
        *MODELS,
        "fct_attribution_touchpoint_credits",
        "fct_attribution_data_driven",
        "fct_attribution_channel_report",
        "fct_attribution_channel_report_wide",
        "--exclude-resource-type",
        "unit_test",
    )
    yield project


def as_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    return sorted(tuple(row) for row in frame.itertuples(index=False, name=None))


def test_conversions_by_customer(fractribution_project: DbtProject) -> None:
    expected = read_expected("conversions_by_customer_id")
    actual = fractribution_project.query_df(
        "select user_id, converted_at, cast(revenue as double) as revenue "
        "from fct_attribution_conversions where is_in_attribution_window"
    )
    assert as_rows(actual) == as_rows(
        expected.assign(conversion_tstamp=pd.to_datetime(expected["conversion_tstamp"]))
    )


def test_paths_to_conversion(fractribution_project: DbtProject) -> None:
    expected = read_expected("paths_to_conversion")
    actual = fractribution_project.query_df(
        "select user_id, converted_at, cast(revenue as double) as revenue, channel_path, transformed_path "
        "from fct_attribution_paths where path_type = 'conversion'"
    )
    expected = expected.assign(conversion_tstamp=pd.to_datetime(expected["conversion_tstamp"]))
    assert as_rows(actual) == as_rows(expected)


def test_paths_to_non_conversion(fractribution_project: DbtProject) -> None:
    expected = read_expected("paths_to_non_conversion")
    actual = fractribution_project.query_df(
        "select user_id, channel_path, transformed_path "
        "from fct_attribution_paths where path_type = 'non_conversion'"
    )
    assert len(actual) == len(expected) == 61
    assert as_rows(actual) == as_rows(expected)


def test_path_summary(fractribution_project: DbtProject) -> None:
    expected = read_expected("path_summary").fillna({"revenue": 0.0})
    actual = fractribution_project.query_df(
        "select transformed_path, conversions, non_conversions, cast(revenue as double) as revenue "
        "from fct_attribution_path_summary"
    )
    assert as_rows(actual) == as_rows(expected)


def test_channel_attribution_report(fractribution_project: DbtProject) -> None:
    """fractribution's 'shapley' = our Python 'fractribution'; its last_touch = our SQL one."""
    expected = read_expected("channel_attribution")
    expected["model"] = expected["ATTRIBUTION_TYPE"].map(
        {"shapley": "fractribution", "last_touch": "last_touch"}
    )
    actual = fractribution_project.query_df(
        "select attribution_model as model, channel, "
        "cast(attributed_conversions as double) as conversions, "
        "cast(attributed_revenue as double) as revenue "
        "from fct_attribution_channel_report "
        "where attribution_model in ('fractribution', 'last_touch')"
    )
    merged = expected.merge(
        actual, left_on=["model", "CHANNEL"], right_on=["model", "channel"], how="outer"
    )
    assert len(merged) == len(expected) == len(actual) == 12
    assert merged["conversions"].sub(merged["CONVERSIONS"]).abs().max() < 1e-5
    assert merged["revenue"].sub(merged["REVENUE"]).abs().max() < 1e-4


def test_report_reads_the_script_table_when_python_models_are_off(
    fractribution_project: DbtProject, tmp_path: Path
) -> None:
    """journey__attribution_python_models: false -> the report reads what
    scripts/run_attribution.py wrote (source journey_attribution_external), same numbers."""
    offline = DbtProject(
        workdir=tmp_path, base_vars={**BASE_VARS, "journey__attribution_python_models": False}
    )
    shutil.copy(fractribution_project.database_path, offline.database_path)
    with duckdb.connect(str(offline.database_path)) as con:
        # proves the report no longer reads the Python model's table
        con.execute("drop table main.fct_attribution_data_driven")
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_DIR / "scripts" / "run_attribution.py"),
            "--database",
            str(offline.database_path),
            "--table",
            "fct_attribution_path_summary",
            "--models",
            "fractribution",
            "--out-table",
            "attribution_channel_results",
        ],
        check=True,
        capture_output=True,
    )
    offline.run("run", "-s", "fct_attribution_channel_report")
    query = (
        "select attribution_model, channel, attributed_conversions, attributed_revenue "
        "from fct_attribution_channel_report order by 1, 2"
    )
    rows = offline.query(query)
    assert rows == fractribution_project.query(query)
    # 6 heuristics + fractribution, each over the 6 channels
    assert len(rows) == 42
    assert sum(1 for row in rows if row[0] == "fractribution") == 6


def test_data_driven_mart_has_value_effects_and_bootstrap_intervals(
    fractribution_project: DbtProject, tmp_path: Path
) -> None:
    """The Python mart with Markov (orders 1, 2), both Shapley games and 30 resamples:
    value removal effects, intervals on every row, and the same numbers as the library."""
    from journey_analytics.attribution import markov_attribution

    copy = DbtProject(workdir=tmp_path, base_vars=BASE_VARS)
    shutil.copy(fractribution_project.database_path, copy.database_path)
    copy.run(
        "build",
        "-s",
        "fct_attribution_data_driven",
        "--exclude-resource-type",
        "unit_test",
        vars={
            "journey__attribution_data_driven_models": ["markov", "shapley", "shapley_path"],
            "journey__attribution_python_options": {
                "markov_order": [1, 2],
                "n_bootstrap": 30,
                "bootstrap_seed": 3,
            },
        },
    )
    mart = copy.query_df("select * from fct_attribution_data_driven")
    assert set(mart["model"]) == {
        "markov_order_1",
        "markov_order_2",
        "shapley_exact",
        "shapley_path",
    }
    assert (mart["bootstrap_resamples"] == 30).all()
    for column in ("conversions", "revenue"):
        lower, upper = mart[f"attributed_{column}_lower"], mart[f"attributed_{column}_upper"]
        assert lower.notna().all() and (lower <= upper).all()
    markov = mart["model"].str.startswith("markov")
    assert mart.loc[markov, "value_removal_effect"].notna().all()
    assert mart.loc[~markov, "value_removal_effect"].isna().all()
    summary = copy.query_df(
        "select transformed_path, conversions, non_conversions, cast(revenue as double) as revenue "
        "from fct_attribution_path_summary"
    )
    expected = markov_attribution(summary, order=2)
    got = mart.loc[mart["model"] == "markov_order_2"].set_index("channel")
    assert got["attributed_revenue"].to_dict() == pytest.approx(expected.revenue_dict())
    assert got["value_removal_effect"].to_dict() == pytest.approx(
        dict(zip(expected.channels, expected.details["value_removal_effects"], strict=True))
    )
