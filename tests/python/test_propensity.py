"""Trial conversion propensity: the math on hand-worked cases, and the dbt models on a sample
whose conversion signal is planted (journey_sample.scenarios.trial).

The holdout AUC is compared with the best AUC the planted process allows: the generator draws
a latent engagement z, early logins and projects from z and the conversion from z (and the
plan), so no score built from the first days' behaviour beats E[converted | logins, projects];
that reference is estimated here by Monte Carlo from the planted coefficients in truth.json.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from dbt_harness import DbtProject
from scipy.stats import rankdata
from test_scenarios import _connect, _rows

from journey_analytics.segments.propensity import (
    auc,
    auc_standard_error,
    brier_score,
    fit_logistic,
    holdout_metrics_table,
    reliability_bins,
    score_current_trials,
)
from journey_sample.generator import GeneratorConfig, generate

# ------------------------------------------------------------------------------ math


def test_auc_on_hand_worked_cases() -> None:
    # positives 0.35 and 0.8, negatives 0.1 and 0.4: pairs won 0.35>0.1, 0.8>0.1, 0.8>0.4,
    # lost 0.35<0.4 -> 3/4
    assert auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == 0.75
    # a tie counts one half: positive 0.5 vs negatives 0.5 and 0.2 -> (0.5 + 1) / 2
    assert auc(np.array([0.5, 0.5, 0.2]), np.array([1, 0, 0])) == 0.75
    assert auc(np.array([0.9, 0.1]), np.array([1, 0])) == 1.0
    assert math.isnan(auc(np.array([0.3, 0.4]), np.array([1, 1])))
    # Hanley-McNeil at AUC 0.5 with 1 positive and 1 negative: q1 = 1/3, q2 = 1/3,
    # var = (0.25 + 0 + 0) / 1 -> se 0.5
    assert auc_standard_error(0.5, 1, 1) == pytest.approx(0.5)


def test_brier_and_reliability_bins_on_a_hand_worked_case() -> None:
    p = np.array([0.05, 0.15, 0.12, 0.95, 1.0])
    y = np.array([0, 1, 0, 1, 1])
    # (0.0025 + 0.7225 + 0.0144 + 0.0025 + 0) / 5
    assert brier_score(p, y) == pytest.approx(0.7419 / 5)
    bins = reliability_bins(p, y, n_bins=10).set_index("bin_index")
    assert bins.loc[1, "trial_count"] == 1 and bins.loc[1, "observed_rate"] == 0.0
    assert bins.loc[2, "trial_count"] == 2
    assert bins.loc[2, "mean_predicted"] == pytest.approx(0.135)
    assert bins.loc[2, "observed_rate"] == 0.5
    assert bins.loc[10, "trial_count"] == 2  # 1.0 belongs to the last bin
    assert bins["trial_count"].sum() == 5
    assert pd.isna(bins.loc[5, "mean_predicted"])


def test_logistic_fit_recovers_coefficients_and_is_a_stationary_point() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40000, 2)) * np.array([1.0, 3.0]) + np.array([0.0, 5.0])
    t = -0.5 + 1.2 * x[:, 0] - 0.4 * x[:, 1]
    y = (rng.random(len(t)) < 1 / (1 + np.exp(-t))).astype(float)
    model = fit_logistic(x, y, l2=0.0)
    # back to the raw scale: beta_j = coef_j / scale_j, intercept adjusted by the means
    raw = model.coef / model.scale
    intercept = model.intercept - float(model.mean @ raw)
    assert raw == pytest.approx([1.2, -0.4], abs=0.05)
    assert intercept == pytest.approx(-0.5, abs=0.15)
    # with a penalty: gradient of the penalised log-likelihood is zero at the optimum
    penalised = fit_logistic(x, y, l2=50.0)
    z = (x - penalised.mean) / penalised.scale
    p = penalised.predict(x)
    grad = z.T @ (y - p) - 50.0 * penalised.coef
    assert np.abs(grad).max() < 1e-6 and abs(float(np.sum(y - p))) < 1e-6
    assert np.all(np.abs(penalised.coef) < np.abs(model.coef))
    with pytest.raises(ValueError, match="0/1"):
        fit_logistic(x[:3], np.array([0.0, 2.0, 1.0]))


def _trials(n: int, *, complete: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(n)
    logins = rng.poisson(2.0, n)
    return pd.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(n)],
            "trial_started_at": pd.Timestamp("2026-01-01") + pd.to_timedelta(np.arange(n), "h"),
            "login_count": logins,
            "project_count": rng.poisson(0.5, n),
            "active_day_count": np.minimum(logins, 3),
            "session_count": logins,
            "is_converted": rng.random(n) < 0.2 + 0.1 * logins,
            "is_label_complete": complete,
            "observed_until": pd.Timestamp("2026-03-01"),
        }
    )


def test_too_little_data_gives_a_status_row_not_a_failed_build() -> None:
    few = holdout_metrics_table(_trials(5))
    assert (
        list(few["bin"]) == ["all"] and few.loc[0, "status"] == "fewer than 20 labelled trials (5)"
    )
    assert np.isnan(few.loc[0, "auc"])
    late = holdout_metrics_table(_trials(200), cutoff=datetime(2027, 1, 1).date())
    assert late.loc[0, "status"] == "cutoff 2027-01-01: 200 training and 0 test trials"
    ok = holdout_metrics_table(_trials(200))
    assert (ok["status"] == "ok").all() and len(ok) == 11
    assert ok.loc[0, "test_trial_count"] == ok["trial_count"].iloc[1:].sum() > 50
    assert score_current_trials(_trials(200)).empty  # every trial labelled: nobody is current
    current = pd.concat([_trials(200), _trials(30, complete=False).assign(is_converted=False)])
    assert len(score_current_trials(current)) == 30
    assert score_current_trials(_trials(5).assign(is_label_complete=[True] * 4 + [False])).empty


# ------------------------------------------------------------------------------ dbt models


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("propensity")
    generate(GeneratorConfig(users=300, days=60, seed=5, messy_rate=0.0, scenario_scale=60.0), out)
    project = DbtProject(
        workdir=out, base_vars={"journey__generic_events_path": str(out / "events" / "*.parquet")}
    )
    models = ["int_trial_propensity_features", "fct_propensity_holdout_metrics",
              "dim_user_propensity"]  # fmt: skip
    project.run(
        "build", "-s", *(f"+{m}" for m in models),
        "--exclude-resource-type", "test", "unit_test",
    )  # fmt: skip
    project.run("test", "-s", *models)
    return project, out, json.loads((out / "truth.json").read_text())


def _independent_features(out: Path) -> pd.DataFrame:
    """Features and labels from the raw files: canonical names, 30-min sessions per user."""
    con = _connect(out)
    rows = _rows(
        con,
        "select user_id, canon, event_timestamp from clean where user_id is not null "
        "order by user_id, event_timestamp, event_id",
    )
    (newest,) = _rows(con, "select max(event_timestamp) from clean")[0]
    observed_until = datetime.combine(newest.date() + timedelta(days=1), datetime.min.time())
    by_user: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for user, name, ts in rows:
        by_user[user].append((name, ts))
    out_rows = []
    for user, events in by_user.items():
        starts = [ts for name, ts in events if name == "trial_started"]
        if not starts:
            continue
        start = starts[0]
        session, last, sessions = 0, None, []
        for _, ts in events:  # server-side rows: the user is the actor
            if last is not None and ts - last > timedelta(minutes=30):
                session += 1
            sessions.append(session)
            last = ts
        window = [
            (name, ts, s)
            for (name, ts), s in zip(events, sessions, strict=True)
            if start <= ts < start + timedelta(days=3) and ts < observed_until
            and name not in ("trial_started", "subscription_started")
        ]  # fmt: skip
        conv = [
            ts
            for name, ts in events
            if name == "subscription_started" and start < ts <= start + timedelta(days=14)
        ]
        out_rows.append(
            {
                "user_id": user,
                "login_count": sum(n == "user_logged_in" for n, _, _ in window),
                "project_count": sum(n == "project_created" for n, _, _ in window),
                "active_day_count": len({ts.date() for _, ts, _ in window}),
                "session_count": len({s for _, _, s in window}),
                "is_converted": bool(conv),
                "is_label_complete": start + timedelta(days=14) <= observed_until,
            }
        )
    return pd.DataFrame(out_rows).set_index("user_id").sort_index()


def test_features_equal_an_independent_computation(built: tuple[DbtProject, Path, Any]) -> None:
    project, out, _ = built
    expected = _independent_features(out)
    got = project.query_df(
        "select user_id, login_count, project_count, active_day_count, session_count, "
        "is_converted, is_label_complete from int_trial_propensity_features"
    ).set_index("user_id").sort_index()  # fmt: skip
    assert len(got) > 1000
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def _planted_reference_auc(facts: dict[str, Any], n: int = 400_000) -> float:
    """AUC of E[converted | early logins, projects] under the planted process (Monte Carlo)."""
    rng = np.random.default_rng(0)
    c, lg, pj = (
        facts["conversion_coefficients"],
        facts["login_coefficients"],
        facts["project_coefficients"],
    )
    z = rng.standard_normal(n)
    pro = rng.random(n) < facts["pro_plan_probability"]
    logins = rng.poisson(np.exp(lg["la"] + lg["lb"] * z))
    projects = np.minimum(rng.poisson(pj["pr"] * np.exp(pj["pb"] * z)), 3)
    y = rng.random(n) < 1 / (1 + np.exp(-(c["a"] + c["b"] * z + c["c_pro"] * pro)))
    cell = np.minimum(logins, 30) * 4 + projects
    score = (np.bincount(cell, weights=y) / np.maximum(np.bincount(cell), 1))[cell]
    ranks = rankdata(score)
    n_pos = int(y.sum())
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * (n - n_pos)))


def test_holdout_auc_and_calibration_match_the_planted_signal(
    built: tuple[DbtProject, Path, dict[str, Any]],
) -> None:
    project, _, truth = built
    facts = truth["trigger_scenarios"]["scenarios"]["trial_disengaged"]
    reference = _planted_reference_auc(facts)
    assert reference > 0.7  # the planted signal is strong
    metrics = project.query_df("select * from fct_propensity_holdout_metrics").set_index("bin")
    overall = metrics.loc["all"]
    assert (metrics["status"] == "ok").all()
    n_test = int(overall["test_trial_count"])
    assert n_test > 200 and int(overall["train_trial_count"]) > 2 * n_test
    assert metrics.drop(index="all")["trial_count"].sum() == n_test
    se = float(overall["auc_standard_error"])
    print(f"holdout AUC {overall['auc']:.3f} (se {se:.3f}), planted reference {reference:.3f}")
    # sampling error of the test set plus a small allowance for the fitted (logistic) score
    assert reference - 4 * se - 0.03 <= overall["auc"] <= reference + 4 * se
    assert overall["auc"] > 0.5 + 4 * se
    assert overall["brier_score"] < overall["brier_score_base_rate"]
    for _, row in metrics.drop(index="all").iterrows():
        if row["trial_count"] >= 30:
            p = row["mean_predicted"]
            tolerance = 4 * math.sqrt(p * (1 - p) / row["trial_count"]) + 0.05
            assert abs(row["observed_rate"] - p) <= tolerance, row.to_dict()


def test_every_current_trial_is_scored_once(built: tuple[DbtProject, Path, Any]) -> None:
    project, out, _ = built
    features = _independent_features(out)
    current = set(features.index[~features["is_label_complete"] & ~features["is_converted"]])
    scores = project.query_df("select * from dim_user_propensity")
    assert len(current) > 50
    assert set(scores["user_id"]) == current and scores["user_id"].is_unique
    assert scores["p_convert_14d"].between(0, 1, inclusive="neither").all()
    counts = scores["decile"].value_counts()
    assert set(counts.index) == set(range(1, 11))
    assert counts.max() - counts.min() <= 1
    by_decile = scores.groupby("decile")["p_convert_14d"].agg(["min", "max"])
    assert (by_decile["max"].iloc[:-1].to_numpy() <= by_decile["min"].iloc[1:].to_numpy()).all()
    # the planted signal: trials with early logins score higher than trials without
    feats = project.query_df(
        "select f.login_count, d.p_convert_14d from int_trial_propensity_features f "
        "join dim_user_propensity d using (user_id)"
    )
    active = feats.loc[feats["login_count"] >= 2, "p_convert_14d"]
    idle = feats.loc[feats["login_count"] == 0, "p_convert_14d"]
    assert len(active) > 10 and len(idle) > 10
    assert active.mean() > idle.mean() + 0.1
