"""Snowplow events arriving in two batches, checked against dbt-labs/snowplow's integration
test (copy in fixtures/snowplow/dbt_labs_snowplow, Apache-2.0): the second batch brings a late
event of an existing session (it must join it) and the first user id of a device whose earlier
session was anonymous (that session must be stitched back to the user). Our run: a full build
on batch 1, then an incremental run after batch 2 lands, sessions from domain_sessionid
(journey__session_source = tracker, as the package sessionises).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dbt_harness import DbtProject

SEEDS = (
    Path(__file__).parent
    / "fixtures"
    / "snowplow"
    / "dbt_labs_snowplow"
    / "integration_tests"
    / "seeds"
)
# dbt seeds load 'NULL' / 'null' cells as nulls (agate's null values); so does this loader
NULL_STRINGS = ["", "NULL", "null"]
# the package's expected times are local to its default snowplow:timezone, America/New_York
# (UTC-5 in January)
NEW_YORK_OFFSET = timedelta(hours=5)

# Fields that differ on purpose: ours, and why.
DOCUMENTED_DIFFERENCES = {
    "first_page_path": (
        "/imports",
        "dbt-labs builds first_page_url from page_urlhost || page_urlpath ('vandelay.com/'); "
        "we read page_url, which in this fixture is https://vandelay.com/imports#exports.",
    ),
}


def load_batch(csv_path: Path, target: Path) -> None:
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * from read_csv('{csv_path}', header = true, all_varchar = true, "
            f"nullstr = {NULL_STRINGS})) to '{target}' (format parquet)"
        )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    workdir = tmp_path_factory.mktemp("snowplow_batches")
    events = workdir / "events"
    events.mkdir()
    project = DbtProject(
        workdir=workdir,
        base_vars={
            "journey__source_generic_enabled": False,
            "journey__source_snowplow_enabled": True,
            "journey__snowplow_events_path": str(events / "*.parquet"),
            "journey__snowplow_events_format": "parquet",
            "journey__session_source": "tracker",
        },
    )
    selection = ["--select", "+fct_sessions", "--indirect-selection", "cautious"]
    load_batch(SEEDS / "event" / "sp_event.csv", events / "batch_1.parquet")
    project.run("build", *selection, "--full-refresh")
    first = project.query("select count(*) from fct_sessions")[0][0]
    assert first == 3  # users 1, 2 and 3, one session each
    load_batch(SEEDS / "event" / "sp_event_update.csv", events / "batch_2.parquet")
    project.run("build", *selection)  # incremental
    return project


def expected() -> pd.DataFrame:
    frame = pd.read_csv(
        SEEDS / "expected" / "snowplow_sessions_expected.csv", dtype=str, na_values=NULL_STRINGS
    )
    for column in ["session_start", "session_end"]:
        frame[column] = frame[column].map(
            lambda local: (
                datetime.strptime(local, "%Y-%m-%d %H:%M:%S") + NEW_YORK_OFFSET
            ).isoformat(" ")
        )
    return frame


def test_sessions_after_the_second_batch_match(project: DbtProject) -> None:
    ours = project.query_df(
        "select sessions.tracker_session_id, sessions.user_id, sessions.anonymous_id, "
        "strftime(sessions.session_started_at, '%Y-%m-%d %H:%M:%S') as started, "
        "strftime(sessions.session_ended_at, '%Y-%m-%d %H:%M:%S') as ended, "
        "sessions.landing_page_path, sessions.referrer_url, entry.utm_medium, entry.utm_source, "
        "entry.utm_term, entry.utm_campaign, entry.utm_content "
        "from fct_sessions as sessions inner join fct_events as entry "
        "on sessions.session_id = entry.session_id and entry.event_index = 1"
    ).set_index("tracker_session_id")
    theirs = expected().set_index("session_id")
    assert sorted(ours.index) == sorted(theirs.index)

    def host(url: object) -> str | None:
        if not isinstance(url, str):
            return None
        return url.split("//", 1)[-1].split("/", 1)[0]

    differences: dict[str, set[object]] = {}
    for session_id, want in theirs.iterrows():
        got = ours.loc[session_id]
        pairs = {
            "inferred_user_id": (want["inferred_user_id"], got["user_id"]),
            "user_snowplow_domain_id": (want["user_snowplow_domain_id"], got["anonymous_id"]),
            "session_start": (want["session_start"], got["started"]),
            "session_end": (want["session_end"], got["ended"]),
            "first_page_path": (
                "/" + want["first_page_url"].split("/", 1)[1],
                got["landing_page_path"],
            ),
            "referer_host": (host(want["referer_url"]), host(got["referrer_url"])),
        }
        for field in ["medium", "source", "term", "campaign", "content"]:
            value = want[f"marketing_{field}"]
            pairs[f"marketing_{field}"] = (None if pd.isna(value) else value, got[f"utm_{field}"])
        for field, (wanted, found) in pairs.items():
            found = None if pd.isna(found) else found
            if wanted != found:
                differences.setdefault(field, set()).add(found)
    assert differences == {field: {ours} for field, (ours, _) in DOCUMENTED_DIFFERENCES.items()}


def test_the_late_event_joined_its_session(project: DbtProject) -> None:
    rows = project.query(
        "select event_id, session_started_at = (select session_started_at from fct_events "
        "where event_id = 'e817ceed-0d68-4e9e-ab28-ce540f7d09cf') from fct_events "
        "where tracker_session_id = 'user_1_session_1' order by event_at"
    )
    # the batch-2 page view (update001...) is in the batch-1 session that starts at 12:00:00
    assert [flag for _, flag in rows] == [True, True, True]
    assert rows[-1][0] == "update001-0d68-4e9e-ab28-ce540f7d09cf"
    assert project.query("select count(*) from fct_sessions") == [(5,)]


def test_the_anonymous_session_was_stitched_back(project: DbtProject) -> None:
    rows = project.query(
        "select user_id, is_identified, tracked_user_id from fct_sessions "
        "where tracker_session_id = 'user_3_session_1'"
    )
    # batch 1: anonymous; batch 2's user_3_session_2 carries user_id_3 for domain_userid_3
    assert rows == [("user_id_3", True, None)]
