"""The retention and engagement marts built on a generated sample, compared with independent
pandas re-computations from fct_events (brute force over users and periods): weekly first-seen
retention (calendar and rolling windows, on and on-or-after), daily recurring retention with named
start and return events, DAU/WAU/MAU, weekly lifecycle and the L7/L28 power-user curves."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from dbt_harness import PROJECT_DIR, DbtProject

RETENTION_MODELS = [
    "int_retention_analyses",
    "int_retention_user_days",
    "int_retention_cohort_members",
    "int_retention_member_returns",
    "int_retention_cohort_periods",
    "fct_retention_cohorts",
    "fct_retention_curves",
    "fct_active_user_days",
    "fct_active_users_daily",
    "fct_lifecycle_periods",
    "fct_power_user_curves",
]
MAX_WEEKS = 4
MAX_DAYS = 10
MAU_DAYS = 30
VARS: dict[str, Any] = {
    "journey__retention_analyses": [
        {"name": "weekly", "period_units": ["week"], "max_periods": {"week": MAX_WEEKS}},
        {
            "name": "view_to_cart",
            "start_event": "product_viewed",
            "return_event": "product_added",
            "period_units": ["day"],
            "cohort_types": ["recurring"],
            "max_periods": {"day": MAX_DAYS},
        },
    ],
    "journey__engagement_event_names": [],
    "journey__mau_window_days": MAU_DAYS,
    "journey__engagement_curve_windows": [7, 28],
    "journey__lifecycle_period_units": ["day", "week", "month"],
}
WEEK = pd.Timedelta(days=7)
DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtProject]:
    sample = tmp_path_factory.mktemp("retention_sample")
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_DIR / "scripts" / "generate_events.py"),
            *("--users", "2000", "--days", "30", "--seed", "13", "--out", str(sample), "--quiet"),
        ],
        check=True,
        capture_output=True,
    )
    dbt = DbtProject(
        workdir=tmp_path_factory.mktemp("retention_dbt"),
        base_vars={"journey__generic_events_path": str(sample / "events" / "*.parquet"), **VARS},
    )
    dbt.run("seed")
    dbt.run("run", "--select", *[f"+{model}" for model in RETENTION_MODELS])
    # unit tests and data tests (period 0 = cohort, on <= on or after, lifecycle balance)
    dbt.run("test", "--select", *RETENTION_MODELS)
    yield dbt


@pytest.fixture(scope="module")
def events(project: DbtProject) -> pd.DataFrame:
    frame = project.query_df("select user_id, event_name, event_at from fct_events")
    frame["event_date"] = frame["event_at"].dt.normalize()
    return frame


def week_start(dates: pd.Series) -> pd.Series:
    return dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")


def retention_rows(
    members: pd.DataFrame, hits: pd.DataFrame, max_n: int
) -> dict[tuple[Any, int], tuple[int, int, int]]:
    """members: user_id, cohort (a date) ; hits: user_id, cohort, n (n >= 0, unbounded).
    Returns (cohort, n) -> (cohort users, on, on or after) for n in 0..max_n."""
    sizes = members.groupby("cohort")["user_id"].nunique()
    reach = hits.groupby(["cohort", "user_id"])["n"].max().reset_index()
    result = {}
    for n in range(max_n + 1):
        on = hits[hits["n"] == n].groupby("cohort")["user_id"].nunique()
        later = reach[reach["n"] >= n].groupby("cohort")["user_id"].nunique()
        for cohort, size in sizes.items():
            result[(cohort, n)] = (int(size), int(on.get(cohort, 0)), int(later.get(cohort, 0)))
    return result


def model_rows(project: DbtProject, where: str) -> dict[tuple[Any, int], tuple[int, int, int]]:
    rows = project.query_df(
        "select cohort_start_date, period_number, cohort_users, retained_users, "
        f"retained_on_or_after_users from fct_retention_cohorts where {where}"
    )
    return {
        (pd.Timestamp(row.cohort_start_date), int(row.period_number)): (
            int(row.cohort_users),
            int(row.retained_users),
            int(row.retained_on_or_after_users),
        )
        for row in rows.itertuples()
    }


def compare(expected: dict[Any, Any], actual: dict[Any, Any]) -> None:
    """Every model row matches; expected rows beyond the data's end are absent from the model."""
    assert actual, "no rows"
    assert {cohort for cohort, _ in actual} == {cohort for cohort, _ in expected}
    mismatched = {
        key: (expected.get(key), value)
        for key, value in actual.items()
        if expected.get(key) != value
    }
    assert mismatched == {}
    # the model leaves out only periods that had not begun: no later period of a cohort is kept
    for cohort, n in set(expected) - set(actual):
        assert not any(key[0] == cohort and key[1] > n for key in actual)


@pytest.mark.parametrize("window_type", ["calendar", "rolling"])
def test_weekly_first_seen_retention_matches_pandas(
    project: DbtProject, events: pd.DataFrame, window_type: str
) -> None:
    first = events.groupby("user_id")["event_at"].min().rename("cohort_at").reset_index()
    first["cohort"] = week_start(first["cohort_at"].dt.normalize())
    joined = events.merge(first, on="user_id")
    if window_type == "calendar":
        joined["n"] = (week_start(joined["event_date"]) - joined["cohort"]).dt.days // 7
    else:
        joined["n"] = (joined["event_at"] - joined["cohort_at"]) // WEEK
    expected = retention_rows(first, joined[["user_id", "cohort", "n"]], MAX_WEEKS)
    actual = model_rows(
        project,
        "analysis_name = 'weekly' and cohort_type = 'first_time' "
        f"and window_type = '{window_type}'",
    )
    compare(expected, actual)


@pytest.mark.parametrize("window_type", ["calendar", "rolling"])
def test_daily_recurring_named_event_retention_matches_pandas(
    project: DbtProject, events: pd.DataFrame, window_type: str
) -> None:
    starts = events[events["event_name"] == "product_viewed"]
    members = (
        starts.groupby(["user_id", "event_date"])["event_at"]
        .min()
        .rename("cohort_at")
        .reset_index()
        .rename(columns={"event_date": "cohort"})
    )
    returns = events[events["event_name"] == "product_added"]
    joined = members.merge(returns[["user_id", "event_at", "event_date"]], on="user_id")
    if window_type == "calendar":
        joined["n"] = (joined["event_date"] - joined["cohort"]).dt.days
    else:
        joined = joined[joined["event_at"] >= joined["cohort_at"]]
        joined["n"] = (joined["event_at"] - joined["cohort_at"]) // DAY
    hits = pd.concat(
        [
            joined.loc[joined["n"] >= 1, ["user_id", "cohort", "n"]],
            members[["user_id", "cohort"]].assign(n=0),  # period 0: the start event itself
        ]
    )
    expected = retention_rows(members, hits, MAX_DAYS)
    actual = model_rows(
        project, f"analysis_name = 'view_to_cart' and window_type = '{window_type}'"
    )
    compare(expected, actual)


def test_dau_wau_mau_match_pandas(project: DbtProject, events: pd.DataFrame) -> None:
    days = events[["user_id", "event_date"]].drop_duplicates()
    dates = pd.date_range(days["event_date"].min(), days["event_date"].max(), freq="D")
    by_day = days.groupby("event_date")["user_id"].apply(set)
    expected = []
    for date in dates:

        def active(window: int, date: pd.Timestamp = date) -> int:
            users: set[str] = set()
            for offset in range(window):
                users |= by_day.get(date - offset * DAY, set())
            return len(users)

        expected.append((date, active(1), active(7), active(MAU_DAYS)))
    actual = project.query_df(
        "select activity_date, dau, wau, mau from fct_active_users_daily order by 1"
    )
    assert [
        (pd.Timestamp(r.activity_date), r.dau, r.wau, r.mau) for r in actual.itertuples()
    ] == expected


def test_weekly_lifecycle_matches_pandas(project: DbtProject, events: pd.DataFrame) -> None:
    weeks = events.assign(week=week_start(events["event_date"]))[["user_id", "week"]]
    active = weeks.drop_duplicates().groupby("week")["user_id"].apply(set).sort_index()
    seen: set[str] = set()
    previous: set[str] = set()
    expected = []
    for week, users in active.items():
        new = users - seen
        returning = users & previous
        resurrecting = (users - previous) & seen
        dormant = previous - users
        expected.append(
            (week, len(users), len(new), len(returning), len(resurrecting), len(dormant))
        )
        seen |= users
        previous = users
    actual = project.query_df(
        "select period_start_date, active_users, new_users, returning_users, "
        "resurrecting_users, dormant_users from fct_lifecycle_periods "
        "where period_unit = 'week' order by 1"
    )
    assert [(pd.Timestamp(r[0]), *map(int, r[1:])) for r in actual.itertuples(index=False)] == (
        expected
    )


@pytest.mark.parametrize("window_days", [7, 28])
def test_power_user_curve_latest_matches_pandas(
    project: DbtProject, events: pd.DataFrame, window_days: int
) -> None:
    days = events[["user_id", "event_date"]].drop_duplicates()
    latest = days["event_date"].max()
    recent = days[days["event_date"] > latest - window_days * DAY]
    per_user = recent.groupby("user_id").size()
    expected = np.bincount(per_user.to_numpy(), minlength=window_days + 1)[1:]
    actual = project.query(
        "select active_day_count, user_count from fct_power_user_curves "
        f"where curve_name = 'l{window_days}' and is_latest_date order by 1"
    )
    assert [count for _, count in actual] == expected.tolist()
    assert sum(expected) > 0


def test_bad_retention_analysis_names_the_key(tmp_path: Path) -> None:
    bad = [{"name": "weekly", "window_types": ["calendar", "sliding"]}]
    result = DbtProject(workdir=tmp_path).run(
        "parse", vars={"journey__retention_analyses": bad}, expect_ok=False
    )
    assert not result.success
    assert "journey__retention_analyses[0].window_types: 'sliding' is not one of" in str(
        result.exception
    )
