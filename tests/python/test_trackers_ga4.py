"""GA4 export specifics: daily and intraday shards of one day counted once, a deterministic
event id, GA4's own sessions (journey__session_source = tracker) against the 30-minute rule.

Fixture fixtures/ga4/synthetic (hand-made): events_20240301.jsonl (daily, 15 rows, one an
exact copy of another and one without event_timestamp), events_intraday_20240301.jsonl (4 rows
that repeat daily rows; its purchase lacks the user id the daily row has) and
events_intraday_20240302.jsonl (1 row, a day without a daily shard yet).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from dbt_harness import DbtProject

GA4 = Path(__file__).parent / "fixtures" / "ga4" / "synthetic"

BASE_VARS = {
    "journey__source_generic_enabled": False,
    "journey__source_ga4_enabled": True,
    "journey__ga4_events_path": str(GA4 / "*.jsonl"),
}


@pytest.fixture(scope="module")
def tracker_mode(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    """All shards, sessions from GA4's ga_session_id."""
    project = DbtProject(
        workdir=tmp_path_factory.mktemp("ga4_tracker"),
        base_vars={**BASE_VARS, "journey__session_source": "tracker"},
    )
    project.run(
        "build",
        "--select",
        "+fct_sessions",
        "+fct_quarantined_events",
        "--indirect-selection",
        "cautious",
        "--full-refresh",
    )
    return project


@pytest.fixture(scope="module")
def intraday_ids(tracker_mode: DbtProject) -> dict[str, str]:
    """The staging view's own SQL run on the intraday shards alone (as before the daily export
    of 2024-03-01 landed): event key -> event id."""
    with duckdb.connect(str(tracker_mode.database_path), read_only=True) as con:
        (view_sql,) = con.execute(
            "select sql from duckdb_views() where view_name = 'stg_ga4__events'"
        ).fetchone()
        all_shards = str(GA4 / "*.jsonl")
        assert view_sql.count(all_shards) == 1
        query = view_sql.split(" AS ", 1)[1].rstrip().rstrip(";")
        query = query.replace(all_shards, str(GA4 / "events_intraday_*.jsonl"))
        rows = con.execute(
            "select cast(event_at as varchar) || ' ' || raw_event_name, event_id "
            f"from ({query}) where event_at < timestamp '2024-03-02'"
        ).fetchall()
    return {str(key): str(event_id) for key, event_id in rows}


def test_a_day_with_a_daily_shard_is_counted_once(tracker_mode: DbtProject) -> None:
    staged = dict(
        tracker_mode.query(
            "select cast(event_at as varchar) || ' ' || raw_event_name, count(*) "
            "from stg_ga4__events where anonymous_id = 'ga-p1' group by 1"
        )
    )
    # the daily shard's rows once each (not again from the 2024-03-01 intraday shard), the
    # exact duplicate view_item twice (it is twice in the daily shard), and the 2024-03-02
    # intraday row because that day has no daily shard
    assert staged == {
        "2024-03-01 09:00:00 page_view": 1,
        "2024-03-01 09:00:00 session_start": 1,
        "2024-03-01 09:00:00 first_visit": 1,
        "2024-03-01 09:01:00 view_item": 2,
        "2024-03-01 09:02:00 add_to_cart": 2,
        "2024-03-01 09:03:00 begin_checkout": 1,
        "2024-03-01 09:05:00 purchase": 1,
        "2024-03-02 08:00:00 page_view": 1,
    }
    # the purchase is the daily row (with the user id the intraday copy lacks)
    purchase = tracker_mode.query(
        "select user_id from stg_ga4__events where raw_event_name = 'purchase'"
    )
    assert purchase == [("u-100",)]


def test_event_ids_tell_events_apart(tracker_mode: DbtProject) -> None:
    rows, distinct = tracker_mode.query(
        "select count(*), count(distinct event_id) from stg_ga4__events"
    )[0]
    assert (rows, distinct) == (16, 15)  # only GA4's exact duplicate row shares an id
    same_microsecond = tracker_mode.query(
        "select count(distinct event_id) from stg_ga4__events where raw_event_name = 'add_to_cart'"
    )
    assert same_microsecond == [(2,)]  # same user, name and microsecond, other item


def test_the_same_event_in_an_intraday_shard_has_the_same_id(
    tracker_mode: DbtProject, intraday_ids: dict[str, str]
) -> None:
    daily = dict(
        tracker_mode.query(
            "select cast(event_at as varchar) || ' ' || raw_event_name, event_id "
            "from stg_ga4__events where event_at < timestamp '2024-03-02'"
        )
    )
    intraday = intraday_ids
    assert set(intraday) == {
        "2024-03-01 09:00:00 page_view",
        "2024-03-01 09:00:00 session_start",
        "2024-03-01 09:00:00 first_visit",
        "2024-03-01 09:05:00 purchase",  # intraday copy without user_id: still the same event
    }
    assert {key: daily[key] for key in intraday} == intraday


def test_quarantine(tracker_mode: DbtProject) -> None:
    rows = tracker_mode.query(
        "select raw_event_name, quarantine_reason from fct_quarantined_events order by 1"
    )
    assert rows == [("page_view", "missing_timestamp"), ("view_item", "duplicate_event_id")]


def test_sessions_follow_ga_session_id_in_tracker_mode(tracker_mode: DbtProject) -> None:
    sessions = tracker_mode.query(
        "select anonymous_id, tracker_session_id, cast(session_started_at as varchar), "
        "event_count from fct_sessions order by 1, 3"
    )
    assert sessions == [
        ("ga-p1", "ga-p1-1709283600", "2024-03-01 09:00:00", 8),
        ("ga-p1", "ga-p1-1709366400", "2024-03-02 08:00:00", 1),
        # 10:00 has no ga_session_id: the rules join it to the 10:10 session (10 min gap)
        ("ga-p2", "ga-p2-1709287800", "2024-03-01 10:00:00", 2),
        # one ga_session_id across a 40-minute gap stays one session (the rules split it) ...
        ("ga-p3", "ga-p3-1709301600", "2024-03-01 14:00:00", 2),
        # ... and a new ga_session_id 5 minutes later starts one (the rules would not)
        ("ga-p3", "ga-p3-1709304300", "2024-03-01 14:45:00", 1),
    ]


def test_properties_hold_parameters_and_ecommerce(tracker_mode: DbtProject) -> None:
    (properties,) = tracker_mode.query(
        "select properties from fct_events where raw_event_name = 'purchase'"
    )[0]
    assert json.loads(properties) == {
        "ga_session_id": "1709283600",
        "page_location": "https://shop.example/checkout",
        "currency": "USD",
        "value": "120.0",
        "transaction_id": "T-1",
        "ga4_stream_id": "1234",
        "ga4_platform": "WEB",
        "first_user_source": "google",
        "first_user_medium": "cpc",
        "first_user_campaign": "spring",
    }
    items = tracker_mode.query(
        "select json_extract_string(properties, '$.item_ids') from fct_events "
        "where raw_event_name = 'add_to_cart' order by 1"
    )
    assert items == [("sku-1",), ("sku-2",)]  # the items array of each event
