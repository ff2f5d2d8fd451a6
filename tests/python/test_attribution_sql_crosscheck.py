"""The SQL attribution models against an independent pure-Python computation.

A reference implementation written from the documented semantics (paths with the reset after a
conversion, converting session, lookback in days and steps, window, non-conversion paths, path
transforms, the six heuristics) is compared with the dbt tables on:

* random fixtures (numpy, fixed seeds) fed through the input overrides, under two settings that
  exercise the non-default branches;
* the generated sample (scripts/generate_events.py, built once by conftest's built_sample) with
  the default settings, where the heuristics are also checked against the Python engine's own
  heuristics (journey_analytics.attribution, written independently) on the raw paths.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from dbt_harness import DbtProject
from test_attribution_sql_conformance import load_fixture_tables

RATES = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27, "CAD": 0.73, "AUD": 0.66, "JPY": 0.0067}
HEURISTICS = (
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "time_decay",
    "position_based",
)


@dataclass
class Settings:
    """The attribution vars, as the reference implementation reads them."""

    conversions: dict[str, str]  # event name -> conversion name
    window_start: pd.Timestamp | None = None
    window_end: pd.Timestamp | None = None  # inclusive date
    lookback_days: float | None = 30
    steps: int | None = None
    include_converting: bool = True
    non_conversion: str = "non_converting_users"
    transforms: list[tuple[str, list[str]]] = field(default_factory=lambda: [("exposure", [])])
    direct: tuple[str, ...] = ("Direct",)
    half_life_hours: float = 168.0
    position: tuple[float, float] = (0.4, 0.4)

    @property
    def window_end_exclusive(self) -> pd.Timestamp | None:
        return None if self.window_end is None else self.window_end + pd.Timedelta(days=1)


# ---------------------------------------------------------------- reference implementation


def transform(path: list[str], transforms: list[tuple[str, list[str]]]) -> list[str]:
    for name, channels in transforms:
        if name == "exposure":
            path = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
        elif name == "first":
            path = list(dict.fromkeys(path))
        elif name == "frequency":
            path = [f"{c}({path.count(c)})" for c in dict.fromkeys(path)]
        elif name == "remove_if_not_all":
            if any(c not in channels for c in path):
                path = [c for c in path if c not in channels]
        elif name == "remove_if_last_and_not_all":
            while len(path) > 1 and path[-1] in channels and any(c not in channels for c in path):
                path = path[:-1]
    return path


def reference_paths(
    sessions: pd.DataFrame, conversions: pd.DataFrame, s: Settings
) -> dict[str, dict[str, Any]]:
    """path_id -> {type, touches: [(session_id, channel, time)], revenue, conversion_id}."""
    lookback = None if not s.lookback_days else pd.Timedelta(days=s.lookback_days)
    end_x = s.window_end_exclusive
    by_user: dict[str, list[tuple[pd.Timestamp, str, str]]] = defaultdict(list)
    for row in sessions.itertuples(index=False):
        if end_x is None or row.session_started_at < end_x:
            by_user[row.user_id].append((row.session_started_at, row.session_id, row.channel))
    convs = conversions.sort_values(["converted_at", "conversion_id"])
    conv_by_user: dict[str, list[Any]] = defaultdict(list)
    for row in convs.itertuples(index=False):
        conv_by_user[row.user_id].append(row)
    paths: dict[str, dict[str, Any]] = {}

    def in_window(t: pd.Timestamp) -> bool:
        return (s.window_start is None or t >= s.window_start) and (end_x is None or t < end_x)

    def keep_last(touches: list[tuple[pd.Timestamp, str, str]]) -> list[tuple[str, str, Any]]:
        touches = sorted(touches)
        if s.steps:
            touches = touches[-s.steps :]
        return [(sid, ch if isinstance(ch, str) else "Unassigned", t) for t, sid, ch in touches]

    for user in set(by_user) | set(conv_by_user):
        touches = sorted(by_user.get(user, []))
        previous = None
        for conv in conv_by_user.get(user, []):
            t = conv.converted_at
            if in_window(t):
                candidates = [
                    x for x in touches if x[0] <= t and (lookback is None or t - x[0] <= lookback)
                ]
                own = [x for x in candidates if x[1] == conv.session_id]
                converting = own[0] if own else (max(candidates) if candidates else None)
                after_previous = [x for x in candidates if previous is None or x[0] > previous]
                if s.include_converting:
                    kept = [x for x in candidates if x == converting or x in after_previous]
                else:
                    kept = [x for x in after_previous if x != converting]
                paths[f"conversion:{conv.conversion_id}"] = {
                    "type": "conversion",
                    "touches": keep_last(kept),
                    "revenue": conv.revenue,
                    "converted_at": t,
                }
            previous = t
        user_convs = [
            c for c in conv_by_user.get(user, []) if end_x is None or c.converted_at < end_x
        ]
        if s.non_conversion == "non_converting_users" and any(
            in_window(c.converted_at) for c in user_convs
        ):
            continue
        last = max((c.converted_at for c in user_convs), default=None)
        tail = [x for x in touches if last is None or x[0] > last]
        if not tail:
            continue
        ended = max(x[0] for x in tail)
        if s.window_start is not None and ended < s.window_start:
            continue
        tail = [x for x in tail if lookback is None or ended - x[0] <= lookback]
        paths[f"non_conversion:{user}"] = {"type": "non_conversion", "touches": keep_last(tail)}
    return paths


def reference_credits(
    paths: dict[str, dict[str, Any]], s: Settings
) -> dict[tuple[str, str], list[float]]:
    """(model, channel) -> [conversions, revenue] summed over conversion paths."""
    out: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    first_w, last_w = s.position
    for path in paths.values():
        touches = path["touches"]
        if path["type"] != "conversion" or not touches:
            continue
        n = len(touches)
        channels = [c for _, c, _ in touches]
        ages = [(path["converted_at"] - t).total_seconds() / 3600 for _, _, t in touches]
        decay = [2 ** (-a / s.half_life_hours) for a in ages]
        non_direct = [i for i, c in enumerate(channels) if c not in s.direct]
        if n == 1:
            position = [1.0]
        elif n == 2:
            middle = 1 - first_w - last_w
            position = [first_w + middle / 2, last_w + middle / 2]
        else:
            position = [first_w] + [(1 - first_w - last_w) / (n - 2)] * (n - 2) + [last_w]
        shares = {
            "first_touch": [1.0 if i == 0 else 0.0 for i in range(n)],
            "last_touch": [1.0 if i == n - 1 else 0.0 for i in range(n)],
            "last_non_direct": [
                1.0 if i == (non_direct[-1] if non_direct else n - 1) else 0.0 for i in range(n)
            ],
            "linear": [1 / n] * n,
            "time_decay": [w / sum(decay) for w in decay],
            "position_based": position,
        }
        revenue = path["revenue"]
        for model, weights in shares.items():
            for channel, w in zip(channels, weights, strict=True):
                out[(model, channel)][0] += w
                if revenue is not None and not (isinstance(revenue, float) and math.isnan(revenue)):
                    out[(model, channel)][1] += w * float(revenue)
    return out


def reference_summary(paths: dict[str, dict[str, Any]], s: Settings) -> dict[str, list[float]]:
    out: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for path in paths.values():
        if not path["touches"]:
            continue
        key = " > ".join(transform([c for _, c, _ in path["touches"]], s.transforms))
        if path["type"] == "conversion":
            out[key][0] += 1
            revenue = path["revenue"]
            if revenue is not None and not math.isnan(float(revenue)):
                out[key][2] += float(revenue)
        else:
            out[key][1] += 1
    return out


# ---------------------------------------------------------------- comparison


def none_if_na(value: Any) -> Any:
    return None if pd.isna(value) else value


def compare(
    project: DbtProject, sessions: pd.DataFrame, conversions: pd.DataFrame, s: Settings
) -> None:
    paths = reference_paths(sessions, conversions, s)

    built = project.query_df(
        "select path_id, path_type, channel_path, transformed_path from fct_attribution_paths"
    )
    built_paths = {
        r.path_id: (r.path_type, none_if_na(r.channel_path), none_if_na(r.transformed_path))
        for r in built.itertuples()
    }
    expected_paths = {
        pid: (
            p["type"],
            " > ".join(c for _, c, _ in p["touches"]) or None,
            " > ".join(transform([c for _, c, _ in p["touches"]], s.transforms)) or None,
        )
        for pid, p in paths.items()
    }
    assert built_paths == expected_paths

    built_sessions = project.query_df(
        "select path_id, touchpoint_index, session_id from fct_attribution_touchpoints"
    )
    got = (
        built_sessions.sort_values(["path_id", "touchpoint_index"])
        .groupby("path_id")["session_id"]
        .apply(list)
    )
    assert got.to_dict() == {
        pid: [sid for sid, _, _ in p["touches"]] for pid, p in paths.items() if p["touches"]
    }

    credits = project.query_df(
        "select attribution_model, channel, sum(cast(credit as double)) as conversions, "
        "sum(cast(attributed_revenue as double)) as revenue "
        "from fct_attribution_touchpoint_credits group by 1, 2"
    )
    got_credits = {
        (r.attribution_model, r.channel): (r.conversions, r.revenue) for r in credits.itertuples()
    }
    want_credits = reference_credits(paths, s)
    assert set(got_credits) == set(want_credits)
    for key, (conv, rev) in want_credits.items():
        assert got_credits[key][0] == pytest.approx(conv, abs=1e-6), key
        assert (got_credits[key][1] or 0.0) == pytest.approx(rev, abs=1e-4), key

    summary = project.query_df(
        "select transformed_path, conversions, non_conversions, cast(revenue as double) as revenue "
        "from fct_attribution_path_summary"
    )
    got_summary = {
        r.transformed_path: (r.conversions, r.non_conversions, round(r.revenue, 4))
        for r in summary.itertuples()
    }
    want_summary = {k: (v[0], v[1], round(v[2], 4)) for k, v in reference_summary(paths, s).items()}
    assert got_summary == want_summary


# ---------------------------------------------------------------- random fixtures


def random_fixture(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Users with sessions over Jan-Feb 2026 and conversions inside (or before) their sessions."""
    rng = np.random.default_rng(seed)
    channels = ["Direct", "Paid Search", "Email", "Organic Search", "Paid Social", "Referral", None]
    start = pd.Timestamp("2026-01-01")
    sessions, events = [], []
    for u in range(250):
        user = f"u{u}"
        n = int(rng.integers(1, 12))
        # minute resolution with ties on purpose (same-minute sessions)
        times = sorted(
            start + pd.Timedelta(minutes=int(m)) for m in rng.integers(0, 60 * 24 * 60, n)
        )
        for k, t in enumerate(times):
            sessions.append(
                {
                    "session_id": f"{user}-s{k}",
                    "user_id": user,
                    "session_started_at": t,
                    "channel": channels[
                        int(rng.choice(len(channels), p=[0.3, 0.2, 0.15, 0.15, 0.1, 0.07, 0.03]))
                    ],
                    "traffic_campaign": None,
                    "traffic_source": None,
                    "traffic_medium": None,
                }
            )
            if rng.random() < 0.22:
                for c in range(1 + int(rng.random() < 0.2)):  # sometimes two in one session
                    events.append(
                        {
                            "event_id": f"{user}-e{k}-{c}",
                            "event_name": "order_completed"
                            if rng.random() < 0.7
                            else "subscription_started",
                            "user_id": user,
                            "session_id": f"{user}-s{k}",
                            "event_at": t + pd.Timedelta(minutes=int(rng.integers(0, 40)) + 5 * c),
                            "revenue": round(float(rng.lognormal(3.5, 0.6)), 2),
                            "currency": str(rng.choice(["USD", "EUR", "XXX"], p=[0.7, 0.27, 0.03])),
                        }
                    )
        if rng.random() < 0.03:  # a conversion before any session: a path without touchpoint
            events.append(
                {
                    "event_id": f"{user}-early",
                    "event_name": "order_completed",
                    "user_id": user,
                    "session_id": None,
                    "event_at": times[0] - pd.Timedelta(hours=1),
                    "revenue": 10.0,
                    "currency": "USD",
                }
            )
    events.append(  # an event that is not a declared conversion
        {
            "event_id": "noise",
            "event_name": "page_viewed",
            "user_id": "u0",
            "session_id": None,
            "event_at": start,
            "revenue": None,
            "currency": None,
        }
    )
    return pd.DataFrame(sessions), pd.DataFrame(events)


def conversions_frame(events: pd.DataFrame, s: Settings) -> pd.DataFrame:
    conv = events[events["event_name"].isin(list(s.conversions))].copy()
    rate = conv["currency"].map(RATES)
    return pd.DataFrame(
        {
            "conversion_id": conv["event_id"],
            "user_id": conv["user_id"],
            "session_id": conv["session_id"],
            "converted_at": conv["event_at"],
            "revenue": (conv["revenue"] * rate).where(rate.notna(), None),
        }
    )


RANDOM_CASES = {
    "reset_steps_tail": (
        {
            "journey__attribution_start_date": "2026-01-15",
            "journey__attribution_end_date": "2026-02-20",
            "journey__attribution_lookback_days": 10,
            "journey__attribution_lookback_steps": 4,
            "journey__attribution_non_conversion_paths": "after_last_conversion",
            "journey__attribution_path_transforms": [{"remove_if_not_all": "Direct"}, "exposure"],
            "journey__attribution_time_decay_half_life": "36 hours",
            "journey__attribution_position_based_weights": {"first": 0.3, "last": 0.5},
        },
        Settings(
            conversions={"order_completed": "purchase", "subscription_started": "subscription"},
            window_start=pd.Timestamp("2026-01-15"),
            window_end=pd.Timestamp("2026-02-20"),
            lookback_days=10,
            steps=4,
            non_conversion="after_last_conversion",
            transforms=[("remove_if_not_all", ["Direct"]), ("exposure", [])],
            half_life_hours=36,
            position=(0.3, 0.5),
        ),
    ),
    "no_converting_session_one_type": (
        {
            "journey__attribution_conversions": [{"name": "purchase", "event": "order_completed"}],
            "journey__attribution_lookback_days": None,
            "journey__attribution_include_converting_session": False,
            "journey__attribution_path_transforms": [
                "first",
                {"remove_if_last_and_not_all": ["Direct", "Unassigned"]},
            ],
            "journey__attribution_direct_channels": ["Direct", "Unassigned"],
            "journey__attribution_time_decay_half_life": "2 days",
        },
        Settings(
            conversions={"order_completed": "purchase"},
            lookback_days=None,
            include_converting=False,
            transforms=[("first", []), ("remove_if_last_and_not_all", ["Direct", "Unassigned"])],
            direct=("Direct", "Unassigned"),
            half_life_hours=48,
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(RANDOM_CASES))
def test_sql_matches_reference_on_random_fixture(tmp_path: Path, case: str) -> None:
    dbt_vars, settings = RANDOM_CASES[case]
    sessions, events = random_fixture(seed=len(case))
    project = DbtProject(
        workdir=tmp_path,
        base_vars={
            "journey__attribution_sessions_relation": "fixtures.sessions",
            "journey__attribution_events_relation": "fixtures.events",
            "journey__attribution_python_models": False,
            **dbt_vars,
        },
    )
    load_fixture_tables(project.database_path, sessions, events)
    project.run(
        "build",
        "-s",
        "fct_attribution_conversions",
        "fct_attribution_touchpoints",
        "fct_attribution_paths",
        "fct_attribution_path_summary",
        "fct_attribution_touchpoint_credits",
        "--indirect-selection",
        "cautious",
        "--exclude-resource-type",
        "unit_test",
    )
    conversions = conversions_frame(events, settings)
    assert project.query("select count(*) from fct_attribution_conversions")[0][0] == len(
        conversions
    )
    # the fixture really exercises the edge cases
    assert (
        project.query(
            "select count(*) from fct_attribution_conversions where has_unconverted_revenue"
        )[0][0]
        > 0
    )
    compare(project, sessions, conversions, settings)


# ---------------------------------------------------------------- generated sample


def test_sql_matches_reference_on_generated_sample(built_sample: DbtProject) -> None:
    settings = Settings(
        conversions={"order_completed": "purchase", "subscription_started": "subscription"}
    )
    sessions = built_sample.query_df(
        "select session_id, user_id, session_started_at, channel from fct_sessions"
    )
    events = built_sample.query_df(
        "select event_id, user_id, session_id, event_name, event_at, "
        "cast(revenue as double) as revenue, currency "
        "from fct_events where event_name in ('order_completed', 'subscription_started')"
    )
    conversions = conversions_frame(
        events.assign(currency=events["currency"].fillna("USD")), settings
    )
    assert len(conversions) > 20
    compare(built_sample, sessions, conversions, settings)


def test_sql_heuristics_match_python_engine_on_generated_sample(built_sample: DbtProject) -> None:
    """Channel totals of the SQL heuristics equal journey_analytics' heuristics on raw paths."""
    from journey_analytics.attribution import attribute_path_summary, time_decay

    raw = built_sample.query_df(
        "select channel_path, 1 as conversions, 0 as non_conversions, cast(revenue as double) as revenue "
        "from fct_attribution_paths where path_type = 'conversion' and touchpoint_count > 0"
    ).rename(columns={"channel_path": "transformed_path"})
    engine = attribute_path_summary(
        raw, models=["first_touch", "last_touch", "last_non_direct", "linear", "position_based"]
    )
    touches = built_sample.query_df(
        "select conversion_id, channel, cast(seconds_before_path_end as double) / 3600 as hours, "
        "cast(revenue as double) as revenue from fct_attribution_touchpoints "
        "where path_type = 'conversion' order by conversion_id, touchpoint_index"
    )
    grouped = list(touches.groupby("conversion_id", sort=True))
    decay = time_decay(
        [list(zip(g["channel"], g["hours"], strict=True)) for _, g in grouped],
        half_life_hours=168.0,
        revenue=[float(g["revenue"].iloc[0]) for _, g in grouped],
    )
    engine = pd.concat([engine, decay.to_frame()], ignore_index=True)
    sql = built_sample.query_df(
        "select attribution_model as model, channel, cast(attributed_conversions as double) as c, "
        "cast(attributed_revenue as double) as r from fct_attribution_channel_report "
        "where model_family = 'heuristic' and attributed_conversions > 0.000001"
    )
    merged = engine[engine["attributed_conversions"] > 1e-6].merge(
        sql, on=["model", "channel"], how="outer", indicator=True
    )
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert set(merged["model"]) == set(HEURISTICS)
    assert (merged["c"] - merged["attributed_conversions"]).abs().max() < 1e-5
    assert (merged["r"] - merged["attributed_revenue"]).abs().max() < 1e-3
