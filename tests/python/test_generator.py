"""Tests of the sample-event generator: schema, determinism and every planted truth.

Expected values are recomputed from the written Parquet/CSV files with duckdb (or plain
Python) and compared with ``truth.json``; nothing is taken from the generator's internals
except the public constants that define the contract.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journey_sample.generator import GeneratorConfig, generate

REPO = Path(__file__).resolve().parents[2]

EXPECTED_SCHEMA = [
    ("event_id", pa.string()),
    ("event_name", pa.string()),
    ("event_timestamp", pa.timestamp("us")),
    ("user_id", pa.string()),
    ("anonymous_id", pa.string()),
    ("session_id", pa.string()),
    ("sequence_number", pa.int64()),
    ("page_url", pa.string()),
    ("page_referrer", pa.string()),
    ("utm_source", pa.string()),
    ("utm_medium", pa.string()),
    ("utm_campaign", pa.string()),
    ("utm_content", pa.string()),
    ("utm_term", pa.string()),
    ("revenue", pa.float64()),
    ("currency", pa.string()),
    ("properties", pa.string()),
    ("loaded_at", pa.timestamp("us")),
]
RAW_NAMES = {
    "page_view",
    "search",
    "view_item",
    "add_to_cart",
    "view_cart",
    "add_shipping_info",
    "add_payment_info",
    "purchase",
    "write_review",
    "refer_friend",
    "sign_up",
    "complete_profile",
    "create_project",
    "invite_user",
    "use_feature",
    "login",
    "subscribe",
    "Newsletter Signup",
    "debug_ping",
}
#: Server-side rows of the trigger scenarios (raw name = canonical name, own users).
SCENARIO_NAMES = {
    "cart_viewed",
    "order_completed",
    "trial_started",
    "user_logged_in",
    "project_created",
    "subscription_started",
    "loan_application_started",
    "document_upload_started",
    "document_upload_completed",
    "loan_application_submitted",
    "loan_defaulted",
    "subscription_cancelled",
    "page_viewed",
    "title_viewed",
    "experiment_viewed",
    "offer_redeemed",
    "credits_purchased",
}
CHECKOUT = ["view_cart", "add_shipping_info", "add_payment_info", "purchase"]
TRIAL = ["sign_up", "complete_profile", "create_project", "invite_user", "subscribe"]

# rows a pipeline must drop, then one row per event_id (earliest load wins)
CLEAN_SQL = """
create table clean as
select * exclude (rn) from (
    select *, row_number() over (partition by event_id order by loaded_at) as rn
    from ev
    where event_timestamp is not null
      and event_timestamp <= loaded_at
      and (user_id is not null or anonymous_id is not null)
) where rn = 1
"""


_CONNECTIONS: dict[Path, duckdb.DuckDBPyConnection] = {}


def _connect(out: Path) -> duckdb.DuckDBPyConnection:
    """One in-memory duckdb per output directory, with ``ev``, ``persons`` and ``clean``."""
    if out in _CONNECTIONS:
        return _CONNECTIONS[out]
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute(f"create view ev as select * from read_parquet('{out}/events/*.parquet')")
    con.execute(f"create view persons as select * from read_csv_auto('{out}/persons.csv')")
    con.execute(CLEAN_SQL)
    _CONNECTIONS[out] = con
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def _digest(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Three chunks, a high messy rate so that every kind of bad row occurs."""
    out = tmp_path_factory.mktemp("small")
    config = GeneratorConfig(users=600, days=30, seed=7, messy_rate=0.02, chunk_users=250)
    generate(config, out)
    yield out, json.loads((out / "truth.json").read_text())


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Large enough for binomial checks of the planted rates (~2k cart sessions)."""
    out = tmp_path_factory.mktemp("medium")
    config = GeneratorConfig(users=3000, days=60, seed=11, messy_rate=0.0, chunk_users=3000)
    generate(config, out)
    yield out, json.loads((out / "truth.json").read_text())


# ------------------------------------------------------------------------------ format


def test_schema_is_exact(small: tuple[Path, dict[str, Any]]) -> None:
    out, truth = small
    parts = sorted((out / "events").glob("*.parquet"))
    assert [p.name for p in parts] == [
        "part-00000.parquet",
        "part-00001.parquet",
        "part-00002.parquet",
        "scenarios-00000.parquet",
    ]
    for part in parts:
        schema = pq.read_schema(part)
        assert [(f.name, f.type) for f in schema] == EXPECTED_SCHEMA
    table = pq.read_table(parts[0])
    assert [(f.name, f.type) for f in table.schema] == EXPECTED_SCHEMA
    total = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
    assert total == truth["row_counts"]["events_written"]


def test_row_counts_and_names_match_truth(small: tuple[Path, dict[str, Any]]) -> None:
    out, truth = small
    con = _connect(out)
    by_name = dict(con.execute("select event_name, count(*) from ev group by 1").fetchall())
    assert set(by_name) <= RAW_NAMES | SCENARIO_NAMES
    assert not RAW_NAMES & SCENARIO_NAMES
    assert set(truth["row_counts"]["scenario_event_names"]) == SCENARIO_NAMES
    expected = {k: v for k, v in truth["row_counts"]["by_event_name"].items() if v}
    assert by_name == expected
    assert _one(con, "select count(*) from clean") == truth["row_counts"]["clean_events"]
    clean_by_name = dict(
        con.execute("select event_name, count(*) from clean group by 1").fetchall()
    )
    assert clean_by_name == {
        k: v for k, v in truth["row_counts"]["clean_by_event_name"].items() if v
    }


def test_identifiers_and_values_are_well_formed(small: tuple[Path, dict[str, Any]]) -> None:
    out, _ = small
    con = _connect(out)
    assert (
        _one(con, "select count(*) from ev where not regexp_full_match(event_id, 'e[0-9a-f]{16}')")
        == 0
    )
    assert (
        _one(con, "select count(*) from ev where not regexp_full_match(user_id, 'u[0-9a-f]{16}')")
        == 0
    )
    assert (
        _one(
            con,
            "select count(*) from ev where not regexp_full_match(anonymous_id, 'a[0-9a-f]{16}')",
        )
        == 0
    )
    # GA4-like session id: the unix second of the session's first event
    bad_sessions = _one(
        con,
        """select count(*) from (
             select session_id, floor(min(epoch(event_timestamp)))::bigint as first_s
             from clean where session_id is not null group by anonymous_id, session_id)
           where session_id::bigint <> first_s""",
    )
    assert bad_sessions == 0
    for (props,) in con.execute("select distinct properties from ev").fetchall():
        assert isinstance(json.loads(props), dict)
    # revenue and currency only (and always) on purchase / subscribe (and their scenario names)
    rows = con.execute(
        """select event_name, count(*), count(revenue), count(currency),
                  min(revenue), count(*) filter (where currency not in ('USD', 'EUR'))
           from ev group by 1"""
    ).fetchall()
    for name, n, n_rev, n_cur, min_rev, bad_cur in rows:
        if name in (
            "purchase",
            "subscribe",
            "order_completed",
            "subscription_started",
            "credits_purchased",
        ):
            assert n_rev == n_cur == n and min_rev > 0 and bad_cur == 0
        else:
            assert n_rev == n_cur == 0
    plans = con.execute(
        "select distinct revenue, properties from ev where event_name = 'subscribe'"
    ).fetchall()
    assert {(r, json.loads(p)["plan"]) for r, p in plans} <= {(29.0, "basic"), (99.0, "pro")}
    urls = _one(
        con,
        """select count(*) from ev where page_url is not null and not (
             starts_with(page_url, 'https://shop.example.com/')
             or starts_with(page_url, 'https://app.example.com/'))""",
    )
    assert urls == 0


def test_same_arguments_give_identical_bytes(
    small: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, _ = small
    again = tmp_path / "again"
    generate(GeneratorConfig(users=600, days=30, seed=7, messy_rate=0.02, chunk_users=250), again)
    assert _digest(again) == _digest(out)
    other = tmp_path / "other"
    generate(GeneratorConfig(users=600, days=30, seed=8, messy_rate=0.02, chunk_users=250), other)
    assert _digest(other)["events/part-00000.parquet"] != _digest(out)["events/part-00000.parquet"]


def test_rerun_removes_stale_parts(tmp_path: Path) -> None:
    generate(GeneratorConfig(users=60, days=10, chunk_users=20), tmp_path)
    assert len(list((tmp_path / "events").glob("part-*.parquet"))) == 3
    generate(GeneratorConfig(users=60, days=10, chunk_users=60), tmp_path)
    assert sorted(p.name for p in (tmp_path / "events").glob("*.parquet")) == [
        "part-00000.parquet",
        "scenarios-00000.parquet",
    ]


# ------------------------------------------------------------------------------ messy rows


def test_messy_row_counts_match_truth(small: tuple[Path, dict[str, Any]]) -> None:
    out, truth = small
    con = _connect(out)
    counts = truth["messy_rows"]["counts"]
    assert all(v > 0 for v in counts.values()), counts
    distinct_rows = _one(con, "select count(*) from (select distinct * from ev)")
    total = _one(con, "select count(*) from ev")
    ids = _one(con, "select count(distinct event_id) from ev")
    assert total - distinct_rows == counts["exact_duplicate"]
    assert distinct_rows - ids == counts["late_duplicate"]
    assert (
        _one(con, "select count(*) from ev where event_timestamp is null")
        == counts["null_timestamp"]
    )
    assert (
        _one(con, "select count(*) from ev where user_id is null and anonymous_id is null")
        == counts["missing_identity"]
    )
    future = _one(
        con, "select count(*) from ev where event_timestamp > loaded_at + interval 365 days"
    )
    assert future == counts["future_timestamp"]
    assert _one(con, "select count(*) from ev where event_timestamp > loaded_at") == future
    late = _one(
        con,
        """select count(*) from (
             select event_id, min(loaded_at) as first_load, any_value(event_timestamp) as ts
             from ev where event_timestamp <= loaded_at group by 1)
           where first_load - ts >= interval 6 hours""",
    )
    assert late == counts["late_arrival"]
    # every late arrival lands within 48 h, every other row within minutes
    assert (
        _one(con, "select max(loaded_at - event_timestamp) from clean").total_seconds() <= 48 * 3600
    )
    dup_late = _one(
        con,
        """select count(*) from (select event_id, count(distinct loaded_at) as c
             from ev group by 1) where c > 1""",
    )
    assert dup_late == counts["late_duplicate"]


def test_messy_rate_zero_disables_bad_rows(medium: tuple[Path, dict[str, Any]]) -> None:
    out, truth = medium
    con = _connect(out)
    assert set(truth["messy_rows"]["counts"].values()) == {0}
    assert _one(con, "select count(*) from ev") == _one(con, "select count(*) from clean")


# ------------------------------------------------------------------------------ sessions


def test_sessions_are_bursts_separated_by_gaps(small: tuple[Path, dict[str, Any]]) -> None:
    out, truth = small
    con = _connect(out)
    max_inside = _one(
        con,
        """select max(gap) from (
             select event_timestamp - lag(event_timestamp) over (
                 partition by anonymous_id, session_id order by sequence_number) as gap
             from clean where anonymous_id is not null)""",
    )
    assert max_inside.total_seconds() < 30 * 60
    shared = [s["anonymous_id"] for s in truth["identity"]["shared_computer_anonymous_ids"]]
    min_between = _one(
        con,
        f"""with s as (
              select anonymous_id, session_id, min(event_timestamp) as st, max(event_timestamp) as en
              from clean where anonymous_id is not null
                and anonymous_id not in (select unnest({shared!r}::varchar[]))
              group by all)
            select min(st - prev_en) from (
              select st, lag(en) over (partition by anonymous_id order by st) as prev_en from s)""",
    )
    assert min_between.total_seconds() > 30 * 60
    midnight = _one(
        con,
        """select count(*) from (select anonymous_id, session_id from clean
             where anonymous_id is not null group by all
             having min(event_timestamp)::date <> max(event_timestamp)::date)""",
    )
    assert midnight == truth["sessions"]["visits_crossing_midnight_utc"]
    ties = _one(
        con,
        """select count(*) from (
             select event_timestamp = lag(event_timestamp) over (
                 partition by anonymous_id, session_id order by sequence_number) as tie
             from clean where anonymous_id is not null) where tie""",
    )
    assert ties == truth["sessions"]["timestamp_ties"] > 0


def test_bounce_visits_look_like_real_traffic(medium: tuple[Path, dict[str, Any]]) -> None:
    """A bounce keeps only its landing page view; real sites see 30-60% of sessions bounce.

    With no messy rows, every tracker session (anonymous_id, session_id) is one simulated
    visit, so the sessions of one event are exactly the planted single-event visits.
    """
    out, truth = medium
    con = _connect(out)
    single, single_page_views, sessions = con.execute(
        """select count(*) filter (where n = 1),
                  count(*) filter (where n = 1 and only_name = 'page_view'),
                  count(*)
           from (select count(*) as n, any_value(event_name) as only_name
                 from clean where anonymous_id is not null and session_id is not null
                 group by anonymous_id, session_id)"""
    ).fetchone()
    planted = truth["sessions"]
    assert single == planted["single_event_visits"]
    assert planted["bounce_visits"] > 0 and planted["browse_rows_dropped_by_bounce"] > 0
    # most one-event sessions are landings that bounced (the rest: a lone app or trial event)
    assert single_page_views >= 0.9 * single
    assert 0.30 <= single / sessions <= 0.60


def test_sequence_numbers_order_each_device(small: tuple[Path, dict[str, Any]]) -> None:
    out, _ = small
    con = _connect(out)
    stats = con.execute(
        """select count(*) filter (where sequence_number is null),
                  count(*) filter (where sequence_number <> rn),
                  count(*) filter (where event_timestamp < prev_ts)
           from (select *, row_number() over w as rn, lag(event_timestamp) over w as prev_ts
                 from clean where anonymous_id is not null
                 window w as (partition by anonymous_id order by sequence_number))"""
    ).fetchone()
    assert stats == (0, 0, 0)
    server = con.execute(
        """select count(*), count(user_id), count(anonymous_id), count(session_id),
                  count(sequence_number), count(page_url)
           from clean where event_name = 'subscribe'"""
    ).fetchone()
    assert server is not None and server[0] > 0
    assert server[1:] == (server[0], 0, 0, 0, 0)


def test_utm_only_on_marketing_landings_and_campaign_changes(
    small: tuple[Path, dict[str, Any]],
) -> None:
    out, truth = small
    con = _connect(out)
    rows = con.execute(
        """select event_name, first_in_session, count(*) from (
             select *, sequence_number = min(sequence_number) over (
                 partition by anonymous_id, session_id) as first_in_session
             from clean where anonymous_id is not null)
           where utm_source is not null group by all"""
    ).fetchall()
    assert {r[0] for r in rows} == {"page_view"}
    tagged = _one(
        con,
        """select count(*) from clean where utm_source is not null and not (
             contains(page_url, 'utm_source=' || utm_source)
             and contains(page_url, 'utm_campaign=' || utm_campaign))""",
    )
    assert tagged == 0
    changes = _one(
        con,
        """select count(*) from (select anonymous_id, session_id from clean
             where utm_campaign is not null group by all
             having count(distinct utm_campaign) > 1 or count(*) > 1)""",
    )
    assert changes == truth["sessions"]["campaign_change_visits"] > 0
    # a mid-session click keeps the session's source and medium (same channel)
    mixed = _one(
        con,
        """select count(*) from (select anonymous_id, session_id from clean
             where utm_source is not null group by all having count(distinct utm_medium) > 1)""",
    )
    assert mixed == 0


# ------------------------------------------------------------------------------ funnels


def test_checkout_steps_in_order_and_counts_match(small: tuple[Path, dict[str, Any]]) -> None:
    out, truth = small
    con = _connect(out)
    per_step = dict(
        con.execute(
            """select event_name, count(distinct (anonymous_id, session_id)) from clean
               where event_name in ('view_cart', 'add_shipping_info', 'add_payment_info',
                                    'purchase') group by 1"""
        ).fetchall()
    )
    # plus the trigger scenario's carts: one server-side cart_viewed (own session) per user
    scenario_carts = _one(
        con,
        """select count(*) from clean where event_name = 'cart_viewed'
           having count(*) = count(distinct user_id)""",
    )
    assert scenario_carts == truth["checkout_funnel"]["scenario_cart_sessions"] > 0
    per_step["view_cart"] += scenario_carts
    assert per_step == truth["checkout_funnel"]["sessions_reaching_step"]
    bad = con.execute(
        """with s as (
             select anonymous_id, session_id,
               count(*) filter (where event_name = 'view_cart') as n_cart,
               max(sequence_number) filter (where event_name = 'add_to_cart') as atc,
               min(sequence_number) filter (where event_name = 'view_cart') as s1,
               min(sequence_number) filter (where event_name = 'add_shipping_info') as s2,
               min(sequence_number) filter (where event_name = 'add_payment_info') as s3,
               min(sequence_number) filter (where event_name = 'purchase') as s4
             from clean where anonymous_id is not null group by all)
           select count(*) filter (where n_cart > 1),
                  count(*) filter (where s1 is not null and (atc is null)),
                  count(*) filter (where s2 is not null and (s1 is null or s2 < s1)),
                  count(*) filter (where s3 is not null and (s2 is null or s3 < s2)),
                  count(*) filter (where s4 is not null and (s3 is null or s4 < s3))
           from s"""
    ).fetchone()
    assert bad == (0, 0, 0, 0, 0)


def _binomial_ok(successes: int, trials: int, p: float, z: float = 4.0) -> bool:
    se = math.sqrt(p * (1 - p) / trials)
    return abs(successes / trials - p) <= z * se


def test_planted_step_rates_are_recovered(medium: tuple[Path, dict[str, Any]]) -> None:
    out, truth = medium
    con = _connect(out)
    sessions = dict(
        con.execute(
            """select event_name, count(distinct (anonymous_id, session_id)) from clean
               group by 1"""
        ).fetchall()
    )
    planted = truth["checkout_funnel"]["planted_step_probability"]
    assert sessions["view_cart"] > 1500
    for prev, step in itertools.pairwise(CHECKOUT):
        assert _binomial_ok(sessions[step], sessions[prev], planted[step]), (step, sessions)
    users = dict(
        con.execute("select event_name, count(distinct user_id) from clean group by 1").fetchall()
    )
    trial_planted = truth["trial_funnel"]["planted_step_probability"]
    for prev, step in itertools.pairwise(TRIAL):
        assert _binomial_ok(users[step], users[prev], trial_planted[step]), (step, users)
    assert [users[s] for s in TRIAL] == list(truth["trial_funnel"]["users_reaching_step"].values())


def test_trial_steps_are_ordered_per_user(small: tuple[Path, dict[str, Any]]) -> None:
    out, truth = small
    con = _connect(out)
    firsts = con.execute(
        """select user_id,
             min(event_timestamp) filter (where event_name = 'sign_up'),
             min(event_timestamp) filter (where event_name = 'complete_profile'),
             min(event_timestamp) filter (where event_name = 'create_project'),
             min(event_timestamp) filter (where event_name = 'invite_user'),
             min(event_timestamp) filter (where event_name = 'subscribe')
           from clean where user_id is not null group by 1"""
    ).fetchall()
    within_2h = 0
    for _, *steps in firsts:
        reached = [s for s in steps if s is not None]
        assert steps[: len(reached)] == reached, steps  # no step without its predecessor
        assert reached == sorted(reached)
        if len(reached) >= 2 and (reached[1] - reached[0]).total_seconds() <= 7200:
            within_2h += 1
    assert within_2h == truth["trial_funnel"]["complete_profile_within_2h"]
    counts = con.execute(
        "select user_id, list(properties order by event_timestamp) from clean "
        "where event_name = 'create_project' group by 1"
    ).fetchall()
    for _, props in counts:
        assert [json.loads(p)["project_count"] for p in props] == list(range(1, len(props) + 1))


# ------------------------------------------------------------------------------ identity


def test_anonymous_browsing_precedes_signup_and_is_stitchable(
    small: tuple[Path, dict[str, Any]],
) -> None:
    out, truth = small
    con = _connect(out)
    signups = con.execute(
        """select s.anonymous_id,
             count(*) filter (where e.user_id is null and e.sequence_number < s.sequence_number),
             count(*) filter (where e.user_id = s.user_id and e.sequence_number > s.sequence_number),
             count(*) filter (where e.user_id is not null and e.sequence_number < s.sequence_number)
           from clean s join clean e on e.anonymous_id = s.anonymous_id
           where s.event_name = 'sign_up' group by s.anonymous_id, s.sequence_number"""
    ).fetchall()
    assert len(signups) == truth["people"]["signed_up_users"]
    assert all(before_anon > 0 for _, before_anon, _, _ in signups)
    assert sum(1 for _, _, after, _ in signups if after > 0) > 0.9 * len(signups)
    shared = {
        s["anonymous_id"]: sorted(s["user_ids"])
        for s in truth["identity"]["shared_computer_anonymous_ids"]
    }
    # identified events before a sign-up on the same device happen only on shared computers
    assert all(known == 0 for anon, _, _, known in signups if anon not in shared)
    multi = {
        a: sorted(u)
        for a, u in con.execute(
            """select anonymous_id, list(distinct user_id) from clean
               where user_id is not null and anonymous_id is not null
               group by 1 having count(distinct user_id) > 1"""
        ).fetchall()
    }
    assert multi == shared and len(shared) >= 1
    # outside shared computers, a device never becomes anonymous again once identified
    relapses = _one(
        con,
        f"""select count(*) from clean c join (
              select anonymous_id, min(sequence_number) as first_known from clean
              where user_id is not null and anonymous_id is not null group by 1) f
              using (anonymous_id)
            where c.user_id is null and c.sequence_number > f.first_known
              and c.anonymous_id not in (select unnest({list(shared)!r}::varchar[]))""",
    )
    assert relapses == 0
    # second devices start anonymous and are identified by a login
    second = _one(
        con,
        """select count(*) from (
             select anonymous_id, arg_min(event_name, sequence_number) filter (
                 where user_id is not null) as first_identified
             from clean where anonymous_id is not null group by 1
             having count(user_id) > 0 and count(*) filter (where event_name = 'sign_up') = 0)
           where first_identified <> 'login'""",
    )
    assert second == 0
    anonymous_only = _one(
        con,
        """select count(*) from persons p join clean c on c.anonymous_id = p.anonymous_id
           where p.user_id is null and c.user_id is not null""",
    )
    assert anonymous_only == 0


# ------------------------------------------------------------------------------ channels


SEARCH_ENGINES = {"google.com": "google", "bing.com": "bing", "duckduckgo.com": "duckduckgo"}
SEARCH_SOURCES = {"google", "bing", "duckduckgo", "yahoo", "baidu"}
SOCIAL_SOURCES = {
    "facebook",
    "facebook.com",
    "instagram",
    "instagram.com",
    "linkedin",
    "linkedin.com",
    "t.co",
    "twitter",
}
PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")


def ga4_channel(source: str | None, medium: str | None, referrer: str | None) -> str:
    """A small independent implementation of GA4's default channel group rules."""
    if source is None:
        host = None
        if referrer is not None:
            m = re.match(r"https?://([^/]+)/", referrer)
            assert m is not None
            host = m.group(1).removeprefix("www.")
        if host is None:
            source, medium = "(direct)", "(none)"
        elif host in SEARCH_ENGINES:
            source, medium = SEARCH_ENGINES[host], "organic"
        else:
            source, medium = host, "referral"
    assert medium is not None
    if source == "(direct)" and medium in ("(none)", "(not set)"):
        return "Direct"
    if source in SEARCH_SOURCES and PAID_MEDIUM.match(medium):
        return "Paid Search"
    if source in SOCIAL_SOURCES and PAID_MEDIUM.match(medium):
        return "Paid Social"
    if medium in ("display", "banner", "expandable", "interstitial", "cpm"):
        return "Display"
    if PAID_MEDIUM.match(medium):
        return "Paid Other"
    if source in SOCIAL_SOURCES or medium in ("social", "social-network", "social-media", "sm"):
        return "Organic Social"
    if source in SEARCH_SOURCES or medium == "organic":
        return "Organic Search"
    if medium in ("referral", "app", "link"):
        return "Referral"
    if re.match(r"^e[-_ ]?mail$", source) or re.match(r"^e[-_ ]?mail$", medium):
        return "Email"
    if medium == "affiliate":
        return "Affiliates"
    return "Unassigned"


def _person_sessions(con: duckdb.DuckDBPyConnection, truth: dict[str, Any]) -> list[tuple]:
    """(person_index, session start, GA4 channel of the landing) for every session."""
    excluded_users = [
        u for s in truth["identity"]["shared_computer_anonymous_ids"] for u in s["user_ids"]
    ]
    con.execute(
        f"""create or replace temp table device_person as
            select anonymous_id, person_index from persons
            where user_id is null or user_id not in (select unnest({excluded_users!r}::varchar[]))
            union
            select distinct c.anonymous_id, p.person_index from clean c
            join persons p on p.user_id = c.user_id
            where c.anonymous_id is not null
              and c.user_id not in (select unnest({excluded_users!r}::varchar[]))"""
    )
    return con.execute(
        """select d.person_index, l.event_timestamp, l.utm_source, l.utm_medium, l.page_referrer
           from (select * from clean where anonymous_id is not null
                 qualify row_number() over (partition by anonymous_id, session_id
                                            order by sequence_number) = 1) l
           join device_person d using (anonymous_id)"""
    ).fetchall()


def test_channel_values_classify_into_intended_channels(
    small: tuple[Path, dict[str, Any]],
) -> None:
    out, truth = small
    con = _connect(out)
    persons = {
        pi: (set(ch.split("|")), converted)
        for pi, ch, converted in con.execute(
            "select person_index, channels, converted from persons"
        ).fetchall()
    }
    sessions = _person_sessions(con, truth)
    first_purchase = dict(
        con.execute(
            """select d.person_index, min(c.event_timestamp) from clean c
               join device_person d using (anonymous_id)
               where c.event_name = 'purchase' group by 1"""
        ).fetchall()
    )
    seen: dict[int, set[str]] = {}
    before_purchase: dict[int, set[str]] = {}
    for pi, start, source, medium, referrer in sessions:
        channel = ga4_channel(source, medium, referrer)
        seen.setdefault(pi, set()).add(channel)
        if pi in first_purchase and start <= first_purchase[pi]:
            before_purchase.setdefault(pi, set()).add(channel)
    assert len(seen) > 0.95 * len(persons)
    for pi, channels in seen.items():
        assert channels == persons[pi][0], pi
    # every channel in a converter's set was touched at or before the first purchase
    assert first_purchase
    for pi, ts in first_purchase.items():
        assert ts is not None
        assert before_purchase[pi] == persons[pi][0], pi
        assert persons[pi][1]
    used = {c for s in seen.values() for c in s}
    assert used == set(truth["attribution"]["channels"])


def test_removal_effect_truth_recomputed_from_persons(medium: tuple[Path, dict[str, Any]]) -> None:
    out, truth = medium
    con = _connect(out)
    attribution = truth["attribution"]
    base = attribution["base_conversion"]
    lifts = {c: v["lift"] for c, v in attribution["channels"].items()}

    def p_convert(channels: set[str]) -> float:
        none = 1.0 - base
        for c in channels:
            none *= 1.0 - lifts[c]
        return 1.0 - none

    rows = con.execute("select channels, p_convert, converted from persons").fetchall()
    total = 0.0
    variance = 0.0
    incremental = dict.fromkeys(lifts, 0.0)
    exposed = dict.fromkeys(lifts, 0)
    for ch, p_file, _ in rows:
        channels = set(ch.split("|"))
        p = p_convert(channels)
        assert abs(p - p_file) < 1e-9
        total += p
        variance += p * (1 - p)
        for c in channels:
            incremental[c] += p - p_convert(channels - {c})
            exposed[c] += 1
    assert math.isclose(attribution["expected_total_conversions"], total, rel_tol=1e-9)
    for c, v in attribution["channels"].items():
        assert math.isclose(v["expected_incremental_conversions"], incremental[c], abs_tol=1e-6)
        assert v["exposed_persons"] == exposed[c]
    assert attribution["channels"]["Display"]["expected_incremental_conversions"] == 0.0
    ranking = sorted(lifts, key=lambda c: attribution["channels"][c]["removal_effect"])
    assert ranking[0] == "Display"
    # Shapley values split the lift over the baseline exactly
    shapley = sum(v["expected_shapley_conversions"] for v in attribution["channels"].values())
    assert math.isclose(shapley, total - base * len(rows), rel_tol=1e-9)
    # realised conversions: persons with a purchase, close to the expectation
    realised = _one(
        con,
        """select count(distinct coalesce(p.person_index, q.person_index)) from clean c
           left join persons p on p.user_id = c.user_id
           left join persons q on q.anonymous_id = c.anonymous_id and c.user_id is null
           where c.event_name = 'purchase'""",
    )
    converted = sum(1 for *_, conv in rows if conv)
    assert realised == converted == attribution["realised_total_conversions"]
    assert abs(realised - total) <= 4 * math.sqrt(variance)


# ------------------------------------------------------------------------------ power users


def test_power_users_file_and_weekly_rule(medium: tuple[Path, dict[str, Any]]) -> None:
    out, truth = medium
    con = _connect(out)
    power = {
        r[0]
        for r in con.execute(
            f"select user_id from read_csv_auto('{out}/power_users.csv')"
        ).fetchall()
    }
    assert len(power) == truth["power_users"]["count"] == truth["people"]["power_users"]
    signed = truth["people"]["signed_up_users"]
    assert 0.04 * signed <= len(power) <= 0.12 * signed
    end = f"timestamp '{date(2026, 1, 1).isoformat()}' + interval {truth['args']['days']} days"
    rows = con.execute(
        f"""with u as (
              select user_id, min(event_timestamp) filter (where event_name = 'sign_up') as su
              from clean where user_id is not null group by 1
              having su is not null),  -- scenario users never sign up
            w as (select u.user_id, floor(date_diff('microsecond', u.su, {end}) / 604800e6) as full
                  from u),
            f as (select c.user_id,
                         floor(date_diff('microsecond', u.su, c.event_timestamp) / 604800e6) as wk,
                         count(*) as n
                  from clean c join u using (user_id) where c.event_name = 'use_feature'
                  group by all)
            select w.user_id, w.full, count(*) filter (where f.n >= 3 and f.wk < w.full)
            from w left join f using (user_id) group by all"""
    ).fetchall()
    meets = {u for u, full, ok in rows if full >= 2 and ok * 4 >= full * 3}
    eligible = {u for u, full, _ in rows if full >= 2}
    pu = truth["power_users"]
    assert len(eligible & power) == pu["power_users_eligible"]
    assert len(meets & power) == pu["power_users_meeting_rule"]
    assert len(meets - power) == pu["other_users_meeting_rule"]
    assert pu["power_users_meeting_rule"] >= 0.9 * pu["power_users_eligible"]
    assert pu["other_users_meeting_rule"] <= 0.1 * pu["other_users_eligible"]


def test_unmapped_names_are_rare_but_present(medium: tuple[Path, dict[str, Any]]) -> None:
    _, truth = medium
    counts = truth["row_counts"]["by_event_name"]
    total = truth["row_counts"]["events_written"]
    for name in ("Newsletter Signup", "debug_ping"):
        assert 0 < counts[name] < 0.005 * total
    assert 50 <= total / truth["people"]["persons"] <= 80


# ------------------------------------------------------------------------------ CLI


def test_cli_writes_outputs_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "generate_events", REPO / "scripts" / "generate_events.py"
    )
    assert spec is not None and spec.loader is not None
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    out = tmp_path / "cli"
    rc = cli.main(
        ["--users", "50", "--days", "7", "--out", str(out), "--quiet", "--start-date", "2025-03-01"]
    )
    assert rc == 0
    summary = capsys.readouterr().out
    assert "events/s" in summary and "50 simulated people" in summary
    truth = json.loads((out / "truth.json").read_text())
    assert truth["args"]["start_date"] == "2025-03-01" and truth["args"]["users"] == 50
    for name in ("persons.csv", "users.csv", "power_users.csv", "events/part-00000.parquet"):
        assert (out / name).is_file()
    con = _connect(out)
    first = _one(con, "select min(event_timestamp) from clean where anonymous_id is not null")
    assert first.date() >= date(2025, 3, 1)
    # only win-back history (cancellations 31-59 days before a visit) precedes the range
    early = {
        r[0]
        for r in con.execute(
            "select distinct event_name from clean where event_timestamp < '2025-03-01'"
        ).fetchall()
    }
    assert early <= {"subscription_cancelled", "page_viewed", "title_viewed"}
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    help_text = capsys.readouterr().out
    for needle in ("--messy-rate", "--chunk-users", "truth.json", "add_payment_info", "lift"):
        assert needle in help_text
    assert cli.main(["--users", "0", "--out", str(out)]) == 2
