"""Segment, GA4 and Snowplow together: each tracker's staging model has the generic staging
columns, their events union into one canonical stream, a person's devices are stitched across
trackers by user id, bad rows are quarantined and nothing is lost.

Fixtures (hand-made, expectations computed by hand below):
- fixtures/segment/synthetic: tracks, pages, identifies and the per-event table
  order_completed of two browsers (seg-a1 identifies as u-100; seg-a2 stays anonymous), and a
  track call with neither id.
- fixtures/ga4/synthetic: a daily shard and two intraday shards of a GA4 export (ga-p1
  buys as u-100; the 2024-03-01 intraday shard repeats rows of the daily one).
- fixtures/snowplow/synthetic: one Snowplow browser (sp-d1, u-100 from the transaction on)
  with a page ping, a structured add-to-basket sent twice, a legacy transaction and a
  self-describing event whose name is only in its schema URI (com.acme/video_played).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from dbt_harness import DbtProject

FIXTURES = Path(__file__).parent / "fixtures"
SEGMENT = FIXTURES / "segment" / "synthetic"
GA4 = FIXTURES / "ga4" / "synthetic"
SNOWPLOW = FIXTURES / "snowplow" / "synthetic"
GENERIC = FIXTURES / "core" / "messy_events.csv"

TRACKER_VARS = {
    "journey__source_generic_enabled": False,
    "journey__source_segment_enabled": True,
    "journey__source_ga4_enabled": True,
    "journey__source_snowplow_enabled": True,
    "journey__segment_path": str(SEGMENT / "{table}.csv"),
    "journey__segment_format": "csv",
    "journey__segment_event_tables": ["order_completed"],
    "journey__ga4_events_path": str(GA4 / "*.jsonl"),
    "journey__snowplow_events_path": str(SNOWPLOW / "events.csv"),
    "journey__snowplow_events_format": "csv",
    # the generic staging model is built only to compare its columns with the trackers'
    "journey__generic_events_path": str(GENERIC),
    "journey__generic_events_format": "csv",
}

STAGING_MODELS = [
    "stg_segment__tracks",
    "stg_segment__pages",
    "stg_segment__screens",
    "stg_segment__identifies",
    "stg_ga4__events",
    "stg_snowplow__events",
]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = DbtProject(workdir=tmp_path_factory.mktemp("trackers"), base_vars=TRACKER_VARS)
    project.run(
        "build",
        "--select",
        "+fct_sessions",
        "+fct_quarantined_events",
        "+dim_users",
        "--indirect-selection",
        "cautious",
        "--full-refresh",
    )
    return project


def columns(project: DbtProject, relation: str) -> list[tuple[str, str]]:
    return [
        (str(name), str(data_type))
        for name, data_type in project.query(
            "select column_name, data_type from information_schema.columns "
            f"where table_name = '{relation}' order by ordinal_position"
        )
    ]


def test_staging_models_have_the_generic_columns(project: DbtProject) -> None:
    # the generic staging model is disabled in this project (journey__source_generic_enabled:
    # false), so its column list is written out here; every tracker must have exactly it, with
    # the same types across trackers
    generic = columns(project, STAGING_MODELS[0])
    assert [name for name, _ in generic] == [
        "source_name", "event_id", "raw_event_name", "event_timestamp_raw", "event_at",
        "user_id", "anonymous_id", "tracker_session_id", "sequence_number", "page_url",
        "page_referrer", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term",
        "revenue", "currency", "properties", "loaded_at",
        # what staging did not use as sent (null for trackers): the generic_value_rules doc
        "user_id_raw", "anonymous_id_raw", "sequence_number_raw", "revenue_raw", "currency_raw",
        "properties_raw", "loaded_at_raw", "value_issues",
    ]  # fmt: skip
    for model in STAGING_MODELS:
        assert columns(project, model) == generic, model


def raw_row_counts() -> dict[str, int]:
    """Rows each tracker's staging should pass on, counted from the fixture files."""

    def csv_rows(path: Path) -> list[dict[str, str]]:
        with path.open(newline="") as handle:
            return list(csv.DictReader(handle))

    # every track call once: from order_completed instead of tracks for that event
    tracks = [r for r in csv_rows(SEGMENT / "tracks.csv") if r["event"] != "order_completed"]
    segment = (
        len(tracks)
        + len(csv_rows(SEGMENT / "order_completed.csv"))
        + len(csv_rows(SEGMENT / "pages.csv"))
        + len(csv_rows(SEGMENT / "identifies.csv"))
    )
    # the 2024-03-01 intraday shard is dropped: that day has a daily shard
    ga4 = sum(
        len(path.read_text().splitlines())
        for path in [GA4 / "events_20240301.jsonl", GA4 / "events_intraday_20240302.jsonl"]
    )
    snowplow = len(csv_rows(SNOWPLOW / "events.csv"))
    return {"segment": segment, "ga4": ga4, "snowplow": snowplow}


def test_every_row_is_an_event_or_quarantined(project: DbtProject) -> None:
    kept = dict(project.query("select source_name, count(*) from fct_events group by 1"))
    quarantined = dict(
        project.query("select source_name, count(*) from fct_quarantined_events group by 1")
    )
    staged = {
        source: kept.get(source, 0) + quarantined.get(source, 0)
        for source in {"segment", "ga4", "snowplow"}
    }
    assert staged == raw_row_counts() == {"segment": 10, "ga4": 16, "snowplow": 7}


def test_bad_rows_are_quarantined_with_their_reason(project: DbtProject) -> None:
    rows = project.query(
        "select source_name, raw_event_name, coalesce(anonymous_id, '-'), quarantine_reason "
        "from fct_quarantined_events order by 1, 2, 3"
    )
    assert rows == [
        # GA4 row without event_timestamp
        ("ga4", "page_view", "ga-p2", "missing_timestamp"),
        # GA4's exact duplicate of a view_item row
        ("ga4", "view_item", "ga-p1", "duplicate_event_id"),
        # Segment track call with neither anonymous_id nor user_id
        ("segment", "Product Viewed", "-", "missing_identity"),
        # the Snowplow add-to-basket delivered twice (the later-collected copy)
        ("snowplow", "ecommerce:add-to-basket", "sp-d1", "duplicate_event_id"),
    ]
    later_copy = project.query(
        "select cast(loaded_at as varchar) from fct_quarantined_events where source_name = 'snowplow'"
    )
    assert later_copy == [("2024-03-01 08:01:05",)]


def test_tracker_names_map_to_canonical_events(project: DbtProject) -> None:
    mapped = set(
        project.query("select distinct source_name, raw_event_name, event_name from fct_events")
    )
    assert mapped == {
        ("segment", "page", "page_viewed"),
        ("segment", "Product Viewed", "product_viewed"),
        ("segment", "Product Added", "product_added"),
        ("segment", "Checkout Started", "checkout_started"),
        ("segment", "identify", "user_identified"),
        ("segment", "Order Completed", "order_completed"),
        ("ga4", "page_view", "page_viewed"),
        ("ga4", "session_start", "session_started"),
        ("ga4", "first_visit", "first_visited"),
        ("ga4", "view_item", "product_viewed"),
        ("ga4", "add_to_cart", "product_added"),
        ("ga4", "begin_checkout", "checkout_started"),
        ("ga4", "purchase", "order_completed"),
        ("snowplow", "page_view", "page_viewed"),
        ("snowplow", "page_ping", "page_pinged"),
        ("snowplow", "ecommerce:add-to-basket", "product_added"),
        ("snowplow", "transaction", "order_completed"),
        ("snowplow", "link_click", "link_clicked"),
        # name from the schema URI; not in the taxonomy: kept as its normalised self
        ("snowplow", "video_played", "video_played"),
    }
    unmapped = project.query("select raw_event_name from fct_events where not is_mapped_event")
    assert unmapped == [("video_played",)]


def test_add_to_cart_of_every_tracker_is_one_canonical_event(project: DbtProject) -> None:
    rows = project.query(
        "select source_name, count(*) from fct_events where event_name = 'product_added' "
        "group by 1 order by 1"
    )
    # GA4: two add_to_cart in the same microsecond (two items) stay two events
    assert rows == [("ga4", 2), ("segment", 1), ("snowplow", 1)]


def test_identity_is_stitched_across_trackers(project: DbtProject) -> None:
    mapping = set(project.query("select anonymous_id, user_id from int_identity_map"))
    assert mapping == {("seg-a1", "u-100"), ("ga-p1", "u-100"), ("sp-d1", "u-100")}
    # every event of the three devices, before and after the login, belongs to u-100
    person = dict(
        project.query(
            "select anonymous_id, count(distinct user_id) || ':' || min(user_id) from fct_events "
            "where anonymous_id in ('seg-a1', 'ga-p1', 'sp-d1') group by 1"
        )
    )
    assert person == {"seg-a1": "1:u-100", "ga-p1": "1:u-100", "sp-d1": "1:u-100"}
    user = project.query(
        "select stitched_device_count, session_count, event_count, conversion_count "
        "from dim_users where user_id = 'u-100'"
    )
    # devices: seg-a1, ga-p1, sp-d1; sessions 2 + 2 + 1; events 7 + 9 + 6; orders 1 + 1 + 1
    assert user == [(3, 5, 22, 3)]
    anonymous = project.query(
        "select is_identified, event_count from dim_users where user_id = 'seg-a2'"
    )
    assert anonymous == [(False, 2)]


def test_revenue_and_properties(project: DbtProject) -> None:
    orders = {
        source: (float(revenue), currency, properties)
        for source, revenue, currency, properties in project.query(
            "select source_name, revenue, currency, properties from fct_events "
            "where event_name = 'order_completed'"
        )
    }
    # Segment: `revenue` of the order_completed table (not `total`), its currency
    assert orders["segment"][:2] == (90.5, "EUR")
    assert json.loads(orders["segment"][2])["order_id"] == "o-1"
    # GA4: ecommerce.purchase_revenue, currency parameter
    assert orders["ga4"][:2] == (120.0, "USD")
    assert json.loads(orders["ga4"][2])["transaction_id"] == "T-1"
    # Snowplow: tr_total / tr_currency of the legacy transaction event
    assert orders["snowplow"][:2] == (50.0, "GBP")
    assert json.loads(orders["snowplow"][2])["tr_orderid"] == "o-9"
    rates = dict(
        (row["currency"], float(row["rate_to_reporting_currency"]))
        for row in csv.DictReader(
            (Path(__file__).parents[2] / "seeds" / "journey_currency_rates.csv").open()
        )
    )
    sessions = dict(
        project.query(
            "select anonymous_id, cast(revenue as double) from fct_sessions where revenue > 0"
        )
    )
    assert sessions == pytest.approx(
        {"seg-a1": 90.5 * rates["EUR"], "ga-p1": 120.0 * rates["USD"], "sp-d1": 50.0 * rates["GBP"]}
    )


def test_sessions_by_the_rules(project: DbtProject) -> None:
    """30-minute rule, per device; the hand count of each fixture's sessions."""
    sessions = project.query(
        "select anonymous_id, cast(session_started_at as varchar), event_count, channel "
        "from fct_sessions order by 1, 2"
    )
    assert sessions == [
        ("ga-p1", "2024-03-01 09:00:00", 8, "Paid Search"),  # google / cpc parameters
        ("ga-p1", "2024-03-02 08:00:00", 1, "Direct"),
        ("ga-p2", "2024-03-01 10:00:00", 2, "Direct"),  # 10 min apart
        ("ga-p3", "2024-03-01 14:00:00", 1, "Direct"),  # 40 min gap: a new session
        ("ga-p3", "2024-03-01 14:40:00", 2, "Direct"),
        ("seg-a1", "2024-03-01 09:59:50", 6, "Paid Search"),  # page's context_campaign_*
        ("seg-a1", "2024-03-01 11:00:00", 1, "Direct"),  # 54 min after the order
        ("seg-a2", "2024-03-01 11:59:59", 2, "Referral"),  # news.example.org referrer
        ("sp-d1", "2024-03-01 08:00:00", 6, "Email"),  # mkt_medium email
    ]


def test_ga4_ties_in_one_microsecond_follow_ga4(project: DbtProject) -> None:
    entry = project.query(
        "select event_name from fct_events where anonymous_id = 'ga-p1' "
        "and event_at = timestamp '2024-03-01 09:00:00' order by event_index"
    )
    assert entry == [("first_visited",), ("session_started",), ("page_viewed",)]
