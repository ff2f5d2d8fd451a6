"""Tracker sources against other packages' test data, field by field (copies under
tests/python/fixtures/<tracker>/<package>, licences beside them, credited in NOTICE):

- snowplow/dbt-snowplow-web 0.15.2: 160 atomic events with edge cases labelled in user_id, and
  the sessions its integration test expects (expected/default). Compared with our fct_sessions
  built with journey__session_source = tracker (domain_sessionid decides, as there).
- Velir/dbt-ga4: GA4 export rows of three properties (base_ga4__events unit test), its
  user-id mapping unit test (last seen user id per client) and its derived user / session
  properties unit tests (values of an event parameter and a user property).
- dbt-labs/segment: the `pages` row of its integration test (a schema sample, no expected
  output): the field mapping of its segment_web_page_views model.

Where our semantics differ on purpose, the difference and its reason are written down in
DOCUMENTED_DIFFERENCES / EXTRA_SESSIONS; any other mismatch fails.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from dbt_harness import DbtProject

FIXTURES = Path(__file__).parent / "fixtures"
SNOWPLOW_WEB = FIXTURES / "snowplow" / "snowplow_web" / "integration_tests" / "data"
SNOWPLOW_EVENTS = SNOWPLOW_WEB / "source" / "snowplow_web_events.csv"
SNOWPLOW_SESSIONS = SNOWPLOW_WEB / "expected" / "default" / "snowplow_web_sessions_expected.csv"
SNOWPLOW_QUARANTINED = (
    SNOWPLOW_WEB / "expected" / "snowplow_web_base_quarantined_sessions_expected.csv"
)
VELIR = FIXTURES / "ga4" / "velir_dbt_ga4" / "derived_from_unit_tests"
SEGMENT_PAGES = (
    FIXTURES / "segment" / "dbt_labs_segment" / "integration_tests" / "seeds"
    / "example_segment_pages.csv"
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# The build: all three reference sets in one project
# --------------------------------------------------------------------------------------------


def velir_user_id_mapping_rows() -> list[dict[str, Any]]:
    """Velir's mock of stg_ga4__events (client_key, user_id, event_timestamp) as GA4 export rows:
    client_key is the device (user_pseudo_id), event_timestamp stays in microseconds."""
    with (VELIR / "test_stg_Ga4__user_id_mapping__mock_stg_ga4__events_csv.csv").open() as handle:
        return [
            {
                "event_date": "19700101",
                "event_timestamp": row["event_timestamp"],
                "event_name": "page_view",
                "event_params": [],
                "user_pseudo_id": row["client_key"],
                "user_id": row["user_id"] or None,
                "stream_id": "velir-user-id-mapping",
            }
            for row in csv.DictReader(handle)
        ]


def velir_derived_property_rows() -> list[dict[str, Any]]:
    """Velir's derived user-property mock rows; their client_key is the device."""
    rows = []
    path = VELIR / "test_stg_ga4__derived_user_properties__mock_stg_ga4__events_json.jsonl"
    for line in path.read_text().splitlines():
        row = json.loads(line)
        row["user_pseudo_id"] = row.pop("client_key")
        row["stream_id"] = "velir-derived-user"
        rows.append(row)
    path = VELIR / "test_stg_ga4__derived_session_properties__mock_stg_ga4__events_json.jsonl"
    for line in path.read_text().splitlines():
        row = json.loads(line)
        row["user_pseudo_id"] = "session-" + row.pop("session_key")
        row["stream_id"] = "velir-derived-session"
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    workdir = tmp_path_factory.mktemp("reference")
    converted = workdir / "velir_converted.jsonl"
    converted.write_text(
        "".join(
            json.dumps(row) + "\n"
            for row in velir_user_id_mapping_rows() + velir_derived_property_rows()
        )
    )
    project = DbtProject(
        workdir=workdir,
        base_vars={
            "journey__source_generic_enabled": False,
            "journey__source_snowplow_enabled": True,
            "journey__snowplow_events_path": str(SNOWPLOW_EVENTS),
            "journey__snowplow_events_format": "csv",
            "journey__source_ga4_enabled": True,
            "journey__ga4_events_path": [
                str(VELIR / "test_base_ga4__events__analytics_*.jsonl"),
                str(converted),
            ],
            "journey__source_segment_enabled": True,
            "journey__segment_path": str(SEGMENT_PAGES).replace("pages", "{table}"),
            "journey__segment_format": "csv",
            "journey__segment_tables": ["pages"],
            "journey__session_source": "tracker",
            # Velir's user-id mapping mock uses timestamps of 100 to 105 microseconds
            "journey__min_event_date": "1970-01-01",
        },
    )
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


# --------------------------------------------------------------------------------------------
# Snowplow: dbt-snowplow-web's expected sessions
# --------------------------------------------------------------------------------------------

# Expected sessions whose fields differ from ours on purpose, keyed by the last 8 characters
# of domain_sessionid: the fields as we compute them from the raw events, and why.
DOCUMENTED_DIFFERENCES: dict[str, dict[str, Any]] = {
    "a4f73b32": {  # Multiple first sessions per user (df2bf41d...)
        "ours": {"sessions": 2},
        "reason": "Two domain_sessionids of one device interleave in time. We sessionise each "
        "device's events in time order: in tracker mode a change of id starts a session, so "
        "the two ids alternate into four runs (2 per id); Snowplow groups by id.",
    },
    "210a4656": {  # Multiple first sessions per user (6f19f1f4...)
        "ours": {"sessions": 2},
        "reason": "The other id of the interleaved pair above.",
    },
    "1bf9140d": {  # No edge cases, a page ping alone 7 hours later
        "ours": {"start_tstamp": "2021-03-02 22:59:29.752", "page_views": 0},
        "reason": "A page ping without its page view: Snowplow makes it a page view that "
        "started one heartbeat (5 s) before the ping; we keep the ping as a page_pinged "
        "event at its own time, not a page view.",
    },
    "1bf9140e": {  # No edge cases, the same two days later
        "ours": {"start_tstamp": "2021-03-04 22:59:29.752", "page_views": 0},
        "reason": "As above.",
    },
    "9b30fce8": {  # stray page ping
        "ours": {"start_tstamp": "2021-03-03 18:01:38.658", "page_views": 0},
        "reason": "As above (a stray page ping).",
    },
    "8bb33af5": {  # Rotating domain_userid per session
        "ours": {
            "sessions": 3,
            "domain_userid": (
                "0e9ab97b5d9d9a174112df13fe9c44788af3ac9088a8b41e0998d92a8b4b5a4fc",
                "1f72f389728c48c5bd7d1b2fcec0a749c8bb06345d16c9546f9b1dce77e45537f",
                "2e340eb6e94820ea8369c0174c612260d1cfe9d41f0fe46268994e28d9c0bbf17",
            ),
        },
        "reason": "One domain_sessionid over three domain_userids. Our sessions belong to one "
        "device (anonymous_id), so each device's part is its own session; the three are one "
        "person through the user id (int_identity_map).",
    },
    "e131b12d": {  # Unexpired session
        "ours": {
            "end_tstamp": "2021-03-04 15:55:27.085",
            "total_events": 2,
            "page_views": 2,
        },
        "reason": "Its second event comes 8 months later with the same domain_sessionid. "
        "Snowplow caps a session at snowplow__max_session_days (3) and drops later events; "
        "tracker mode follows the id with no cap (the rules mode would start a new session).",
    },
    "8b77bd35": {  # long session
        "ours": {"end_tstamp": "2021-03-11 21:42:15.543", "total_events": 11, "page_views": 4},
        "reason": "Ten days on one domain_sessionid: Snowplow keeps the first 3 days "
        "(max_session_days) and quarantines the session; we keep every event (tracker mode).",
    },
    "6df32c60": {  # dupe: page_view_id different derived_tstamp
        "ours": {"page_views": 8},
        "reason": "Two page_view events share one page_view_id (web_page context): Snowplow "
        "counts distinct page_view_ids (7), we count page_view events (8); the contexts are "
        "not read.",
    },
    "4c2f0a08": {  # user stitch - session: 1st id: 1
        "ours": {
            "sessions": 2,
            "stitched_user_id": (
                "user stitch - session: 1st id: 1",
                "user stitch - session: 1st id: 2",
            ),
        },
        "reason": "Its two events carry two user ids (1st id: 1, 1st id: 2). A new user id "
        "starts a new session here (shared-device rule: a session belongs to one person), so "
        "each is its own session with its own user; Snowplow keeps one session and overwrites "
        "its user with the last id seen on the domain_userid (2nd id: 10). Our identity map "
        "agrees on that last id (below).",
    },
    "185b81ff": {  # user stitch - session: 2nd id: 3 .. 10
        "ours": {
            "sessions": 8,
            "stitched_user_id": tuple(
                f"user stitch - session: 2nd id: {n}" for n in (10, 3, 4, 5, 6, 7, 8, 9)
            ),
        },
        "reason": "Eight events, each with another user id (2nd id: 3 to 10): eight sessions "
        "by the same shared-device rule; Snowplow keeps one session for the last id.",
    },
    "fcb71a3b": {  # NULL domain_userid
        "ours": {"stitched_user_id": ("NULL domain_userid",)},
        "reason": "No domain_userid: Snowplow stitches by domain_userid and leaves it empty; "
        "our person key falls back to the tracked user id.",
    },
}

# Our sessions with no expected session (by their upstream label, the raw user_id), and why.
EXTRA_SESSIONS: dict[str, str] = {
    "consent_accel": "Sessions of consent events only (no page view): dbt-snowplow-web builds "
    "sessions from page views and leaves them out (its consent module reads them); every event "
    "makes a session here.",
    "NULL domain_sessionid": "No domain_sessionid: Snowplow drops the event; we keep it and the "
    "rules place it (tracker mode falls back to the rules).",
    "NULL page_view_id": "Page view without a page_view_id context: Snowplow drops the page view "
    "and so the session; we do not read contexts.",
    "late arriving: device created/sent >3 days": "Sent more than 3 days after it was created: "
    "Snowplow drops it (snowplow__days_late_allowed); we keep it at its derived_tstamp (only "
    "future timestamps and ones before journey__min_event_date are quarantined).",
}


def expected_sessions() -> pd.DataFrame:
    return pd.read_csv(SNOWPLOW_SESSIONS, dtype=str)


def none_if_missing(value: Any) -> Any:
    return None if pd.isna(value) else value


def theirs(row: pd.Series) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "sessions": 1,
        "start_tstamp": row["start_tstamp"],
        "end_tstamp": row["end_tstamp"],
        "domain_userid": tuple(v for v in [none_if_missing(row["domain_userid"])] if v),
        "stitched_user_id": tuple(v for v in [none_if_missing(row["stitched_user_id"])] if v),
        "total_events": int(row["total_events"]),
        "page_views": int(row["page_views"]),
        "first_page_url": row["first_page_url"],
    }
    if not pd.isna(row["mkt_source"]):
        fields["campaign"] = (row["mkt_source"], row["mkt_medium"], row["mkt_campaign"])
    return fields


def ours(sessions: pd.DataFrame, domain_sessionid: str, campaign: bool) -> dict[str, Any]:
    mine = sessions[sessions["tracker_session_id"] == domain_sessionid].sort_values("started")
    first = mine.iloc[0]
    fields: dict[str, Any] = {
        "sessions": len(mine),
        "start_tstamp": mine["started"].min(),
        "end_tstamp": mine["ended"].max(),
        "domain_userid": tuple(sorted(mine["anonymous_id"].dropna().unique())),
        "stitched_user_id": tuple(sorted(mine["user_id"].dropna().unique())),
        "total_events": int(mine["event_count"].sum()),
        "page_views": int(mine["page_view_count"].sum()),
        "first_page_url": first["landing_page_url"],
    }
    if campaign:
        fields["campaign"] = (
            first["traffic_source"],
            first["traffic_medium"],
            first["traffic_campaign"],
        )
    return fields


def our_sessions(project: DbtProject) -> pd.DataFrame:
    return project.query_df(
        "select tracker_session_id, anonymous_id, user_id, tracked_user_id, "
        "strftime(session_started_at, '%Y-%m-%d %H:%M:%S.%g') as started, "
        "strftime(session_ended_at, '%Y-%m-%d %H:%M:%S.%g') as ended, event_count, "
        "page_view_count, landing_page_url, traffic_source, traffic_medium, traffic_campaign "
        "from fct_sessions where source_name = 'snowplow'"
    )


def test_snowplow_sessions_match_dbt_snowplow_web(project: DbtProject) -> None:
    sessions = our_sessions(project)
    expected = expected_sessions()
    keys = [sid[-8:] for sid in expected["domain_sessionid"]]
    assert len(set(keys)) == len(keys)
    assert set(DOCUMENTED_DIFFERENCES) <= set(keys)
    found: dict[str, dict[str, Any]] = {}
    for key, (_, row) in zip(keys, expected.iterrows(), strict=True):
        want = theirs(row)
        got = ours(sessions, row["domain_sessionid"], campaign="campaign" in want)
        differing = {field: got[field] for field in want if got[field] != want[field]}
        if differing:
            found[key] = differing
    assert found == {key: doc["ours"] for key, doc in DOCUMENTED_DIFFERENCES.items()}


def test_snowplow_sessions_without_an_expected_session(project: DbtProject) -> None:
    sessions = our_sessions(project)
    expected_ids = set(expected_sessions()["domain_sessionid"])
    extra = sessions[~sessions["tracker_session_id"].isin(expected_ids)]
    counts = extra.groupby("tracked_user_id").size().to_dict()
    raw = pd.read_csv(SNOWPLOW_EVENTS, dtype=str)
    consent_ids = raw.loc[raw["user_id"] == "consent_accel", "domain_sessionid"].nunique()
    assert set(counts) == set(EXTRA_SESSIONS)
    assert counts == {
        "consent_accel": consent_ids,  # one session per consent domain_sessionid
        "NULL domain_sessionid": 1,
        "NULL page_view_id": 1,
        "late arriving: device created/sent >3 days": 1,
    }


def test_snowplow_long_session_is_quarantined_there_but_kept_here(project: DbtProject) -> None:
    (quarantined,) = pd.read_csv(SNOWPLOW_QUARANTINED, dtype=str)["session_id"]
    kept = project.query(
        f"select count(*) from fct_sessions where tracker_session_id = '{quarantined}'"
    )
    assert kept == [(1,)]  # DOCUMENTED_DIFFERENCES["8b77bd35"]


def test_snowplow_duplicate_event_ids_and_row_conservation(project: DbtProject) -> None:
    raw = pd.read_csv(SNOWPLOW_EVENTS, dtype=str)
    duplicates = len(raw) - raw["event_id"].nunique()
    quarantined = project.query(
        "select quarantine_reason, count(*) from fct_quarantined_events "
        "where source_name = 'snowplow' group by 1"
    )
    assert quarantined == [("duplicate_event_id", duplicates)]
    kept = project.query("select count(*) from fct_events where source_name = 'snowplow'")
    assert kept == [(raw["event_id"].nunique(),)]


def test_snowplow_stitching_matches_the_last_user_id_seen(project: DbtProject) -> None:
    """dbt-snowplow-web's stitched_user_id is the last user id seen on the domain_userid; our
    identity map (journey__identity_resolution = last_seen) must name the same user."""
    expected = expected_sessions().dropna(subset=["domain_userid", "stitched_user_id"])
    theirs_map = dict(zip(expected["domain_userid"], expected["stitched_user_id"], strict=True))
    ours_map = dict(
        project.query(
            "select anonymous_id, user_id from int_identity_map where anonymous_id in ("
            + ", ".join(f"'{d}'" for d in theirs_map)
            + ")"
        )
    )
    assert ours_map == theirs_map


# --------------------------------------------------------------------------------------------
# GA4: Velir/dbt-ga4
# --------------------------------------------------------------------------------------------


def test_ga4_base_events_match_velir(project: DbtProject) -> None:
    """base_ga4__events of one property (single_site) and of two (multi_site): event_date,
    event_timestamp, event_name, ga_session_id and stream_id of each row."""
    expected = pd.concat(
        pd.read_csv(VELIR / f"test_base_ga4__events__{name}_expected_csv.csv", dtype=str)
        for name in ["single_site", "multi_site"]
    )
    want = sorted(
        map(tuple, expected[["event_timestamp", "event_name", "ga_session_id", "stream_id"]].values)
    )
    rows = project.query(
        "select event_timestamp_raw, raw_event_name, properties from stg_ga4__events "
        "where json_extract_string(properties, '$.ga4_stream_id') in ('000', '100', '200')"
    )
    got = sorted(
        (ts, name, json.loads(props)["ga_session_id"], json.loads(props)["ga4_stream_id"])
        for ts, name, props in rows
    )
    assert got == want


def test_ga4_rows_without_user_pseudo_id_are_quarantined(project: DbtProject) -> None:
    """Difference: Velir's base model keeps rows without user_pseudo_id (its fixture rows have
    none); we cannot tie them to a device or person, so they go to the quarantine."""
    rows = project.query(
        "select quarantine_reason, count(*) from fct_quarantined_events "
        "where source_name = 'ga4' group by 1"
    )
    base_rows = sum(
        len(path.read_text().splitlines())
        for path in VELIR.glob("test_base_ga4__events__analytics_*.jsonl")
    )
    assert rows == [("missing_identity", base_rows)]


def test_ga4_user_id_mapping_matches_velir(project: DbtProject) -> None:
    """stg_ga4__user_id_mapping: the last user id seen per client key, with its timestamp."""
    expected = pd.read_csv(VELIR / "test_stg_Ga4__user_id_mapping__expected_csv.csv", dtype=str)
    want = sorted(
        (row.client_key, row.last_seen_user_id, int(row.last_seen_user_id_timestamp))
        for row in expected.itertuples()
    )
    got = sorted(
        (anonymous_id, user_id, int(micros))
        for anonymous_id, user_id, micros in project.query(
            "select anonymous_id, user_id, epoch_us(decided_at) from int_identity_map "
            "where anonymous_id in ('a1', 'b1', 'c1', 'c2', 'd1')"
        )
    )
    assert got == want


def test_ga4_derived_properties_match_velir(project: DbtProject) -> None:
    """Velir's derived user / session properties are the last value of an event parameter and
    of a user property; recomputed from our properties JSON (parameters by key, user properties
    as user_property_<key>) they are the same."""
    events = project.query_df(
        "select anonymous_id, event_at, sequence_number, event_id, properties from fct_events "
        "where source_name = 'ga4' and anonymous_id in ('AAA', 'BBB', 'session-AAA', 'session-BBB')"
    ).sort_values(["event_at", "sequence_number", "event_id"])
    events["props"] = events["properties"].map(json.loads)

    def last(device: str, key: str) -> str | None:
        values = [p[key] for p in events.loc[events["anonymous_id"] == device, "props"] if key in p]
        return values[-1] if values else None

    users = pd.read_csv(
        VELIR / "test_stg_ga4__derived_user_properties__expected_csv.csv", dtype=str
    )
    assert {r.client_key: last(r.client_key, "my_param") for r in users.itertuples()} == dict(
        zip(users["client_key"], users["my_derived_property"], strict=True)
    )
    sessions = pd.read_csv(
        VELIR / "test_stg_ga4__derived_session_properties__expected_csv.csv", dtype=str
    )
    got = {
        r.session_key: (
            last(f"session-{r.session_key}", "my_param"),
            last(f"session-{r.session_key}", "user_property_my_property"),
        )
        for r in sessions.itertuples()
    }
    want = {
        r.session_key: (r.my_derived_property, r.my_derived_property2)
        for r in sessions.itertuples()
    }
    assert got == want


# --------------------------------------------------------------------------------------------
# Segment: dbt-labs/segment
# --------------------------------------------------------------------------------------------


def test_segment_page_matches_the_segment_package_mapping(project: DbtProject) -> None:
    """dbt-labs/segment's segment_web_page_views reads a pages row as: id, anonymous_id,
    user_id, timestamp as the time, url as page_url, path / search / title, referrer, and
    context_campaign_source / medium / name / term / content as utm_*. Difference: its path
    (/product) comes from the `path` column; our page_path is parsed from `url` (the fixture's
    url has path '/'), the `path` column is kept in properties."""
    with SEGMENT_PAGES.open() as handle:
        (row,) = list(csv.DictReader(handle))
    got = project.query_df(
        "select event_id, anonymous_id, user_id, strftime(event_at, '%Y-%m-%d %H:%M:%S') as ts, "
        "page_url, page_path, page_referrer, utm_source, utm_medium, utm_campaign, utm_term, "
        "utm_content, properties, event_name from fct_events where source_name = 'segment'"
    ).to_dict("records")
    assert len(got) == 1
    mine = got[0]
    assert {
        "event_id": mine["event_id"],
        "anonymous_id": mine["anonymous_id"],
        "tracked_user": project.query(
            f"select tracked_user_id from fct_events where event_id = '{row['id']}'"
        )[0][0],
        "tstamp": mine["ts"],
        "page_url": mine["page_url"],
        "referrer": mine["page_referrer"],
        "utm": (
            mine["utm_source"],
            mine["utm_medium"],
            mine["utm_campaign"],
            mine["utm_term"],
            mine["utm_content"],
        ),
        "path_search_title": tuple(
            json.loads(mine["properties"])[k] for k in ["path", "search", "title"]
        ),
    } == {
        "event_id": row["id"],
        "anonymous_id": row["anonymous_id"],
        "tracked_user": row["user_id"],
        "tstamp": row["timestamp"],
        "page_url": row["url"],
        "referrer": row["referrer"],
        "utm": (
            row["context_campaign_source"],
            row["context_campaign_medium"],
            row["context_campaign_name"],
            row["context_campaign_term"],
            row["context_campaign_content"],
        ),
        "path_search_title": (row["path"], row["search"], row["title"]),
    }
    assert mine["event_name"] == "page_viewed"
    assert mine["page_path"] == "/"  # from url, see the docstring
    session = project.query(
        "select user_id, traffic_source, traffic_medium, traffic_campaign, page_view_count "
        "from fct_sessions where source_name = 'segment'"
    )
    assert session == [(row["user_id"], "facebook", "social", "autumn_collection_2015", 1)]
    identity = project.query(
        f"select user_id from int_identity_map where anonymous_id = '{row['anonymous_id']}'"
    )
    assert identity == [(row["user_id"],)]
