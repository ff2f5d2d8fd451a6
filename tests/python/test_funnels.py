"""Declarative funnels on generated data: planted truth and an independent re-computation.

A sample is generated (scripts/generate_events.py, 3000 people over 30 days), the project's
funnels plus a few extra configurations are built, and the marts are checked against

* the generator's planted checkout step probabilities (within 4 binomial standard errors) and
  its realised counts of checkout sessions per step;
* a plain-Python re-implementation of ordered funnels (greedy matching, conversion window,
  first / latest / furthest attempt policies, Mixpanel-style non-overlapping attempts) run on
  the events of fct_events;
* numpy percentiles of the times between steps, and the entry-date trend.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from dbt_harness import PROJECT_DIR, DbtProject

SAMPLE = {"users": 3000, "days": 30, "seed": 11}
CHECKOUT_STEPS = [
    "cart_viewed",
    "checkout_shipping_submitted",
    "checkout_payment_submitted",
    "order_completed",
]
TRUTH_STEP_NAMES = {  # canonical step -> raw generator event name (truth.json keys)
    "checkout_shipping_submitted": "add_shipping_info",
    "checkout_payment_submitted": "add_payment_info",
    "order_completed": "purchase",
}
EXTRA_FUNNELS: list[dict[str, Any]] = [
    {"name": "co_users_first", "count_by": "users", "attempt_policy": "first",
     "conversion_window": "2 hours", "steps": CHECKOUT_STEPS},
    {"name": "co_users_latest", "count_by": "users", "attempt_policy": "latest",
     "conversion_window": "2 hours", "steps": CHECKOUT_STEPS},
    {"name": "co_users_furthest", "count_by": "users", "attempt_policy": "furthest",
     "conversion_window": "2 hours", "steps": CHECKOUT_STEPS},
    {"name": "co_attempts", "count_by": "attempts", "conversion_window": "1 day",
     "steps": ["product_viewed", "cart_viewed", "order_completed"]},
]  # fmt: skip


@dataclass(frozen=True)
class FunnelSpec:
    """The subset of a funnel declaration the reference implementation understands."""

    name: str
    steps: list[str]
    count_by: str
    window_seconds: float | None
    policy: str | None


def project_funnels() -> list[dict[str, Any]]:
    """The funnels shipped in dbt_project.yml."""
    config = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    return list(config["vars"]["journey__funnels"])


def to_spec(funnel: dict[str, Any]) -> FunnelSpec:
    units = {"hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
    window = funnel.get("conversion_window")
    window_seconds = None
    if window not in (None, "unlimited"):
        amount, unit = str(window).split()
        window_seconds = float(amount) * units[unit]
    count_by = funnel.get("count_by", "users")
    policy = None if count_by == "attempts" else funnel.get("attempt_policy", "first")
    return FunnelSpec(funnel["name"], list(funnel["steps"]), count_by, window_seconds, policy)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DbtProject, dict[str, Any]]]:
    sample = tmp_path_factory.mktemp("funnel_sample")
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_DIR / "scripts" / "generate_events.py"),
            *(f"--{key}={value}" for key, value in SAMPLE.items()),
            "--out",
            str(sample),
        ],
        check=True,
        capture_output=True,
    )
    funnels = project_funnels() + EXTRA_FUNNELS
    project = DbtProject(
        workdir=tmp_path_factory.mktemp("funnel_build"),
        base_vars={
            "journey__generic_events_path": str(sample / "events" / "*.parquet"),
            "journey__funnels": funnels,
        },
    )
    project.run("seed")
    project.run("run", "-s", "+fct_funnel_steps", "+fct_funnel_trend")
    # the integrity data tests of the funnel marts, on real data
    project.run("test", "-s", "int_funnel_attempts+", "--exclude", "test_type:unit")
    yield project, json.loads((sample / "truth.json").read_text())


# --------------------------------------------------------------------------------------
# Reference implementation (ordered funnels), independent of the SQL
# --------------------------------------------------------------------------------------


def evaluate(events: pd.DataFrame, entry: int, spec: FunnelSpec) -> list[int]:
    """Positions (row numbers in `events`) of the steps one attempt reaches, greedily."""
    names = events["event_name"].to_numpy()
    times = events["t"].to_numpy()
    reached = [entry]
    for step in spec.steps[1:]:
        found = None
        for j in range(reached[-1] + 1, len(names)):
            if spec.window_seconds is not None and times[j] - times[entry] > spec.window_seconds:
                break
            if names[j] == step:
                found = j
                break
        if found is None:
            break
        reached.append(found)
    return reached


def reference_counts(events: pd.DataFrame, spec: FunnelSpec) -> tuple[list[int], list[float]]:
    """Units reaching each step, and the seconds from step 1 to step 2 of the counted units."""
    unit = "session_id" if spec.count_by == "sessions" else "user_id"
    relevant = events[events["event_name"].isin(spec.steps)]
    counts = [0] * len(spec.steps)
    step_2_seconds: list[float] = []
    for _, group in relevant.groupby(unit, sort=False):
        group = group.reset_index(drop=True)
        names = group["event_name"].to_numpy()
        times = group["t"].to_numpy()
        entries = [i for i in range(len(group)) if names[i] == spec.steps[0]]
        if not entries:
            continue
        if spec.count_by == "attempts":
            counted: list[list[int]] = []
            position = entries[0]
            while position is not None:
                path = evaluate(group, position, spec)
                counted.append(path)
                if len(path) == len(spec.steps):
                    after = [i for i in entries if i > path[-1]]
                elif spec.window_seconds is not None:
                    end = times[position] + spec.window_seconds
                    after = [i for i in entries if times[i] > end]
                else:
                    after = []
                position = after[0] if after else None
        else:
            paths = [evaluate(group, i, spec) for i in entries]
            furthest = max(len(p) for p in paths)
            if spec.policy == "first":
                counted = [paths[0]]
            elif spec.policy == "furthest":
                counted = [next(p for p in paths if len(p) == furthest)]
            else:
                counted = [[p for p in paths if len(p) == furthest][-1]]
        for path in counted:
            for k in range(len(path)):
                counts[k] += 1
            if len(path) >= 2:
                step_2_seconds.append(float(times[path[1]] - times[path[0]]))
    return counts, step_2_seconds


@pytest.fixture(scope="module")
def events(built: tuple[DbtProject, dict[str, Any]]) -> pd.DataFrame:
    project, _ = built
    frame = project.query_df(
        "select event_id, event_at, sequence_number, event_name, user_id, session_id "
        "from fct_events"
    )
    frame = frame.sort_values(
        ["event_at", "sequence_number", "event_id"], na_position="last", kind="mergesort"
    ).reset_index(drop=True)
    frame["t"] = (frame["event_at"] - pd.Timestamp("2000-01-01")).dt.total_seconds()
    return frame


def mart_counts(project: DbtProject, funnel: str) -> list[int]:
    rows = project.query(
        "select units_reached from fct_funnel_steps "
        f"where funnel_name = '{funnel}' and breakdown_value = '(all)' order by step_index"
    )
    return [int(r[0]) for r in rows]


# --------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------


def test_checkout_recovers_planted_step_probabilities(
    built: tuple[DbtProject, dict[str, Any]],
) -> None:
    project, truth = built
    counts = mart_counts(project, "checkout")
    planted = truth["checkout_funnel"]["planted_step_probability"]
    assert len(counts) == 4 and counts[0] > 500
    for k, step in enumerate(CHECKOUT_STEPS[1:], start=1):
        p = planted[TRUTH_STEP_NAMES[step]]
        observed = counts[k] / counts[k - 1]
        standard_error = math.sqrt(p * (1 - p) / counts[k - 1])
        assert abs(observed - p) <= 4 * standard_error, (step, observed, p, standard_error)
    # the generator walks each checkout session through the steps: its realised sessions per
    # step are what a session-counted ordered funnel must find (a shared computer can merge
    # two people's checkout visits into one session, so a few fewer at most)
    realised = truth["checkout_funnel"]["sessions_reaching_step"]
    expected_counts = [realised[s] for s in truth["checkout_funnel"]["steps"]]
    for found, expected in zip(counts, expected_counts, strict=True):
        assert expected * 0.995 <= found <= expected, (counts, expected_counts)


def test_trial_recovers_planted_step_probabilities(
    built: tuple[DbtProject, dict[str, Any]],
) -> None:
    project, truth = built
    counts = mart_counts(project, "trial")
    planted = truth["trial_funnel"]["planted_step_probability"]
    steps = truth["trial_funnel"]["steps"]
    for k, step in enumerate(steps[1:], start=1):
        p = planted[step]
        standard_error = math.sqrt(p * (1 - p) / counts[k - 1])
        assert abs(counts[k] / counts[k - 1] - p) <= 4 * standard_error, (step, counts)


@pytest.mark.parametrize("funnel", ["checkout", "trial", *(f["name"] for f in EXTRA_FUNNELS)])
def test_funnel_counts_match_reference_implementation(
    built: tuple[DbtProject, dict[str, Any]], events: pd.DataFrame, funnel: str
) -> None:
    project, _ = built
    declared = {f["name"]: f for f in project_funnels() + EXTRA_FUNNELS}
    expected, _ = reference_counts(events, to_spec(declared[funnel]))
    assert expected[0] > 0
    assert mart_counts(project, funnel) == expected


def test_policies_differ_only_in_which_attempt(
    built: tuple[DbtProject, dict[str, Any]],
) -> None:
    project, _ = built
    first, latest, furthest = (
        mart_counts(project, f"co_users_{p}") for p in ("first", "latest", "furthest")
    )
    # latest and furthest both take an attempt that goes furthest; first can do worse
    assert latest == furthest
    assert all(a <= b for a, b in zip(first, furthest, strict=True))
    assert first[0] == furthest[0]


def test_time_between_steps_percentiles(
    built: tuple[DbtProject, dict[str, Any]], events: pd.DataFrame
) -> None:
    project, _ = built
    declared = {f["name"]: f for f in project_funnels()}
    _, seconds = reference_counts(events, to_spec(declared["checkout"]))
    row = project.query(
        "select seconds_from_previous_p25, seconds_from_previous_median, "
        "seconds_from_previous_p75, seconds_from_previous_p90 from fct_funnel_steps "
        "where funnel_name = 'checkout' and breakdown_value = '(all)' and step_index = 2"
    )[0]
    expected = np.percentile(np.array(seconds), [25, 50, 75, 90], method="linear")
    assert [float(v) for v in row] == pytest.approx(list(expected), abs=1e-5)


def test_dropped_at_payment_is_one_query(built: tuple[DbtProject, dict[str, Any]]) -> None:
    project, _ = built
    dropped = project.query(
        "select count(*) from fct_funnel_units where funnel_name = 'checkout' "
        "and dropped_before_step_name = 'checkout_payment_submitted' "
        "and step_2_at is not null and step_3_at is null"
    )[0][0]
    counts = mart_counts(project, "checkout")
    assert dropped == counts[1] - counts[2] > 0


def test_trend_adds_up_to_the_units(built: tuple[DbtProject, dict[str, Any]]) -> None:
    project, _ = built
    units = project.query_df(
        "select entry_date, is_converted from fct_funnel_units where funnel_name = 'trial'"
    )
    trend = project.query_df(
        "select period_start_date, units_entered, units_converted from fct_funnel_trend "
        "where funnel_name = 'trial' and breakdown_value = '(all)' and date_grain = 'day'"
    )
    expected = units.groupby("entry_date")["is_converted"].agg(["count", "sum"])
    got = trend.set_index("period_start_date").sort_index()
    assert list(got.index) == list(expected.index)
    assert got["units_entered"].tolist() == expected["count"].tolist()
    assert got["units_converted"].tolist() == expected["sum"].tolist()
    weekly = project.query(
        "select sum(units_entered) from fct_funnel_trend "
        "where funnel_name = 'trial' and breakdown_value = '(all)' and date_grain = 'week'"
    )[0][0]
    assert weekly == len(units)
