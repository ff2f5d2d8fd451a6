"""The segments marts on a synthetic event log, checked against pandas/scipy re-computations
from the raw events (an independent implementation of each definition), plus config errors.

One dbt build of the segments marts (about 20 s); every expected value below is computed here
from the raw CSV, never read back from the model under test.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from dbt_harness import DbtProject
from scipy import stats

PROJECT = Path(__file__).resolve().parents[2]
START = date(2024, 1, 1)
DAYS = 120
AS_OF = date(2024, 4, 25)  # events after it exist and must be ignored
RATES = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27}  # the seed journey_currency_rates
STAGES = {  # raw name -> (canonical, journey stage) from seed journey_event_taxonomy
    "page_view": ("page_viewed", "aware"),
    "view_item": ("product_viewed", "appeal"),
    "add_to_cart": ("product_added", "ask"),
    "purchase": ("order_completed", "act"),
    "sign_up": ("account_created", "act"),
    "use_feature": ("feature_used", "act"),
    "create_project": ("project_created", "act"),
    "write_review": ("review_submitted", "advocate"),
    "subscribe": ("subscription_started", "act"),
}
COLUMNS = [
    "event_id", "event_name", "event_timestamp", "user_id", "anonymous_id", "session_id",
    "sequence_number", "page_url", "page_referrer", "utm_source", "utm_medium", "utm_campaign",
    "utm_content", "utm_term", "revenue", "currency", "properties", "loaded_at",
]  # fmt: skip
RULES = [
    {
        "name": "weekly_features",
        "description": "feature_used 3+ times in at least 3 of the last 4 weeks",
        "event_names": ["feature_used"],
        "measure": "events",
        "period_days": 7,
        "min_value": 3,
        "min_share_of_periods": 0.75,
        "lookback_days": 28,
    },
    {
        "name": "many_projects",
        "description": "project_count above 5",
        "event_names": "project_created",
        "measure": "max_property",
        "property": "project_count",
        "min_value": 6,
        "lookback_days": None,
    },
]


def write_events(path: Path, users: int = 320, seed: int = 3) -> pd.DataFrame:
    """A shop + app event log with known structure; returns it as a DataFrame too."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []

    def add(name: str, at: datetime, uid: str | None, anon: str, **extra: Any) -> None:
        rows.append(
            {
                "event_id": f"e{len(rows)}",
                "event_name": name,
                "event_timestamp": at.strftime("%Y-%m-%d %H:%M:%S"),
                "user_id": uid or "",
                "anonymous_id": anon,
                "revenue": extra.get("revenue", ""),
                "currency": extra.get("currency", ""),
                "properties": json.dumps(extra["props"]) if "props" in extra else "",
            }
        )

    for i in range(users):
        anon = f"a{i}"
        uid = f"u{i}" if i % 10 else None  # every tenth person stays anonymous
        first = int(rng.integers(0, 100))
        activity = rng.choice([0.08, 0.3, 0.8], p=[0.5, 0.35, 0.15])
        feature_rate = rng.choice([0.5, 2.0, 5.0], p=[0.6, 0.3, 0.1])
        buy_rate = rng.choice([0.0, 0.03, 0.12], p=[0.3, 0.5, 0.2])
        dropout = rng.uniform(0.05, 0.5)
        projects = 0
        alive = True
        t0 = datetime(START.year, START.month, START.day, 9) + timedelta(days=first)
        add("page_view", t0, None, anon)
        if uid:
            add("sign_up", t0 + timedelta(minutes=2), uid, anon)
        for d in range(first, DAYS):
            day = datetime(START.year, START.month, START.day, 10) + timedelta(
                days=d, minutes=int(rng.integers(0, 600))
            )
            if rng.random() < activity:
                add("page_view", day, uid, anon)
                if rng.random() < 0.6:
                    add("view_item", day + timedelta(minutes=1), uid, anon)
                if uid:
                    for k in range(rng.poisson(feature_rate)):
                        feature = ["export", "share", "chart"][k % 3]
                        add("use_feature", day + timedelta(minutes=2, seconds=k), uid, anon,
                            props={"feature": feature})  # fmt: skip
                    if rng.random() < 0.08:
                        projects += 1
                        add("create_project", day + timedelta(minutes=3), uid, anon,
                            props={"project_count": projects})  # fmt: skip
            if alive and buy_rate and rng.random() < buy_rate:
                add("add_to_cart", day + timedelta(minutes=4), uid, anon)
                currency = rng.choice(["USD", "EUR", "GBP", "XXX"], p=[0.6, 0.25, 0.14, 0.01])
                add("purchase", day + timedelta(minutes=5), uid, anon,
                    revenue=f"{rng.gamma(3.0, 20.0):.2f}", currency=currency)  # fmt: skip
                if rng.random() < 0.15:
                    add("purchase", day + timedelta(minutes=7), uid, anon,
                        revenue=f"{rng.gamma(3.0, 10.0):.2f}", currency="USD")  # fmt: skip
                if rng.random() < 0.2:
                    add("write_review", day + timedelta(minutes=9), uid, anon)
                if rng.random() < dropout:
                    alive = False
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in COLUMNS})
    frame = pd.DataFrame(rows)
    frame["at"] = pd.to_datetime(frame["event_timestamp"])
    frame["date"] = frame["at"].dt.date
    # the person key of fct_events: the user id, stitched back onto the device's anonymous rows
    stitched = frame[frame["user_id"] != ""].groupby("anonymous_id")["user_id"].first()
    frame["person"] = frame["anonymous_id"].map(stitched).fillna(frame["anonymous_id"])
    frame["canonical"] = frame["event_name"].map(lambda n: STAGES[n][0])
    frame["stage"] = frame["event_name"].map(lambda n: STAGES[n][1])
    return frame


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, pd.DataFrame]:
    workdir = tmp_path_factory.mktemp("segments_dbt")
    events = write_events(workdir / "events.csv")
    project = DbtProject(
        workdir=workdir,
        base_vars={
            "journey__generic_events_path": str(workdir / "events.csv"),
            "journey__generic_events_format": "csv",
            "journey__segments_as_of_date": AS_OF.isoformat(),
            "journey__power_user_rules": RULES,
            "journey__clv_holdout_days": 30,
            "journey__segments_confidence_level": 0.9,
        },
    )
    project.run(
        "build", "-s", "+models/marts/segments", "journey_rfm_segments",
        "--exclude-resource-type", "test", "unit_test",
    )  # fmt: skip
    return project, events


# --- RFM ------------------------------------------------------------------------------------


def quintile(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """1 + floor(5 x (#strictly worse) / n), ties sharing the score (rankdata 'min')."""
    ranks = stats.rankdata(values if higher_is_better else -values, method="min")
    return pd.Series(1 + np.floor(5 * (ranks - 1) / len(values)).astype(int), index=values.index)


def expected_rfm(events: pd.DataFrame, snapshot: date) -> pd.DataFrame:
    seed = pd.read_csv(PROJECT / "seeds" / "journey_rfm_segments.csv").sort_values("priority")
    buys = events[(events["canonical"] == "order_completed") & (events["date"] <= snapshot)].copy()
    rate = buys["currency"].map(RATES)
    buys["usd"] = pd.to_numeric(buys["revenue"]) * rate  # unknown currency -> NaN -> left out
    per = buys.groupby("person").agg(
        last=("date", "max"), frequency=("event_id", "size"), monetary=("usd", "sum")
    )
    per["recency"] = [(snapshot - d).days for d in per["last"]]
    per["r"] = quintile(per["recency"], higher_is_better=False)
    per["f"] = quintile(per["frequency"])
    per["m"] = quintile(per["monetary"].round(6))

    def segment(row: pd.Series) -> str:
        for rule in seed.itertuples():
            if (
                rule.recency_score_min <= row.r <= rule.recency_score_max
                and rule.frequency_score_min <= row.f <= rule.frequency_score_max
                and rule.monetary_score_min <= row.m <= rule.monetary_score_max
            ):
                return str(rule.segment_name)
        return "Unclassified"

    per["segment"] = per.apply(segment, axis=1)
    return per


def test_current_rfm_matches_pandas(built: tuple[DbtProject, pd.DataFrame]) -> None:
    project, events = built
    expected = expected_rfm(events, AS_OF)
    got = project.query_df(
        "select user_id, recency_days, frequency, monetary_value, recency_score, "
        "frequency_score, monetary_score, segment_name from dim_customer_rfm"
    ).set_index("user_id")
    assert len(expected) > 100 and set(got.index) == set(expected.index)
    got = got.loc[expected.index]
    assert (got["recency_days"].to_numpy() == expected["recency"].to_numpy()).all()
    assert (got["frequency"].to_numpy() == expected["frequency"].to_numpy()).all()
    assert np.allclose(got["monetary_value"].astype(float), expected["monetary"], atol=1e-4)
    for ours, theirs in (("recency_score", "r"), ("frequency_score", "f"), ("monetary_score", "m")):
        assert (got[ours].to_numpy() == expected[theirs].to_numpy()).all(), ours
    assert (got["segment_name"].to_numpy() == expected["segment"].to_numpy()).all()
    # the data really has ties and single-purchase customers
    assert (expected["frequency"] == 1).sum() > 20 and expected["recency"].duplicated().any()


def test_snapshots_and_transitions_match_pandas(built: tuple[DbtProject, pd.DataFrame]) -> None:
    project, events = built
    snapshots = [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), AS_OF]
    got = project.query_df("select snapshot_date, user_id, segment_name from fct_rfm_snapshots")
    got["snapshot_date"] = pd.to_datetime(got["snapshot_date"]).dt.date
    assert sorted(got["snapshot_date"].unique()) == snapshots
    previous: pd.Series | None = None
    transitions = project.query_df(
        "select snapshot_date, from_segment_name, to_segment_name, customer_count "
        "from fct_rfm_segment_transitions"
    )
    transitions["snapshot_date"] = pd.to_datetime(transitions["snapshot_date"]).dt.date
    for snapshot in snapshots:
        expected = expected_rfm(events, snapshot)["segment"]
        ours = got[got["snapshot_date"] == snapshot].set_index("user_id")["segment_name"]
        assert ours.sort_index().equals(expected.sort_index().rename("segment_name"))
        moves = pd.DataFrame(
            {
                "from": expected.index.map(
                    lambda u, prev=previous: (
                        prev.get(u, "(new customer)") if prev is not None else "(new customer)"
                    )
                ),
                "to": expected.to_numpy(),
            }
        ).value_counts()
        table = transitions[transitions["snapshot_date"] == snapshot].set_index(
            ["from_segment_name", "to_segment_name"]
        )["customer_count"]
        assert {k: int(v) for k, v in table.items()} == {k: int(v) for k, v in moves.items()}
        previous = expected


# --- journey stages -------------------------------------------------------------------------

ORDER = ["aware", "appeal", "ask", "act", "advocate"]


def test_journey_stages_match_pandas(built: tuple[DbtProject, pd.DataFrame]) -> None:
    project, events = built
    seen = events[events["date"] <= AS_OF].copy()
    seen["rank"] = seen["stage"].map(ORDER.index) + 1
    seen["eid"] = seen["event_id"].str[1:].astype(int)
    seen = seen.sort_values(["person", "at", "event_id"])  # no sequence numbers in this log
    furthest = seen.groupby("person")["rank"].max()
    latest = seen.groupby("person")["rank"].last()
    got = project.query_df(
        "select user_id, furthest_stage_rank, latest_stage_rank, current_stage from "
        "dim_user_journey_stages"
    ).set_index("user_id")
    assert set(got.index) == set(furthest.index)
    assert (got.loc[furthest.index, "furthest_stage_rank"].to_numpy() == furthest.to_numpy()).all()
    assert (got.loc[latest.index, "latest_stage_rank"].to_numpy() == latest.to_numpy()).all()
    assert (got["current_stage"] == got["furthest_stage_rank"].map(lambda r: ORDER[r - 1])).all()

    # weekly transitions (furthest definition): each user counted every week from their first
    seen["week"] = [d - timedelta(days=d.weekday()) for d in seen["date"]]
    weeks = sorted(seen["week"].unique())
    week_max = seen.groupby(["person", "week"])["rank"].max()
    expected: dict[tuple[date, str, str], int] = {}
    for _person, group in week_max.groupby(level=0):
        per_week = group.droplevel(0)
        stage = None
        for week in weeks:
            if week < per_week.index.min():
                continue
            new = max(stage or 0, int(per_week.get(week, 0)))
            key = (week, "(new)" if stage is None else ORDER[stage - 1], ORDER[new - 1])
            expected[key] = expected.get(key, 0) + 1
            stage = new
    table = project.query_df(
        "select week_start_date, from_stage, to_stage, user_count from fct_journey_stage_transitions"
    )
    ours = {
        (pd.Timestamp(r.week_start_date).date(), r.from_stage, r.to_stage): int(r.user_count)
        for r in table.itertuples()
    }
    assert ours == expected


# --- power users ----------------------------------------------------------------------------


def expected_power_users(
    events: pd.DataFrame, as_of: date
) -> tuple[pd.DataFrame, dict[str, set[str]]]:
    """The power-user population as of `as_of` (identified people seen by then) with the
    metrics the cohorts are cut and described on, and the members of each cohort."""
    seen = events[(events["date"] <= as_of) & events["person"].str.startswith("u")].copy()
    first_seen = events[events["date"] <= as_of].groupby("person")["date"].min()
    users = pd.DataFrame(index=pd.Index(sorted(seen["person"].unique()), name="user_id"))
    users["first_seen"] = first_seen.reindex(users.index)
    features = seen[seen["canonical"] == "feature_used"]
    recent = features[[(as_of - d).days < 28 for d in features["date"]]]
    users["l28_events"] = recent.groupby("person").size().reindex(users.index).fillna(0)
    users["l28_days"] = recent.groupby("person")["date"].nunique().reindex(users.index).fillna(0)
    users["features"] = features.groupby("person").size().reindex(users.index).fillna(0)
    seen["usd"] = pd.to_numeric(seen["revenue"], errors="coerce").fillna(0) * seen["currency"].map(
        RATES
    ).fillna(0)
    users["revenue"] = seen.groupby("person")["usd"].sum().reindex(users.index).fillna(0)
    converted = seen[seen["canonical"].isin(["order_completed", "subscription_started"])]
    users["converted"] = users.index.isin(converted["person"]).astype(float)
    age = seen["date"].map(lambda d: d) - seen["person"].map(users["first_seen"])
    in_window = seen[[29 <= a.days <= 56 for a in age]]
    users["eligible"] = [(as_of - f).days >= 56 for f in users["first_seen"]]
    users["retained"] = users.index.isin(in_window["person"]).astype(float)

    # data-driven cohort: top 10% of L28-active users by (events, days), ties kept together
    active = users[users["l28_days"] > 0]
    keys = list(zip(active["l28_events"], active["l28_days"], strict=True))
    above = np.array([sum(other > key for other in keys) for key in keys])
    members = {"l28_top_share": set(active.index[above < 0.1 * len(active)])}
    # rule 1: >= 3 feature events per 7-day period back from as_of in >= 75% of the user's
    # periods (4 in the window, fewer for users first seen less than 4 weeks ago)
    members["weekly_features"] = set()
    for person, group in recent.groupby("person"):
        periods = pd.Series([(as_of - d).days // 7 for d in group["date"]]).value_counts()
        eligible = min(4, (as_of - first_seen[person]).days // 7 + 1)
        if (periods >= 3).sum() >= 0.75 * eligible:
            members["weekly_features"].add(person)
    # rule 2: largest project_count > 5, all history
    projects = seen[seen["canonical"] == "project_created"].copy()
    projects["count"] = projects["properties"].map(lambda p: json.loads(p)["project_count"])
    members["many_projects"] = set(
        projects.groupby("person")["count"].max().loc[lambda s: s >= 6].index
    )
    return users, members


def test_user_metrics_and_cohorts_match_pandas(built: tuple[DbtProject, pd.DataFrame]) -> None:
    project, events = built
    users, expected = expected_power_users(events, AS_OF)
    metrics = project.query_df("select * from int_segments_user_metrics").set_index("user_id")
    assert set(metrics.index) == set(users.index)  # identified users only
    metrics = metrics.loc[users.index]
    assert (metrics["l28_event_count"].to_numpy() == users["l28_events"].to_numpy()).all()
    assert (metrics["l28_active_days"].to_numpy() == users["l28_days"].to_numpy()).all()
    cohorts = project.query_df("select cohort_name, user_id from dim_power_user_cohorts")
    members = cohorts.groupby("cohort_name")["user_id"].apply(set).to_dict()
    for name, expected_members in expected.items():
        assert members.get(name, set()) == expected_members, name
    assert expected["weekly_features"] and expected["many_projects"]  # both rules exercised


DESCRIBED = (  # metric, column of expected_power_users, type
    ("revenue_per_user", "revenue", "mean"),
    ("feature_events_per_user", "features", "mean"),
    ("conversion_rate", "converted", "proportion"),
    ("retention_d29_56", "retained", "proportion"),
)


def test_comparison_with_an_as_of_date_too_late_for_outcomes(
    built: tuple[DbtProject, pd.DataFrame],
) -> None:
    """AS_OF is set 4 days before the data end: the default 28 outcome days are not in the data,
    so the post-cohort rows are flagged; the descriptive rows carry differences, no test."""
    project, events = built
    users, members = expected_power_users(events, AS_OF)
    result = project.query_df("select * from fct_power_user_comparison").set_index("comparison_id")
    assert len(result) == 3 * 6  # two rules + l28_top_share; four descriptive, two outcomes
    last_day = events["date"].max()
    for cohort, inside_set in members.items():
        for metric in ("active_next_28d", "revenue_next_28d"):
            row = result.loc[f"{cohort}|{metric}"]
            assert row["comparison_role"] == "post_cohort_outcome"
            assert row["cohort_n"] == row["rest_n"] == 0 and np.isnan(row["p_value"])
            assert row["note"].startswith(
                f"Not measured: only {(last_day - AS_OF).days} of the 28 days after the as-of "
                f"date {AS_OF}"
            )
            assert "journey__power_user_outcome_days" in row["note"]
        inside = users.index.isin(inside_set)
        for metric, column, _ in DESCRIBED:
            row = result.loc[f"{cohort}|{metric}"]
            frame = users[users["eligible"]] if metric.startswith("retention") else users
            mask = frame.index.isin(inside_set)
            a, b = frame.loc[mask, column], frame.loc[~mask, column]
            assert row["comparison_role"] == "descriptive"
            assert row["test_name"] == "none_descriptive"
            assert (row["cohort_n"], row["rest_n"]) == (len(a), len(b))
            assert row["difference"] == pytest.approx(a.mean() - b.mean(), rel=1e-6, abs=1e-6)
            assert np.isnan(row["p_value"]) and np.isnan(row["ci_lower"])
            assert np.isnan(row["p_value_adjusted"])
            assert row["note"].startswith("Descriptive, not tested")
        share = result.loc[f"{cohort}|revenue_per_user", "cohort_share_of_revenue"]
        assert share == pytest.approx(
            users.loc[inside, "revenue"].sum() / users["revenue"].sum(), rel=1e-6
        )


@pytest.fixture(scope="module")
def outcomes(
    built: tuple[DbtProject, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory
) -> tuple[DbtProject, pd.DataFrame]:
    """The defaults: no as-of date set, so the cohorts are cut 28 days before the data end."""
    first, events = built
    project = DbtProject(
        workdir=tmp_path_factory.mktemp("power_outcomes"),
        base_vars={
            **{k: v for k, v in first.base_vars.items() if k != "journey__segments_as_of_date"},
        },
    )
    project.run("seed")
    project.run("run", "-s", "+fct_power_user_comparison")
    # the YAML data tests of the comparison (keys, accepted roles, adjusted p-values in [0, 1])
    project.run("test", "-s", "fct_power_user_comparison", "int_power_user_comparison_inputs")
    return project, events


def test_post_cohort_outcomes_match_scipy_on_the_raw_events(
    outcomes: tuple[DbtProject, pd.DataFrame],
) -> None:
    project, events = outcomes
    as_of = events["date"].max() - timedelta(days=28)  # the rule: data end minus N days
    users, members = expected_power_users(events, as_of)
    cohorts = project.query_df("select distinct as_of_date from dim_power_user_cohorts")
    assert [pd.Timestamp(d).date() for d in cohorts["as_of_date"]] == [as_of]
    after = events[[0 < (d - as_of).days <= 28 for d in events["date"]]].copy()
    after["usd"] = pd.to_numeric(after["revenue"], errors="coerce").fillna(0) * after[
        "currency"
    ].map(RATES).fillna(0)
    users["active"] = users.index.isin(after["person"]).astype(float)
    users["revenue_after"] = after.groupby("person")["usd"].sum().reindex(users.index).fillna(0)
    result = project.query_df("select * from fct_power_user_comparison").set_index("comparison_id")
    assert result.loc[result["comparison_role"] == "post_cohort_outcome", "note"].isna().all()
    z = stats.norm.ppf(0.95)  # journey__segments_confidence_level 0.9
    tested = []
    for cohort, inside_set in members.items():
        mask = users.index.isin(inside_set)
        a, b = users.loc[mask, "active"], users.loc[~mask, "active"]
        row = result.loc[f"{cohort}|active_next_28d"]
        assert row["test_name"] == "two_proportion_z"
        assert (row["cohort_n"], row["rest_n"]) == (len(a), len(b))
        p1, p2 = a.mean(), b.mean()
        assert row["difference"] == pytest.approx(p1 - p2, abs=1e-12)
        table = np.array([[a.sum(), len(a) - a.sum()], [b.sum(), len(b) - b.sum()]])
        chi2 = stats.chi2_contingency(table, correction=False)
        assert row["p_value"] == pytest.approx(chi2.pvalue, rel=1e-6, abs=1e-12)
        se = np.sqrt(p1 * (1 - p1) / len(a) + p2 * (1 - p2) / len(b))  # Wald interval
        assert row["ci_lower"] == pytest.approx(p1 - p2 - z * se, abs=1e-9)
        assert row["ci_upper"] == pytest.approx(p1 - p2 + z * se, abs=1e-9)
        rel_se = np.sqrt(
            p1 * (1 - p1) / (p2**2 * len(a)) + p2 * (1 - p2) * p1**2 / (p2**4 * len(b))
        )  # delta method for p1 / p2 - 1
        assert row["relative_difference"] == pytest.approx(p1 / p2 - 1, rel=1e-9)
        assert row["relative_ci_lower"] == pytest.approx(p1 / p2 - 1 - z * rel_se, rel=1e-6)
        tested.append((f"{cohort}|active_next_28d", chi2.pvalue))

        a, b = users.loc[mask, "revenue_after"], users.loc[~mask, "revenue_after"]
        row = result.loc[f"{cohort}|revenue_next_28d"]
        assert row["test_name"] == "welch_t"
        welch = stats.ttest_ind(a, b, equal_var=False)
        ci = welch.confidence_interval(0.9)
        assert row["difference"] == pytest.approx(a.mean() - b.mean(), rel=1e-6)
        assert row["p_value"] == pytest.approx(welch.pvalue, rel=1e-6, abs=1e-12)
        assert row["ci_lower"] == pytest.approx(ci.low, rel=1e-6)
        assert row["ci_upper"] == pytest.approx(ci.high, rel=1e-6)
        m1, m2, v1, v2 = a.mean(), b.mean(), a.var(), b.var()
        rel_se = np.sqrt(v1 / (m2**2 * len(a)) + v2 * m1**2 / (m2**4 * len(b)))
        t = stats.t.ppf(0.95, welch.df)
        assert row["relative_ci_upper"] == pytest.approx(m1 / m2 - 1 + t * rel_se, rel=1e-6)
        tested.append((f"{cohort}|revenue_next_28d", welch.pvalue))
    # Benjamini-Hochberg over the six post-cohort tests only (descriptive rows are not tests)
    ids, p_values = zip(*tested, strict=True)
    expected = stats.false_discovery_control(np.array(p_values), method="bh")
    np.testing.assert_allclose(result.loc[list(ids), "p_value_adjusted"], expected, rtol=1e-6)
    assert result.loc[result["comparison_role"] == "descriptive", "p_value_adjusted"].isna().all()
    adjusted = result.loc[list(ids), "is_significant_adjusted"].astype(bool).to_numpy()
    assert (adjusted == (expected < 0.1)).all()


# --- lifetime value -------------------------------------------------------------------------


def test_historical_clv_and_cohort_curves(built: tuple[DbtProject, pd.DataFrame]) -> None:
    project, events = built
    rfm = expected_rfm(events, AS_OF)
    clv = project.query_df("select user_id, historical_clv, is_customer from dim_user_clv")
    clv = clv.set_index("user_id")
    assert np.allclose(clv.loc[rfm.index, "historical_clv"].astype(float), rfm["monetary"])
    assert (clv.loc[~clv.index.isin(rfm.index), "historical_clv"] == 0).all()
    # the unknown currency is counted, not silently dropped
    unknown = int(((events["currency"] == "XXX") & (events["date"] <= AS_OF)).sum())
    counted = project.query(
        "select sum(unconverted_revenue_event_count) from int_segments_purchase_days"
    )
    assert counted[0][0] == unknown > 0
    curves = project.query_df(
        "select acquisition_cohort_month, acquisition_channel, max(cumulative_revenue) as total "
        "from fct_clv_acquisition_cohorts group by 1, 2"
    )
    by_cohort = project.query_df(
        "select acquisition_cohort_month, acquisition_channel, sum(historical_clv) as total "
        "from dim_user_clv group by 1, 2"
    )
    merged = curves.merge(by_cohort, on=["acquisition_cohort_month", "acquisition_channel"])
    assert len(merged) == len(by_cohort)
    assert np.allclose(merged["total_x"].astype(float), merged["total_y"].astype(float))


def test_predicted_clv_table(built: tuple[DbtProject, pd.DataFrame]) -> None:
    project, events = built
    predicted = project.query_df("select * from fct_customer_clv_predicted")
    rfm = expected_rfm(events, AS_OF)
    assert set(predicted["user_id"]) == set(rfm.index)
    assert predicted["p_alive"].between(0, 1).all()
    assert (predicted["predicted_purchases"] >= 0).all() and (predicted["predicted_clv"] >= 0).all()
    # frequency = repeat purchase days, computed here from the raw events
    buys = events[(events["canonical"] == "order_completed") & (events["date"] <= AS_OF)]
    repeat_days = buys.groupby("person")["date"].nunique() - 1
    ours = predicted.set_index("user_id")["frequency"]
    assert (ours.loc[repeat_days.index].to_numpy() == repeat_days.to_numpy()).all()
    calibration = project.query_df("select * from fct_clv_holdout_calibration").set_index("bucket")
    cut = AS_OF - timedelta(days=30)
    first = buys.groupby("person")["date"].min()
    cohort = first[first <= cut].index
    holdout = buys[(buys["date"] > cut) & buys["person"].isin(cohort)]
    assert calibration.loc["all", "customers"] == len(cohort)
    assert (
        calibration.loc["all", "actual_purchases"]
        == holdout.groupby("person")["date"].nunique().sum()
    )


# --- configuration errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_vars", "message"),
    [
        ({"journey__rfm_snapshot_period": "fortnight"}, "journey__rfm_snapshot_period"),
        ({"journey__power_user_rules": [{"name": "x", "event_names": ["feature_used"],
                                         "min_value": 1, "window": 7}]}, "unknown key 'window'"),
        ({"journey__segments_purchase_events": ["order completed"]}, "must be a canonical event name"),
    ],
)  # fmt: skip
def test_bad_vars_raise_clear_errors(
    built: tuple[DbtProject, pd.DataFrame], bad_vars: dict[str, Any], message: str
) -> None:
    project, _ = built
    result = project.run("compile", "-s", "models/marts/segments", vars=bad_vars, expect_ok=False)
    assert not result.success
    assert message in str(result.exception)
