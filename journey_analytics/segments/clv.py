"""Customer lifetime value: BG/NBD purchase frequency with Gamma-Gamma spend, fit by maximum
likelihood with scipy.

Models (implemented here from the papers; no third-party CLV library):

* BG/NBD: Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "'Counting Your Customers' the
  Easy Way: An Alternative to the Pareto/NBD Model", *Marketing Science* 24(2), 275-284.
  While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after each
  purchase they drop out with probability p ~ Beta(a, b). Per customer the data are the number of
  repeat purchases ``x``, the time of the last purchase ``t_x`` and the length of observation
  ``T``, both measured from the first purchase. Log-likelihood: equation (6); expected purchases
  of a new customer in (0, t]: equation (7); conditional expectation for a customer with history
  (x, t_x, T): equation (10); P(alive): the companion note "Computing P(alive) Using the BG/NBD
  Model" (Fader, Hardie & Lee, 2008).
* Gamma-Gamma: Fader, P. S. and Hardie, B. G. S. (2013), "The Gamma-Gamma Model of Monetary
  Value" (note), building on Fader, Hardie and Lee (2005), "RFM and CLV: Using Iso-Value Curves for
  Customer Base Analysis", *Journal of Marketing Research* 42(4), 415-430. Spend per transaction is
  Gamma(p, nu) with nu ~ Gamma(q, gamma); the mean m_x of x transactions has the density of
  equation (3) of the note, and E[M | m_x, x] = (gamma + x m_x) p / (p x + q - 1) (equation 5).

Notation: the papers' T (length of observation since the first purchase) is ``t_obs`` here.
Purchases are counted per customer-day (several orders on one day are one transaction, as
Fader-Hardie's summaries do), time is measured in weeks (days / 7) like the papers, and spend is
the day's revenue in the reporting currency. Monetary value is the mean of the *repeat* purchase
days (the first purchase is excluded, as in the papers).

The same module backs the dbt Python models on DuckDB (``fct_customer_clv_predicted``,
``fct_clv_holdout_calibration``) and ``scripts/run_clv.py`` for warehouses without Python models.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import optimize, special

DAYS_PER_WEEK = 7.0
#: Frequency buckets of the calibration-period repeat purchases for the holdout check.
DEFAULT_BUCKETS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6, 7)


# --- BG/NBD ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD parameters: lambda ~ Gamma(shape r, rate alpha), p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float

    def as_array(self) -> np.ndarray:
        return np.array([self.r, self.alpha, self.a, self.b], dtype=float)


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma parameters: spend ~ Gamma(p, nu), nu ~ Gamma(shape q, rate gamma)."""

    p: float
    q: float
    gamma: float

    def as_array(self) -> np.ndarray:
        return np.array([self.p, self.q, self.gamma], dtype=float)


@dataclass(frozen=True)
class FitResult:
    """Maximum-likelihood fit: parameters, total log-likelihood and optimiser status."""

    params: BgNbdParams | GammaGammaParams
    log_likelihood: float
    n_customers: int
    converged: bool
    message: str


def _arrays(*values: Iterable[float] | float) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


def bgnbd_log_likelihood_terms(
    params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, t_obs: np.ndarray
) -> np.ndarray:
    """Per-customer log-likelihood, FHL (2005) equation (6), in a log-sum-exp form.

    L = A1 * A2 * (A3 + delta(x > 0) * A4) with
    A1 = Gamma(r + x) alpha^r / Gamma(r), A2 = B(a, b + x) / B(a, b),
    A3 = (alpha + T)^-(r + x), A4 = a / (b + x - 1) * (alpha + t_x)^-(r + x).
    """
    x, t_x, t_obs = _arrays(x, t_x, t_obs)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    ln_a1 = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha)
    ln_a2 = (
        special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    ln_a3 = -(r + x) * np.log(alpha + t_obs)
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_a4 = np.where(
            x > 0,
            math.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4)


def bgnbd_log_likelihood(
    params: BgNbdParams,
    x: np.ndarray,
    t_x: np.ndarray,
    t_obs: np.ndarray,
    weights: np.ndarray | None = None,
) -> float:
    """Total log-likelihood (weights: how many customers share each (x, t_x, T) row)."""
    terms = bgnbd_log_likelihood_terms(params, x, t_x, t_obs)
    w = np.ones_like(terms) if weights is None else np.asarray(weights, dtype=float)
    return float(np.sum(w * terms))


def _compress(columns: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows and their counts: the likelihood only depends on the distinct histories."""
    stacked = np.column_stack(columns)
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(float)


def fit_bgnbd(
    x: np.ndarray,
    t_x: np.ndarray,
    t_obs: np.ndarray,
    penalizer: float = 0.0,
    initial: BgNbdParams | None = None,
) -> FitResult:
    """Maximum-likelihood BG/NBD fit on log-parameters (L-BFGS-B, then Nelder-Mead polish).

    ``penalizer`` adds penalizer * sum(params^2) to the negative mean log-likelihood (0 = plain
    maximum likelihood, the default).
    """
    x, t_x, t_obs = _arrays(x, t_x, t_obs)
    _validate_bgnbd_data(x, t_x, t_obs)
    (ux, ut, u_obs), w = _compress([x, t_x, t_obs])
    n = float(w.sum())

    def objective(log_params: np.ndarray) -> float:
        r, alpha, a, b = np.exp(log_params)
        value = -bgnbd_log_likelihood(BgNbdParams(r, alpha, a, b), ux, ut, u_obs, w) / n
        value += penalizer * float(np.sum(np.exp(log_params) ** 2))
        return value if np.isfinite(value) else 1e100

    start = (
        initial.as_array()
        if initial is not None
        else np.array([1.0, max(t_obs.mean(), 1.0), 1.0, 1.0])
    )
    result = _minimize(objective, np.log(start))
    r, alpha, a, b = np.exp(result.x)
    params = BgNbdParams(float(r), float(alpha), float(a), float(b))
    return FitResult(
        params=params,
        log_likelihood=bgnbd_log_likelihood(params, ux, ut, u_obs, w),
        n_customers=int(n),
        converged=bool(result.success),
        message=str(result.message),
    )


def _minimize(objective, start: np.ndarray) -> optimize.OptimizeResult:  # type: ignore[no-untyped-def]
    """L-BFGS-B on bounded log-parameters, polished by a bounded Nelder-Mead (robust where the
    likelihood is flat, e.g. a -> infinity); the better of the two is kept."""
    bounds = [(-12.0, 12.0)] * len(start)
    with np.errstate(all="ignore"):
        first = optimize.minimize(objective, start, method="L-BFGS-B", bounds=bounds)
        polished = optimize.minimize(
            objective,
            first.x,
            method="Nelder-Mead",
            bounds=bounds,
            options={"xatol": 1e-7, "fatol": 1e-10, "maxfev": 4000},
        )
    best = polished if polished.fun <= first.fun else first
    best.success = bool(first.success or polished.success)
    return best


def _validate_bgnbd_data(x: np.ndarray, t_x: np.ndarray, t_obs: np.ndarray) -> None:
    if x.size == 0:
        raise ValueError("no customers to fit")
    if np.any(x < 0) or np.any(np.floor(x) != x):
        raise ValueError("x (repeat purchases) must be non-negative integers")
    if np.any(t_x < 0) or np.any(t_x > t_obs + 1e-9):
        raise ValueError("need 0 <= t_x <= T for every customer")
    if np.any((x == 0) & (t_x != 0)):
        raise ValueError("t_x must be 0 for customers without repeat purchases")


def bgnbd_expected_purchases_new(params: BgNbdParams, t: float | np.ndarray) -> np.ndarray:
    """E[X(t)] for a customer just acquired, FHL (2005) equation (7)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    t = np.asarray(t, dtype=float)
    hyp = special.hyp2f1(r, b, a + b - 1, t / (alpha + t))
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)


def _log_d_term(
    params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, t_obs: np.ndarray
) -> np.ndarray:
    """log of a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x); -inf when x = 0."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            x > 0,
            math.log(a)
            - np.log(np.maximum(b + x - 1, 1e-300))
            + (r + x) * (np.log(alpha + t_obs) - np.log(alpha + t_x)),
            -np.inf,
        )


def bgnbd_p_alive(
    params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, t_obs: np.ndarray
) -> np.ndarray:
    """P(alive at T | x, t_x, T) = 1 / (1 + delta(x > 0) a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))."""
    x, t_x, t_obs = _arrays(x, t_x, t_obs)
    return 1.0 / (1.0 + np.exp(_log_d_term(params, x, t_x, t_obs)))


def bgnbd_conditional_expected_purchases(
    params: BgNbdParams, t: float, x: np.ndarray, t_x: np.ndarray, t_obs: np.ndarray
) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T + t], FHL (2005) equation (10)."""
    x, t_x, t_obs = _arrays(x, t_x, t_obs)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    if abs(a - 1) < 1e-9:
        a = 1 + 1e-9  # the closed form has a removable singularity at a = 1
    z = t / (alpha + t_obs + t)
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    ratio = np.exp((r + x) * (np.log(alpha + t_obs) - np.log(alpha + t_obs + t)))
    numerator = (a + b + x - 1) / (a - 1) * (1 - ratio * hyp)
    return numerator / (1 + np.exp(_log_d_term(params, x, t_x, t_obs)))


# --- Gamma-Gamma ------------------------------------------------------------------------------


def gamma_gamma_log_likelihood_terms(
    params: GammaGammaParams, x: np.ndarray, m: np.ndarray
) -> np.ndarray:
    """log f(m_x | p, q, gamma; x) for customers with x >= 1 transactions of mean m_x > 0.

    f = Gamma(px + q) / (Gamma(px) Gamma(q)) * gamma^q * m^(px - 1) * x^(px) / (gamma + m x)^(px + q)
    (Fader & Hardie 2013, equation 3).
    """
    x, m = _arrays(x, m)
    p, q, g = params.p, params.q, params.gamma
    px = p * x
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * math.log(g)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(g + m * x)
    )


def gamma_gamma_log_likelihood(
    params: GammaGammaParams, x: np.ndarray, m: np.ndarray, weights: np.ndarray | None = None
) -> float:
    terms = gamma_gamma_log_likelihood_terms(params, x, m)
    w = np.ones_like(terms) if weights is None else np.asarray(weights, dtype=float)
    return float(np.sum(w * terms))


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray, penalizer: float = 0.0) -> FitResult:
    """Maximum-likelihood Gamma-Gamma fit on customers with x >= 1 and m > 0."""
    x, m = _arrays(x, m)
    if x.size == 0:
        raise ValueError("no repeat customers with positive spend to fit the Gamma-Gamma model")
    if np.any(x < 1) or np.any(m <= 0):
        raise ValueError("Gamma-Gamma needs x >= 1 and a positive mean spend m for every row")
    (ux, um), w = _compress([x, m])
    n = float(w.sum())

    def objective(log_params: np.ndarray) -> float:
        p, q, g = np.exp(log_params)
        value = -gamma_gamma_log_likelihood(GammaGammaParams(p, q, g), ux, um, w) / n
        value += penalizer * float(np.sum(np.exp(log_params) ** 2))
        return value if np.isfinite(value) else 1e100

    start = np.log(np.array([1.0, 2.0, float(np.mean(m))]))
    result = _minimize(objective, start)
    p, q, g = np.exp(result.x)
    params = GammaGammaParams(float(p), float(q), float(g))
    if params.q <= 1:
        warnings.warn(
            f"Gamma-Gamma q = {params.q:.3f} <= 1: the expected spend is undefined; "
            "the population mean falls back to the sample mean",
            stacklevel=2,
        )
    return FitResult(
        params=params,
        log_likelihood=gamma_gamma_log_likelihood(params, ux, um, w),
        n_customers=int(n),
        converged=bool(result.success),
        message=str(result.message),
    )


def gamma_gamma_expected_spend(
    params: GammaGammaParams, x: np.ndarray, m: np.ndarray, fallback_mean: float | None = None
) -> np.ndarray:
    """E[M | m_x, x] = (gamma + x m_x) p / (p x + q - 1); x = 0 gives the population mean
    p gamma / (q - 1) (Fader & Hardie 2013, equation 5)."""
    x, m = _arrays(x, m)
    p, q, g = params.p, params.q, params.gamma
    if q <= 1:
        population = float(fallback_mean) if fallback_mean is not None else math.nan
        return np.where(x > 0, m, population)
    m = np.where(x > 0, m, 0.0)
    return (g + x * m) * p / (p * x + q - 1)


# --- from purchases to model inputs ----------------------------------------------------------


def summarize_purchases(
    purchases: pd.DataFrame,
    observation_end: date,
    observation_start: date | None = None,
) -> pd.DataFrame:
    """Per-customer BG/NBD and Gamma-Gamma inputs from purchase days up to observation_end.

    ``purchases`` has columns user_id, purchase_date (a date) and revenue (the day's revenue).
    Customers whose first purchase is after observation_end are left out; observation_start
    (optional) drops earlier purchases. Returns user_id, first_purchase_date, last_purchase_date,
    purchase_days, frequency (x), recency_weeks (t_x), age_weeks (T), monetary_value (mean
    revenue of the repeat purchase days; null when x = 0) and total_revenue.
    """
    _require_columns(purchases, ("user_id", "purchase_date", "revenue"), "purchases")
    frame = purchases.loc[:, ["user_id", "purchase_date", "revenue"]].copy()
    frame["purchase_date"] = pd.to_datetime(frame["purchase_date"]).dt.normalize()
    frame["revenue"] = pd.to_numeric(frame["revenue"], errors="coerce").astype(float).fillna(0.0)
    end = pd.Timestamp(observation_end)
    frame = frame[frame["purchase_date"] <= end]
    if observation_start is not None:
        frame = frame[frame["purchase_date"] >= pd.Timestamp(observation_start)]
    days = frame.groupby(["user_id", "purchase_date"], as_index=False)["revenue"].sum()
    days = days.sort_values(["user_id", "purchase_date"], kind="stable")
    days["day_rank"] = days.groupby("user_id").cumcount()
    grouped = days.groupby("user_id")
    summary = pd.DataFrame(
        {
            "first_purchase_date": grouped["purchase_date"].min(),
            "last_purchase_date": grouped["purchase_date"].max(),
            "purchase_days": grouped.size(),
            "total_revenue": grouped["revenue"].sum(),
        }
    )
    repeat = days[days["day_rank"] > 0].groupby("user_id")["revenue"].mean()
    summary["monetary_value"] = repeat.reindex(summary.index)
    summary["frequency"] = summary["purchase_days"] - 1
    summary["recency_weeks"] = (
        summary["last_purchase_date"] - summary["first_purchase_date"]
    ).dt.days / DAYS_PER_WEEK
    summary["age_weeks"] = (end - summary["first_purchase_date"]).dt.days / DAYS_PER_WEEK
    summary = summary.reset_index()
    return summary[
        [
            "user_id",
            "first_purchase_date",
            "last_purchase_date",
            "purchase_days",
            "frequency",
            "recency_weeks",
            "age_weeks",
            "monetary_value",
            "total_revenue",
        ]
    ]


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], label: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{label} lacks column(s): {', '.join(missing)}")


@dataclass(frozen=True)
class ClvModel:
    """Fitted BG/NBD and Gamma-Gamma models (Gamma-Gamma is None without repeat spend)."""

    bgnbd: FitResult
    gamma_gamma: FitResult | None
    mean_repeat_spend: float


def fit_models(summary: pd.DataFrame, penalizer: float = 0.0) -> ClvModel:
    """Fit both models on a per-customer summary from :func:`summarize_purchases`."""
    bgnbd = fit_bgnbd(
        summary["frequency"].to_numpy(float),
        summary["recency_weeks"].to_numpy(float),
        summary["age_weeks"].to_numpy(float),
        penalizer=penalizer,
    )
    spenders = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    mean_spend = float(spenders["monetary_value"].mean()) if len(spenders) else math.nan
    gamma_gamma = None
    if len(spenders) >= 3:
        gamma_gamma = fit_gamma_gamma(
            spenders["frequency"].to_numpy(float),
            spenders["monetary_value"].to_numpy(float),
            penalizer=penalizer,
        )
    return ClvModel(bgnbd=bgnbd, gamma_gamma=gamma_gamma, mean_repeat_spend=mean_spend)


def predict_customers(
    summary: pd.DataFrame,
    model: ClvModel,
    horizon_days: int = 365,
    monthly_discount_rate: float = 0.0,
    step_days: int = 30,
) -> pd.DataFrame:
    """Per-customer predictions over the next ``horizon_days`` after the observation end.

    predicted_purchases = E[Y(horizon) | x, t_x, T]; p_alive; expected_spend = Gamma-Gamma
    E[M | m_x, x] (customers without repeat spend get the population mean); predicted_clv sums,
    per step of ``step_days``, the expected purchases in the step times expected_spend, discounted
    by (1 + monthly_discount_rate)^(end_day / 30) at the step's end (the discrete approximation
    used in Fader, Hardie & Lee 2005, JMR, with monthly steps).
    """
    if horizon_days <= 0 or step_days <= 0:
        raise ValueError("horizon_days and step_days must be positive")
    if monthly_discount_rate < 0:
        raise ValueError("monthly_discount_rate must be >= 0")
    params = model.bgnbd.params
    assert isinstance(params, BgNbdParams)
    x = summary["frequency"].to_numpy(float)
    t_x = summary["recency_weeks"].to_numpy(float)
    t_obs = summary["age_weeks"].to_numpy(float)
    m = summary["monetary_value"].fillna(0.0).to_numpy(float)
    if model.gamma_gamma is not None:
        gg = model.gamma_gamma.params
        assert isinstance(gg, GammaGammaParams)
        has_spend = (x > 0) & (m > 0)
        spend = gamma_gamma_expected_spend(
            gg, np.where(has_spend, x, 0.0), m, fallback_mean=model.mean_repeat_spend
        )
    else:
        spend = np.full_like(x, model.mean_repeat_spend)
    boundaries = [*range(step_days, horizon_days, step_days), horizon_days]
    clv = np.zeros_like(x)
    previous = np.zeros_like(x)
    for end in boundaries:
        cumulative = bgnbd_conditional_expected_purchases(
            params, end / DAYS_PER_WEEK, x, t_x, t_obs
        )
        months = end / 30.0
        clv += (cumulative - previous) * spend / (1 + monthly_discount_rate) ** months
        previous = cumulative
    out = summary[["user_id"]].copy()
    out["p_alive"] = bgnbd_p_alive(params, x, t_x, t_obs)
    out["predicted_purchases"] = previous
    out["expected_spend"] = spend
    out["predicted_clv"] = clv
    return out


def holdout_calibration(
    purchases: pd.DataFrame,
    calibration_end: date,
    holdout_end: date,
    buckets: tuple[int, ...] = DEFAULT_BUCKETS,
    penalizer: float = 0.0,
) -> tuple[pd.DataFrame, ClvModel]:
    """Fit on purchases up to calibration_end, predict repeat purchase days in
    (calibration_end, holdout_end] for the customers acquired by calibration_end, and compare with
    what they did, per frequency bucket (x in the calibration period; the last bucket is open,
    e.g. '7+') and in total ('all').

    Returns the comparison (bucket, customers, actual_purchases, predicted_purchases,
    actual_per_customer, predicted_per_customer, error = predicted - actual, relative_error =
    error / actual) and the fitted model.
    """
    if holdout_end <= calibration_end:
        raise ValueError("holdout_end must be after calibration_end")
    summary = summarize_purchases(purchases, calibration_end)
    if summary.empty:
        raise ValueError(f"no customers with a purchase on or before {calibration_end}")
    model = fit_models(summary, penalizer=penalizer)
    params = model.bgnbd.params
    assert isinstance(params, BgNbdParams)
    holdout_weeks = (pd.Timestamp(holdout_end) - pd.Timestamp(calibration_end)).days / DAYS_PER_WEEK
    summary["predicted"] = bgnbd_conditional_expected_purchases(
        params,
        holdout_weeks,
        summary["frequency"].to_numpy(float),
        summary["recency_weeks"].to_numpy(float),
        summary["age_weeks"].to_numpy(float),
    )
    frame = purchases.loc[:, ["user_id", "purchase_date"]].copy()
    frame["purchase_date"] = pd.to_datetime(frame["purchase_date"]).dt.normalize()
    in_holdout = frame[
        (frame["purchase_date"] > pd.Timestamp(calibration_end))
        & (frame["purchase_date"] <= pd.Timestamp(holdout_end))
    ].drop_duplicates()
    actual = in_holdout.groupby("user_id").size()
    summary["actual"] = actual.reindex(summary["user_id"]).fillna(0).to_numpy(float)
    top = buckets[-1]
    summary["bucket"] = [
        f"{top}+" if f >= top else str(int(f)) for f in summary["frequency"].to_numpy()
    ]
    order = [str(b) for b in buckets[:-1]] + [f"{top}+"]
    rows = []
    for label in [*order, "all"]:
        part = summary if label == "all" else summary[summary["bucket"] == label]
        customers = len(part)
        actual_sum = float(part["actual"].sum())
        predicted_sum = float(part["predicted"].sum())
        rows.append(
            {
                "bucket": label,
                "customers": customers,
                "actual_purchases": actual_sum,
                "predicted_purchases": predicted_sum,
                "actual_per_customer": actual_sum / customers if customers else math.nan,
                "predicted_per_customer": predicted_sum / customers if customers else math.nan,
                "error": predicted_sum - actual_sum,
                "relative_error": (predicted_sum - actual_sum) / actual_sum
                if actual_sum
                else math.nan,
            }
        )
    return pd.DataFrame(rows), model


def default_calibration_end(
    purchases: pd.DataFrame, observation_end: date, holdout_days: int | None
) -> date:
    """The calibration cut-off: observation_end - holdout_days, or (when holdout_days is None)
    two thirds of the way from the first purchase to observation_end."""
    if holdout_days is not None:
        if holdout_days <= 0:
            raise ValueError("holdout_days must be positive")
        return observation_end - timedelta(days=int(holdout_days))
    first = pd.to_datetime(purchases["purchase_date"]).min().date()
    span = (observation_end - first).days
    return first + timedelta(days=round(span * 2 / 3))


def model_parameters_frame(model: ClvModel) -> pd.DataFrame:
    """The fitted parameters as rows (model, parameter, value) for logging and the marts."""
    rows: list[dict[str, object]] = []
    fits: list[tuple[str, FitResult | None]] = [
        ("bgnbd", model.bgnbd),
        ("gamma_gamma", model.gamma_gamma),
    ]
    for name, fit in fits:
        if fit is None:
            continue
        for key, value in vars(fit.params).items():
            rows.append({"model": name, "parameter": key, "value": float(value)})
        rows.append({"model": name, "parameter": "log_likelihood", "value": fit.log_likelihood})
        rows.append({"model": name, "parameter": "n_customers", "value": float(fit.n_customers)})
    return pd.DataFrame(rows)


# --- the tables of the dbt Python models (and scripts/run_clv.py) -----------------------------

PREDICTED_COLUMNS: tuple[str, ...] = (
    "user_id",
    "as_of_date",
    "acquisition_cohort_month",
    "acquisition_channel",
    "first_purchase_date",
    "last_purchase_date",
    "frequency",
    "recency_weeks",
    "age_weeks",
    "monetary_value",
    "historical_clv",
    "p_alive",
    "predicted_purchases",
    "expected_spend",
    "predicted_clv",
    "horizon_days",
    "currency",
)

CALIBRATION_COLUMNS: tuple[str, ...] = (
    "bucket",
    "customers",
    "actual_purchases",
    "predicted_purchases",
    "actual_per_customer",
    "predicted_per_customer",
    "error",
    "relative_error",
    "calibration_end_date",
    "holdout_end_date",
)


def _observation_end(purchases: pd.DataFrame, as_of: date | None) -> date:
    if as_of is not None:
        return as_of
    column = "as_of_date" if "as_of_date" in purchases.columns else "purchase_date"
    return pd.Timestamp(purchases[column].max()).date()


def predicted_clv_table(
    purchases: pd.DataFrame,
    users: pd.DataFrame | None = None,
    as_of: date | None = None,
    horizon_days: int = 365,
    monthly_discount_rate: float = 0.0,
) -> tuple[pd.DataFrame, ClvModel | None]:
    """fct_customer_clv_predicted from purchase days (int_segments_purchase_days: user_id,
    purchase_date, revenue[, as_of_date]) and optionally users (dim_user_clv: user_id,
    acquisition_cohort_month, acquisition_channel, currency). as_of defaults to the input's
    as_of_date (else its last purchase date)."""
    if purchases.empty:
        empty = pd.DataFrame({c: pd.Series(dtype="object") for c in PREDICTED_COLUMNS})
        return empty, None
    end = _observation_end(purchases, as_of)
    summary = summarize_purchases(purchases, end)
    model = fit_models(summary)
    predicted = predict_customers(
        summary, model, horizon_days=horizon_days, monthly_discount_rate=monthly_discount_rate
    )
    out = summary.merge(predicted, on="user_id")
    extra = ["acquisition_cohort_month", "acquisition_channel", "currency"]
    if users is not None:
        out = out.merge(users[["user_id", *extra]], on="user_id", how="left")
        out["acquisition_cohort_month"] = pd.to_datetime(out["acquisition_cohort_month"]).dt.date
    else:
        for column in extra:
            out[column] = None
    out["as_of_date"] = end
    out["historical_clv"] = out["total_revenue"]
    out["horizon_days"] = int(horizon_days)
    out["first_purchase_date"] = out["first_purchase_date"].dt.date
    out["last_purchase_date"] = out["last_purchase_date"].dt.date
    return out[list(PREDICTED_COLUMNS)], model


def holdout_calibration_table(
    purchases: pd.DataFrame, as_of: date | None = None, holdout_days: int | None = None
) -> pd.DataFrame:
    """fct_clv_holdout_calibration: :func:`holdout_calibration` with the calibration end of
    :func:`default_calibration_end` and the holdout ending on the as-of date."""
    if purchases.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in CALIBRATION_COLUMNS})
    end = _observation_end(purchases, as_of)
    calibration_end = default_calibration_end(purchases, end, holdout_days)
    result, _ = holdout_calibration(purchases, calibration_end, end)
    result["calibration_end_date"] = calibration_end
    result["holdout_end_date"] = end
    return result[list(CALIBRATION_COLUMNS)]
