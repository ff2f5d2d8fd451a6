"""Trial conversion propensity: L2 logistic regression, time-based holdout, AUC and calibration.

Pure numpy/pandas (no dbt). The dbt Python models ``fct_propensity_holdout_metrics`` and
``dim_user_propensity`` call :func:`holdout_metrics_table` and :func:`score_current_trials` on
``int_trial_propensity_features`` (one row per trial: behaviour in its first days, and whether
it converted within the horizon).

* Model: logistic regression on standardised features with an L2 penalty on the coefficients
  (not the intercept), fitted by Newton-Raphson (iteratively reweighted least squares).
* AUC: the Mann-Whitney U statistic over (converted, not converted) pairs, ties counting one
  half: AUC = (R_pos - n_pos (n_pos + 1) / 2) / (n_pos n_neg), R_pos the sum of the mid-ranks
  of the converted trials (Hanley & McNeil 1982 for its standard error).
* Calibration: the Brier score mean((p - y)^2) and reliability bins (equal-width bins of the
  predicted probability: trials, mean predicted, observed rate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

F64 = npt.NDArray[np.float64]

#: Feature columns of int_trial_propensity_features used by the model, in order.
FEATURES: tuple[str, ...] = (
    "login_count",
    "project_count",
    "active_day_count",
    "session_count",
)


#: Fewer labelled trials than this: no model is fit (status row, no scores).
MIN_LABELLED_TRIALS = 20


@dataclass(frozen=True)
class LogisticModel:
    """A fitted model: ``p = sigmoid(intercept + ((x - mean) / scale) @ coef)``."""

    intercept: float
    coef: F64
    mean: F64
    scale: F64
    l2: float
    iterations: int

    def predict(self, x: F64) -> F64:
        return sigmoid(self.intercept + ((x - self.mean) / self.scale) @ self.coef)


def sigmoid(t: F64) -> F64:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(t, dtype=np.float64)))


def fit_logistic(
    x: F64, y: F64, *, l2: float = 1.0, max_iter: int = 100, tol: float = 1e-10
) -> LogisticModel:
    """Maximise sum(y log p + (1 - y) log(1 - p)) - l2/2 |coef|^2 by Newton-Raphson.

    Columns are standardised first (a constant column gets scale 1, so its coefficient is 0).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError("x must be (n, k) and y of length n")
    if len(y) == 0 or not np.all((y == 0) | (y == 1)):
        raise ValueError("y must be a non-empty 0/1 vector")
    if l2 < 0:
        raise ValueError("l2 must be >= 0")
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    z = np.column_stack([np.ones(len(y)), (x - mean) / scale])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    beta = np.zeros(z.shape[1])
    base = min(max(y.mean(), 1e-6), 1 - 1e-6)
    beta[0] = math.log(base / (1 - base))
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - reported
        p = sigmoid(z @ beta)
        grad = z.T @ (y - p) - penalty * beta
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-12 * np.eye(len(beta))
        step = np.linalg.solve(hess, grad)
        beta += step
        if float(np.max(np.abs(step))) < tol:
            break
    return LogisticModel(float(beta[0]), beta[1:].copy(), mean, scale, l2, iterations)


def auc(scores: F64, labels: F64) -> float:
    """Area under the ROC curve by the Mann-Whitney statistic (ties count 1/2)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = pd.Series(s).rank(method="average").to_numpy()
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def auc_standard_error(value: float, n_pos: int, n_neg: int) -> float:
    """Hanley & McNeil (1982) standard error of an AUC."""
    q1 = value / (2 - value)
    q2 = 2 * value * value / (1 + value)
    var = (value * (1 - value) + (n_pos - 1) * (q1 - value**2) + (n_neg - 1) * (q2 - value**2)) / (
        n_pos * n_neg
    )
    return math.sqrt(max(var, 0.0))


def brier_score(p: F64, labels: F64) -> float:
    p = np.asarray(p, dtype=np.float64)
    return float(np.mean((p - np.asarray(labels, dtype=np.float64)) ** 2))


def reliability_bins(p: F64, labels: F64, n_bins: int = 10) -> pd.DataFrame:
    """Equal-width bins of the predicted probability (the last bin includes 1)."""
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    idx = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
    rows = []
    for b in range(n_bins):
        m = idx == b
        n = int(m.sum())
        rows.append(
            {
                "bin_index": b + 1,
                "bin_lower": b / n_bins,
                "bin_upper": (b + 1) / n_bins,
                "trial_count": n,
                "mean_predicted": float(p[m].mean()) if n else None,
                "observed_rate": float(y[m].mean()) if n else None,
            }
        )
    return pd.DataFrame(rows)


def default_cutoff(started: pd.Series) -> date:
    """Date splitting the labelled trials about 70/30 by start time (test = on or after it)."""
    days = pd.to_datetime(started).dt.floor("D").sort_values()
    return days.iloc[min(int(len(days) * 0.7), len(days) - 1)].date()


def _matrix(frame: pd.DataFrame) -> F64:
    return frame.loc[:, list(FEATURES)].astype(np.float64).to_numpy()


def _in_user_order(features: pd.DataFrame) -> pd.DataFrame:
    """The features in user_id order: the warehouse returns rows in any order, and the fit's
    float sums and the decile ties must not depend on it (incremental == full refresh)."""
    return features.sort_values("user_id", kind="mergesort").reset_index(drop=True)


def _labelled(features: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in (*FEATURES, "trial_started_at", "is_label_complete", "is_converted")
               if c not in features.columns]  # fmt: skip
    if missing:
        raise ValueError(f"int_trial_propensity_features lacks columns {missing}")
    return features[features["is_label_complete"].astype(bool)]


def holdout_metrics_table(
    features: pd.DataFrame, *, cutoff: date | None = None, l2: float = 1.0, n_bins: int = 10
) -> pd.DataFrame:
    """Fit on labelled trials started before ``cutoff``, evaluate on those started on/after it.

    One row per reliability bin ('1' .. 'n') and one row 'all' with AUC, its standard error and
    the Brier score (bins repeat the run-level columns). ``status`` is 'ok', or says why no
    model was evaluated (too few labelled trials, an empty side of the cutoff, one outcome
    only); then the table is the single row 'all' with null metrics, so a build on young data
    still succeeds and the reason is visible.
    """
    data = _labelled(_in_user_order(features))
    started = pd.to_datetime(data["trial_started_at"])
    cut = cutoff or (default_cutoff(started) if len(data) else None)
    is_test = started >= pd.Timestamp(cut) if cut is not None else started.notna() & False
    train, test = data[~is_test], data[is_test]
    y_train = train["is_converted"].astype(float).to_numpy()
    y_test = test["is_converted"].astype(float).to_numpy()
    status = "ok"
    if len(data) < MIN_LABELLED_TRIALS:
        status = f"fewer than {MIN_LABELLED_TRIALS} labelled trials ({len(data)})"
    elif len(train) == 0 or len(test) == 0:
        status = f"cutoff {cut}: {len(train)} training and {len(test)} test trials"
    elif y_train.min() == y_train.max():
        status = f"cutoff {cut}: the {len(train)} training trials have one outcome only"
    elif y_test.min() == y_test.max():
        status = f"cutoff {cut}: the {len(test)} test trials have one outcome only"
    run: dict[str, Any] = {
        "cutoff_date": cut,
        "train_trial_count": len(train),
        "test_trial_count": len(test),
        "test_conversion_rate": float(y_test.mean()) if len(test) else math.nan,
        "auc": math.nan,
        "auc_standard_error": math.nan,
        "brier_score": math.nan,
        "brier_score_base_rate": math.nan,
        "l2_penalty": l2,
        "status": status,
    }
    overall: dict[str, Any] = {
        "bin": "all",
        "bin_index": 0,
        "bin_lower": 0.0,
        "bin_upper": 1.0,
        "trial_count": len(test),
        "mean_predicted": math.nan,
        "observed_rate": run["test_conversion_rate"],
    }
    if status != "ok":
        table = pd.DataFrame([overall])
    else:
        model = fit_logistic(_matrix(train), y_train, l2=l2)
        p = model.predict(_matrix(test))
        value = auc(p, y_test)
        n_pos = int(y_test.sum())
        run["auc"] = value
        run["auc_standard_error"] = auc_standard_error(value, n_pos, len(y_test) - n_pos)
        run["brier_score"] = brier_score(p, y_test)
        run["brier_score_base_rate"] = brier_score(np.full(len(y_test), y_train.mean()), y_test)
        overall["mean_predicted"] = float(p.mean())
        bins = reliability_bins(p, y_test, n_bins)
        bins.insert(0, "bin", bins["bin_index"].astype(str))
        table = pd.concat([pd.DataFrame([overall]), bins], ignore_index=True)
    for k, v in run.items():
        table[k] = v
    table["cutoff_date"] = pd.to_datetime(table["cutoff_date"]).dt.date
    for column in ("mean_predicted", "observed_rate", "auc", "auc_standard_error", "brier_score",
                   "brier_score_base_rate", "test_conversion_rate"):  # fmt: skip
        table[column] = table[column].astype("float64")
    return table


def score_current_trials(
    features: pd.DataFrame, *, l2: float = 1.0, n_deciles: int = 10
) -> pd.DataFrame:
    """Fit on every labelled trial and score the current ones (label window still open, not
    converted yet): user_id, trial_started_at, scored_at, p_convert_14d, decile (10 = most
    likely)."""
    features = _in_user_order(features)
    data = _labelled(features)
    y = data["is_converted"].astype(float).to_numpy()
    empty = pd.DataFrame(
        {
            "user_id": pd.Series([], dtype="str"),
            "trial_started_at": pd.Series([], dtype="datetime64[us]"),
            "scored_at": pd.Series([], dtype="datetime64[us]"),
            "p_convert_14d": pd.Series([], dtype="float64"),
            "decile": pd.Series([], dtype="int64"),
        }
    )
    current = features[
        ~features["is_label_complete"].astype(bool) & ~features["is_converted"].astype(bool)
    ]
    if len(current) == 0:
        return empty
    if len(data) < MIN_LABELLED_TRIALS or y.min() == y.max():
        return empty  # no model yet: fct_propensity_holdout_metrics.status says why
    model = fit_logistic(_matrix(data), y, l2=l2)
    p = model.predict(_matrix(current))
    ranks = pd.Series(p).rank(method="first").to_numpy()
    decile = np.ceil(ranks * n_deciles / len(p)).astype(np.int64)
    return pd.DataFrame(
        {
            "user_id": current["user_id"].to_numpy(),
            "trial_started_at": current["trial_started_at"].to_numpy(),
            "scored_at": current["observed_until"].to_numpy(),
            "p_convert_14d": p,
            "decile": decile,
        }
    )
