"""The trigger scenarios of the sample: planted would-be fires and treatment effects.

Every expectation is recomputed here from the written files (raw Parquet events, the CRM
survey CSV and the taxonomy seed) with duckdb SQL and plain Python, independently of the
generator's code, and compared with ``truth.json["triggers"]``; the planted treatment effects
are checked against the planted probabilities within binomial error.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from journey_sample.generator import GeneratorConfig, generate
from journey_sample.scenarios import bucket, holdout_arm

REPO = Path(__file__).resolve().parents[2]
TAXONOMY = REPO / "seeds" / "journey_event_taxonomy.csv"

#: trigger -> (holdout share, salt), as agreed with the trigger engine
HOLDOUTS = {
    "cart_abandoned_high_value": 0.10,
    "signup_no_profile": 0.10,
    "trial_disengaged": 0.10,
    "loan_paystub_stall": 0.50,
    "winback_content_gap": 0.10,
}

Fire = tuple[str, int, str, str, str]  # user, step, entry event id, condition_true_at, arm


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _arm(trigger: str, user_id: str) -> str:
    digest = hashlib.md5(f"{trigger}:{user_id}".encode(), usedforsecurity=False).hexdigest()
    return "control" if int(digest[:8], 16) % 10000 < HOLDOUTS[trigger] * 10000 else "treatment"


def _connect(out: Path) -> duckdb.DuckDBPyConnection:
    """``clean``: valid, de-duplicated rows with their canonical name (taxonomy '*' rows)."""
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute(
        f"""create table clean as
            select r.*, t.event_name as canon from (
              select * from read_parquet('{out}/events/*.parquet')
              where event_timestamp is not null and event_timestamp <= loaded_at
                and (user_id is not null or anonymous_id is not null)
              qualify row_number() over (partition by event_id order by loaded_at) = 1) r
            left join (select * from read_csv('{TAXONOMY}', all_varchar = true)
                       where source_name = '*') t on t.raw_event_name = r.event_name"""
    )
    con.execute(
        f"create table survey as select * from read_csv('{out}/cancellation_survey.csv', "
        "types = {'user_id': 'VARCHAR', 'cancelled_at': 'TIMESTAMP', 'reason': 'VARCHAR'})"
    )
    return con


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def _reentry(entries: list[tuple[str, str, datetime]], every: timedelta | None) -> list[tuple]:
    """Entries (user, event id, time) allowed by the re-entry policy (None: once ever)."""
    kept: list[tuple[str, str, datetime]] = []
    last: dict[str, datetime] = {}
    for user, eid, ts in sorted(entries, key=lambda r: (r[2], r[1])):
        if user in last and (every is None or ts - last[user] < every):
            continue
        last[user] = ts
        kept.append((user, eid, ts))
    return kept


def _absent(times: dict[str, list[datetime]], user: str, lo: datetime, hi: datetime) -> bool:
    """No time of ``user`` in the half-open window (lo, hi]."""
    return not any(lo < t <= hi for t in times.get(user, []))


def _times(con: duckdb.DuckDBPyConnection, where: str) -> dict[str, list[datetime]]:
    out: dict[str, list[datetime]] = defaultdict(list)
    for user, ts in _rows(con, f"select user_id, event_timestamp from clean where {where}"):
        if user is not None:
            out[user].append(ts)
    return out


def recompute_fires(out: Path) -> tuple[dict[str, set[Fire]], datetime]:
    """Would-be fires of the five sample triggers, from the raw files alone."""
    con = _connect(out)
    (wm,) = _rows(con, "select max(event_timestamp) from clean")[0]
    fires: dict[str, set[Fire]] = {name: set() for name in HOLDOUTS}

    def add(trigger: str, user: str, step: int, eid: str, due: datetime) -> None:
        if due <= wm:
            fires[trigger].add((user, step, eid, _iso(due), _arm(trigger, user)))

    # 1. cart_viewed with cart_value >= 150, no order_completed within 24 h; re-entry 7 days
    cart = _rows(
        con,
        """select user_id, event_id, event_timestamp from clean
           where canon = 'cart_viewed' and user_id is not null
             and try_cast(json_extract_string(properties, '$.cart_value') as double) >= 150""",
    )
    orders = _times(con, "canon = 'order_completed'")
    for user, eid, ts in _reentry(cart, timedelta(days=7)):
        if _absent(orders, user, ts, ts + timedelta(hours=24)):
            add("cart_abandoned_high_value", user, 1, eid, ts + timedelta(hours=24))
    # 2. account_created, no profile_completed within 2 h; once ever
    signups = _rows(
        con,
        "select user_id, event_id, event_timestamp from clean "
        "where canon = 'account_created' and user_id is not null",
    )
    profiles = _times(con, "canon = 'profile_completed'")
    for user, eid, ts in _reentry(signups, None):
        if _absent(profiles, user, ts, ts + timedelta(hours=2)):
            add("signup_no_profile", user, 1, eid, ts + timedelta(hours=2))
    # 3. trial_started; steps at 3, 6, 12 days without login or subscription since entry
    trials = _rows(
        con,
        "select user_id, event_id, event_timestamp from clean "
        "where canon = 'trial_started' and user_id is not null",
    )
    exits = _times(con, "canon in ('user_logged_in', 'subscription_started')")
    for user, eid, ts in _reentry(trials, None):
        for step, days in enumerate((3, 6, 12), start=1):
            due = ts + timedelta(days=days)
            if _absent(exits, user, ts, due):
                add("trial_disengaged", user, step, eid, due)
    # 4. paystub upload started, no upload completed by the user within 2 min; re-entry 1 day
    stalls = _rows(
        con,
        """select user_id, event_id, event_timestamp from clean
           where canon = 'document_upload_started' and user_id is not null
             and json_extract_string(properties, '$.document_type') = 'paystub'""",
    )
    completed = _times(con, "canon = 'document_upload_completed'")
    for user, eid, ts in _reentry(stalls, timedelta(days=1)):
        if _absent(completed, user, ts, ts + timedelta(minutes=2)):
            add("loan_paystub_stall", user, 1, eid, ts + timedelta(minutes=2))
    # 5. content-gap cancellers (survey reason content + titles viewed after cancelling) who
    # visit 30-60 days after cancelling: step 1 at the visit, step 2 three days later unless
    # they resubscribed in between; once ever
    visits = _rows(
        con,
        """select c.user_id, c.event_id, c.event_timestamp from clean c
           join survey s on s.user_id = c.user_id and s.reason = 'content'
           where c.canon = 'page_viewed'
             and c.event_timestamp >= s.cancelled_at + interval 30 days
             and c.event_timestamp <= s.cancelled_at + interval 60 days
             and exists (select 1 from clean t where t.user_id = s.user_id
                         and t.canon = 'title_viewed' and t.event_timestamp > s.cancelled_at)""",
    )
    resubscribed = _times(con, "canon = 'subscription_started'")
    cancelled = dict(_rows(con, "select user_id, cancelled_at from survey"))
    for user, eid, ts in _reentry(visits, None):
        if not _absent(resubscribed, user, cancelled[user], ts):
            continue  # resubscribed before the visit: suppressed (none are planted)
        add("winback_content_gap", user, 1, eid, ts)
        if _absent(resubscribed, user, ts, ts + timedelta(days=3)):
            add("winback_content_gap", user, 2, eid, ts + timedelta(days=3))
    return fires, wm


def _truth_fires(truth: dict[str, Any]) -> dict[str, set[Fire]]:
    return {
        name: {
            (f["user_id"], f["step"], f["entry_event_id"], f["condition_true_at"], f["arm"])
            for f in fires
        }
        for name, fires in truth["triggers"].items()
    }


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """Many scenario users (scale 600) for binomial checks of the planted effects."""
    out = tmp_path_factory.mktemp("scaled")
    generate(GeneratorConfig(users=300, days=45, seed=5, messy_rate=0.0, scenario_scale=600.0), out)
    return out, json.loads((out / "truth.json").read_text())


# ------------------------------------------------------------------------------ hash


def test_holdout_hash_matches_a_hand_computed_value() -> None:
    # md5("cart_abandoned_high_value:u0123456789abcdef") = 4eab74f9... (coreutils md5sum);
    # 0x4eab74f9 = 1319859449, mod 10000 = 9449 >= 1000: treatment
    assert bucket("u0123456789abcdef", "cart_abandoned_high_value") == 9449
    assert holdout_arm("u0123456789abcdef", "cart_abandoned_high_value", 0.10) == "treatment"
    assert holdout_arm("u0123456789abcdef", "cart_abandoned_high_value", 0.95) == "control"


# ------------------------------------------------------------------------------ fires


def test_would_be_fires_equal_truth_on_the_shared_sample(
    sample_dir: Path, sample_truth: dict[str, Any]
) -> None:
    expected, wm = recompute_fires(sample_dir)
    assert _iso(wm) == sample_truth["trigger_scenarios"]["watermark"]
    truth = _truth_fires(sample_truth)
    assert set(truth) == set(HOLDOUTS)
    for name in HOLDOUTS:
        assert truth[name] == expected[name], name
        assert len(expected[name]) > 0, f"{name} fires for nobody in the test sample"
    steps = {s for _, s, *_ in expected["trial_disengaged"]}
    assert steps == {1, 2, 3}
    assert {s for _, s, *_ in expected["winback_content_gap"]} == {1, 2}


def test_would_be_fires_equal_truth_on_a_scaled_sample(scaled: tuple[Path, dict[str, Any]]) -> None:
    out, truth = scaled
    expected, _ = recompute_fires(out)
    for name, fires in _truth_fires(truth).items():
        assert fires == expected[name], name
        arms = {f[4] for f in fires}
        assert arms == {"treatment", "control"}, name
        control = sum(f[4] == "control" for f in fires) / len(fires)
        share = HOLDOUTS[name]
        assert abs(control - share) <= 4 * math.sqrt(share * (1 - share) / len(fires)), name


def test_high_value_boundary_and_exits_are_exercised(sample_dir: Path) -> None:
    """The sample contains the edge cases a rule engine can get wrong."""
    con = _connect(sample_dir)
    exact = _rows(
        con,
        """select count(*) from clean where canon = 'cart_viewed'
           and json_extract(properties, '$.cart_value')::double = 150""",
    )[0][0]
    assert exact > 0
    quick_buyers = _rows(
        con,
        """select count(*) from clean c where c.canon = 'cart_viewed'
           and json_extract(properties, '$.cart_value')::double >= 150
           and exists (select 1 from clean o where o.user_id = c.user_id
                       and o.canon = 'order_completed' and o.event_timestamp > c.event_timestamp
                       and o.event_timestamp <= c.event_timestamp + interval 24 hours)""",
    )[0][0]
    assert quick_buyers > 0
    non_paystub_stalls = _rows(
        con,
        """select count(*) from clean s where s.canon = 'document_upload_started'
           and json_extract_string(properties, '$.document_type') <> 'paystub'
           and not exists (select 1 from clean d where d.user_id = s.user_id
                           and d.canon = 'document_upload_completed'
                           and d.event_timestamp > s.event_timestamp
                           and d.event_timestamp <= s.event_timestamp + interval 2 minutes)""",
    )[0][0]
    assert non_paystub_stalls > 0


# ------------------------------------------------------------------------------ effects


def _rate_ok(successes: int, trials: int, p: float, z: float = 4.0) -> bool:
    return abs(successes / trials - p) <= z * math.sqrt(p * (1 - p) / trials)


def _two_proportion_z(s1: int, n1: int, s2: int, n2: int) -> float:
    p = (s1 + s2) / (n1 + n2)
    return (s1 / n1 - s2 / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))


def test_cart_reminder_effect_is_planted(scaled: tuple[Path, dict[str, Any]]) -> None:
    out, truth = scaled
    con = _connect(out)
    (wm,) = _rows(con, "select max(event_timestamp) from clean")[0]
    orders = _times(con, "canon = 'order_completed'")
    outcome: dict[str, list[int]] = {"treatment": [0, 0], "control": [0, 0]}
    for f in truth["triggers"]["cart_abandoned_high_value"]:
        due = datetime.strptime(f["condition_true_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
        if due + timedelta(hours=72) > wm:
            continue
        outcome[f["arm"]][0] += 1
        outcome[f["arm"]][1] += not _absent(orders, f["user_id"], due, due + timedelta(hours=72))
    planted = truth["trigger_scenarios"]["scenarios"]["cart_abandoned_high_value"][
        "planted_order_probability_within_72h_after_fire"
    ]
    for arm, (n, k) in outcome.items():
        assert n > 80, outcome
        assert _rate_ok(k, n, planted[arm]), (arm, k, n)
    (nt, kt), (nc, kc) = outcome["treatment"], outcome["control"]
    assert _two_proportion_z(kt, nt, kc, nc) > 3.0, outcome


def test_loan_help_effect_and_default_guardrail(scaled: tuple[Path, dict[str, Any]]) -> None:
    out, truth = scaled
    con = _connect(out)
    (wm,) = _rows(con, "select max(event_timestamp) from clean")[0]
    completed = _times(
        con,
        "canon = 'document_upload_completed' "
        "and json_extract_string(properties, '$.document_type') = 'paystub'",
    )
    submitted = dict(
        _rows(
            con,
            "select user_id, event_timestamp from clean where canon = 'loan_application_submitted'",
        )
    )
    defaulted = set(
        u for (u,) in _rows(con, "select user_id from clean where canon = 'loan_defaulted'")
    )
    within: dict[str, list[int]] = {"treatment": [0, 0], "control": [0, 0]}
    default: dict[str, list[int]] = {"treatment": [0, 0], "control": [0, 0]}
    for f in truth["triggers"]["loan_paystub_stall"]:
        due = datetime.strptime(f["condition_true_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
        user, arm = f["user_id"], f["arm"]
        if due + timedelta(hours=1) <= wm:
            within[arm][0] += 1
            within[arm][1] += not _absent(completed, user, due, due + timedelta(hours=1))
        # guardrail: defaults of submitted loans old enough for a default to be seen (30 days)
        if user in submitted and submitted[user] + timedelta(days=30) <= wm:
            default[arm][0] += 1
            default[arm][1] += user in defaulted
    planted = truth["trigger_scenarios"]["scenarios"]["loan_paystub_stall"]
    p_complete = planted["planted_completion_probability_within_1h_after_stall"]
    for arm, (n, k) in within.items():
        assert n > 300, within
        assert _rate_ok(k, n, p_complete[arm]), (arm, k, n)
    assert _two_proportion_z(within["treatment"][1], within["treatment"][0],
                             within["control"][1], within["control"][0]) > 4.0  # fmt: skip
    p_default = planted["planted_default_probability_of_submitted"]
    for arm, (n, k) in default.items():
        assert n > 100, default
        assert _rate_ok(k, n, p_default), (arm, k, n)
    z = _two_proportion_z(default["treatment"][1], default["treatment"][0],
                          default["control"][1], default["control"][0])  # fmt: skip
    assert abs(z) < 3.0, default


# ------------------------------------------------------------------------------ data shape


def test_survey_matches_cancellation_events(sample_dir: Path) -> None:
    con = _connect(sample_dir)
    events = set(
        _rows(
            con,
            """select user_id, event_timestamp, json_extract_string(properties, '$.reason_code')
               from clean where canon = 'subscription_cancelled'""",
        )
    )
    survey = set(_rows(con, "select user_id, cancelled_at, reason from survey"))
    assert events == survey and len(survey) > 0
    assert {r for _, _, r in survey} == {"price", "content", "usability"}


def test_scenario_rows_are_server_side_for_their_own_users(sample_dir: Path) -> None:
    con = _connect(sample_dir)
    scenario = f"read_parquet('{sample_dir}/events/scenarios-*.parquet')"
    shape = _rows(
        con,
        f"""select count(*), count(anonymous_id), count(session_id), count(sequence_number),
                   count(page_url), count(*) filter (where loaded_at < event_timestamp)
            from {scenario}""",
    )[0]
    assert shape[0] > 0 and shape[1:] == (0, 0, 0, 0, 0)
    overlap = _rows(
        con,
        f"""select count(*) from (select distinct user_id from {scenario})
            where user_id in (select user_id from read_parquet('{sample_dir}/events/part-*.parquet')
                              where user_id is not null)""",
    )[0][0]
    assert overlap == 0
    unmapped = _rows(
        con, f"select distinct event_name from clean where canon is null and event_name in "
        f"(select distinct event_name from {scenario})"
    )  # fmt: skip
    assert unmapped == []


def test_winback_payloads_equal_truth(sample_dir: Path, sample_truth: dict[str, Any]) -> None:
    """The payload of each planted win-back fire, recomputed from the raw files: step 1 the
    genre viewed most since the cancellation (ties alphabetical), step 2 a free month when the
    user bought in the shop (order_completed with revenue) before the visit, else 20% off."""
    con = _connect(sample_dir)
    top_genre = dict(
        _rows(
            con,
            """select user_id, genre from (
                 select user_id, genre,
                        row_number() over (partition by user_id order by n desc, genre) as rank
                 from (select c.user_id, json_extract_string(c.properties, '$.genre') as genre,
                              count(*) as n
                       from clean c join survey s on s.user_id = c.user_id
                       where c.canon = 'title_viewed' and c.event_timestamp >= s.cancelled_at
                       group by 1, 2))
               where rank = 1""",
        )
    )
    entries = dict(
        _rows(con, "select event_id, event_timestamp from clean where canon = 'page_viewed'")
    )
    orders = _times(con, "canon = 'order_completed' and revenue > 0")
    fires = sample_truth["triggers"]["winback_content_gap"]
    offers = set()
    for f in fires:
        if f["step"] == 1:
            expected = {"genre": top_genre[f["user_id"]], "template_id": "new_titles"}
        else:
            visit = entries[f["entry_event_id"]]
            bought = any(t < visit for t in orders.get(f["user_id"], []))
            expected = {
                "offer": "free_month" if bought else "discount_20",
                "template_id": "winback_offer",
            }
            offers.add(expected["offer"])
        assert f["payload"] == expected, f
    assert offers == {"free_month", "discount_20"}


def test_winback_segments_agree_with_survey_and_behaviour(
    sample_dir: Path, sample_truth: dict[str, Any]
) -> None:
    """Survey reason and post-cancellation behaviour tell the same story for every user."""
    con = _connect(sample_dir)
    segments = sample_truth["trigger_scenarios"]["scenarios"]["winback_content_gap"]["segments"]
    survey = dict(_rows(con, "select user_id, reason from survey"))
    assert {s["user_id"]: s["reason"] for s in segments} == survey
    top_genre = dict(
        _rows(
            con,
            """select user_id, arg_max(genre, n) from (
                 select c.user_id, json_extract_string(c.properties, '$.genre') as genre,
                        count(*) as n
                 from clean c join survey s on s.user_id = c.user_id
                 where c.canon = 'title_viewed' and c.event_timestamp > s.cancelled_at
                 group by all) group by 1""",
        )
    )
    pages = dict(
        _rows(
            con,
            """select c.user_id, list(distinct json_extract_string(c.properties, '$.page')
                                       order by json_extract_string(c.properties, '$.page'))
               from clean c join survey s on s.user_id = c.user_id
               where c.canon = 'page_viewed' and c.event_timestamp > s.cancelled_at
               group by 1""",
        )
    )
    for s in segments:
        user = s["user_id"]
        if s["reason"] == "content":
            assert top_genre[user] == s["preferred_genre"]
            assert pages[user] == ["browse", "home"]
        else:
            assert user not in top_genre
            assert pages[user] == ["pricing" if s["reason"] == "price" else "help"]
