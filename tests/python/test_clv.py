"""BG/NBD and Gamma-Gamma (journey_analytics.segments.clv) against independent computations.

* Log-likelihoods: the closed forms against direct numerical integration of the individual
  likelihood over the mixing distributions (scipy.integrate), on a tiny dataset.
* Expectations and P(alive): against Monte Carlo simulation of the model's own story.
* Fitting: parameter recovery and a holdout calibration on purchases simulated from the model,
  where the aggregate error must be within sampling noise (tolerance derived below).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from journey_analytics.segments.clv import (
    BgNbdParams,
    ClvModel,
    FitResult,
    GammaGammaParams,
    bgnbd_conditional_expected_purchases,
    bgnbd_expected_purchases_new,
    bgnbd_log_likelihood,
    bgnbd_log_likelihood_terms,
    bgnbd_p_alive,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
    gamma_gamma_log_likelihood_terms,
    holdout_calibration,
    predict_customers,
    summarize_purchases,
)

# the CDNOW estimates of Fader, Hardie & Lee (2005), used as a realistic truth
CDNOW = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
SPEND = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)  # FHL (2005, JMR) CDNOW spend estimates

# A tiny dataset: (x, t_x, T) in weeks.
TINY = [(0, 0.0, 38.86), (1, 1.71, 38.86), (2, 30.43, 38.86), (7, 29.43, 38.86), (3, 5.0, 20.0)]


def individual_likelihood(lam: float, p: float, x: int, t_x: float, t_obs: float) -> float:
    """L(lambda, p | x, t_x, T) of one customer, FHL (2005) section 3 (before mixing)."""
    value = (1 - p) ** x * lam**x * math.exp(-lam * t_obs)
    if x > 0:
        value += p * (1 - p) ** (x - 1) * lam**x * math.exp(-lam * t_x)
    return value


@pytest.mark.parametrize(("x", "t_x", "t_obs"), TINY)
def test_bgnbd_log_likelihood_matches_numerical_integration(
    x: int, t_x: float, t_obs: float
) -> None:
    r, alpha, a, b = CDNOW.as_array()
    log_norm = (
        math.lgamma(r) - r * math.log(alpha) + math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    )

    # substitutions remove the mixing densities' singularities at 0 (r < 1, a < 1):
    # lambda = exp(s), so lambda^(r-1) dlambda = exp(r s) ds; p = v^(1/a), so
    # p^(a-1) dp = dv / a. The integrand is then smooth and quad converges fast.
    def integrand(v: float, s: float) -> float:
        lam, p = math.exp(s), v ** (1 / a)
        density = math.exp(r * s - alpha * lam - log_norm) * (1 - p) ** (b - 1) / a
        return individual_likelihood(lam, p, x, t_x, t_obs) * density

    total, _ = integrate.dblquad(integrand, -60.0, 6.0, 0.0, 1.0, epsabs=0, epsrel=1e-10)
    closed = bgnbd_log_likelihood_terms(CDNOW, np.array([x]), np.array([t_x]), np.array([t_obs]))[0]
    assert closed == pytest.approx(math.log(total), abs=2e-6)


def test_bgnbd_total_log_likelihood_is_the_sum_and_by_hand() -> None:
    x, t_x, t_obs = (np.array(c, dtype=float) for c in zip(*TINY, strict=True))
    total = bgnbd_log_likelihood(CDNOW, x, t_x, t_obs)
    assert total == pytest.approx(float(bgnbd_log_likelihood_terms(CDNOW, x, t_x, t_obs).sum()))
    # customer (0, 0, 38.86) by hand: A1 A2 A3 with x = 0, i.e.
    # alpha^r / (alpha + T)^r (NBD zero term) times B(a, b) / B(a, b) = 1
    r, alpha = CDNOW.r, CDNOW.alpha
    assert bgnbd_log_likelihood_terms(CDNOW, np.array([0]), np.array([0.0]), np.array([38.86]))[
        0
    ] == pytest.approx(r * math.log(alpha / (alpha + 38.86)), rel=1e-12)


@pytest.mark.parametrize(("x", "m"), [(1, 12.5), (3, 40.0), (10, 25.0)])
def test_gamma_gamma_log_likelihood_matches_numerical_integration(x: int, m: float) -> None:
    p, q, g = SPEND.as_array()

    # mean of x Gamma(p, rate nu) spends is Gamma(shape p x, rate x nu); nu ~ Gamma(q, rate g)
    def integrand(nu: float) -> float:
        return stats.gamma.pdf(m, p * x, scale=1 / (x * nu)) * stats.gamma.pdf(nu, q, scale=1 / g)

    value, _ = integrate.quad(integrand, 0, np.inf, epsabs=1e-15, epsrel=1e-11, limit=400)
    closed = gamma_gamma_log_likelihood_terms(SPEND, np.array([x]), np.array([m]))[0]
    assert closed == pytest.approx(math.log(value), abs=1e-7)


def test_gamma_gamma_expected_spend_is_the_posterior_mean() -> None:
    p, q, g = SPEND.as_array()
    x, m = 4, 30.0

    # posterior of nu given m: prior Gamma(q, g) x likelihood; E[M | nu] = p / nu
    def post(nu: float) -> float:
        return stats.gamma.pdf(m, p * x, scale=1 / (x * nu)) * stats.gamma.pdf(nu, q, scale=1 / g)

    norm, _ = integrate.quad(post, 0, np.inf, limit=400)
    mean, _ = integrate.quad(lambda nu: p / nu * post(nu), 0, np.inf, limit=400)
    assert gamma_gamma_expected_spend(SPEND, np.array([x]), np.array([m]))[0] == pytest.approx(
        mean / norm, rel=1e-7
    )
    # a customer without repeat spend gets the population mean p gamma / (q - 1)
    assert gamma_gamma_expected_spend(SPEND, np.array([0]), np.array([0.0]))[0] == pytest.approx(
        p * g / (q - 1)
    )


# --- simulation of the model's story --------------------------------------------------------


def simulate_bgnbd(
    n: int, params: BgNbdParams, horizon: np.ndarray | float, rng: np.random.Generator
) -> list[np.ndarray]:
    """Repeat-purchase times (weeks after the first purchase) of n customers up to horizon:
    Poisson(lambda) purchases, and after each purchase a coin with P(drop out) = p."""
    lam = rng.gamma(params.r, 1 / params.alpha, n)
    p = rng.beta(params.a, params.b, n)
    horizons = np.broadcast_to(np.asarray(horizon, dtype=float), (n,))
    times: list[np.ndarray] = []
    for i in range(n):
        t, out = 0.0, []
        while True:
            t += rng.exponential(1 / lam[i]) if lam[i] > 0 else np.inf
            if t > horizons[i]:
                break
            out.append(t)
            if rng.random() < p[i]:
                break
        times.append(np.array(out))
    return times


def test_expected_purchases_and_p_alive_match_monte_carlo() -> None:
    rng = np.random.default_rng(11)
    n, t_obs, t = 40000, 20.0, 10.0
    params = BgNbdParams(r=0.9, alpha=6.0, a=0.8, b=2.5)
    lam = rng.gamma(params.r, 1 / params.alpha, n)
    p = rng.beta(params.a, params.b, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    future = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    for i in range(n):
        clock, k, last, dead = 0.0, 0, 0.0, False
        while True:
            clock += rng.exponential(1 / lam[i])
            if clock > t_obs + t:
                break
            if clock <= t_obs:
                k, last = k + 1, clock
            else:
                future[i] += 1
            if rng.random() < p[i]:
                dead = True
                if clock <= t_obs:
                    alive[i] = False
                break
        x[i], t_x[i] = k, last
        if not dead and clock <= t_obs:
            alive[i] = True
    t_all = np.full(n, t_obs)
    # law of total expectation: the conditional expectations average to the realised future
    conditional = bgnbd_conditional_expected_purchases(params, t, x, t_x, t_all)
    se = future.std() / math.sqrt(n)
    assert conditional.mean() == pytest.approx(future.mean(), abs=4 * se)
    # unconditional E[X(T)] (equation 7) against the realised calibration counts
    assert float(bgnbd_expected_purchases_new(params, t_obs)) == pytest.approx(
        x.mean(), abs=4 * x.std() / math.sqrt(n)
    )
    # P(alive) averages to the share still alive at T
    p_alive = bgnbd_p_alive(params, x, t_x, t_all)
    assert p_alive.mean() == pytest.approx(alive.mean(), abs=4 * math.sqrt(0.25 / n))
    # and within a frequency bucket (x = 2), where conditioning matters
    bucket = x == 2
    assert p_alive[bucket].mean() == pytest.approx(
        alive[bucket].mean(), abs=4 * math.sqrt(0.25 / bucket.sum())
    )


def test_fit_recovers_parameters() -> None:
    rng = np.random.default_rng(5)
    n, t_obs = 6000, 39.0
    times = simulate_bgnbd(n, CDNOW, t_obs, rng)
    x = np.array([len(s) for s in times], dtype=float)
    t_x = np.array([s[-1] if len(s) else 0.0 for s in times])
    fit = fit_bgnbd(x, t_x, np.full(n, t_obs))
    assert fit.converged
    assert fit.params.r == pytest.approx(CDNOW.r, rel=0.15)
    assert fit.params.alpha == pytest.approx(CDNOW.alpha, rel=0.25)
    # the maximum is at least as high as the likelihood of the truth
    assert fit.log_likelihood >= bgnbd_log_likelihood(CDNOW, x, t_x, np.full(n, t_obs)) - 1e-6


def test_gamma_gamma_fit_recovers_population_mean_spend() -> None:
    rng = np.random.default_rng(9)
    n = 4000
    x = rng.integers(1, 8, n).astype(float)
    nu = rng.gamma(SPEND.q, 1 / SPEND.gamma, n)
    m = np.array([rng.gamma(SPEND.p, 1 / v, int(k)).mean() for v, k in zip(nu, x, strict=True)])
    fit = fit_gamma_gamma(x, m)
    p, q, g = fit.params.as_array()
    assert p * g / (q - 1) == pytest.approx(SPEND.p * SPEND.gamma / (SPEND.q - 1), rel=0.05)


def test_fit_rejects_inconsistent_data() -> None:
    with pytest.raises(ValueError, match="t_x"):
        fit_bgnbd(np.array([1.0]), np.array([5.0]), np.array([3.0]))
    with pytest.raises(ValueError, match="non-negative integers"):
        fit_bgnbd(np.array([1.5]), np.array([1.0]), np.array([3.0]))
    with pytest.raises(ValueError, match="positive mean spend"):
        fit_gamma_gamma(np.array([1.0]), np.array([0.0]))


# --- from purchases to predictions ------------------------------------------------------------


def test_summarize_purchases_by_hand() -> None:
    purchases = pd.DataFrame(
        {
            "user_id": ["a", "a", "a", "b", "c"],
            "purchase_date": ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-10", "2024-02-01"],
            "revenue": [10.0, 20.0, 40.0, 5.0, 7.0],
        }
    )
    out = summarize_purchases(purchases, date(2024, 1, 29)).set_index("user_id")
    # c bought after the observation end: not a customer yet
    assert list(out.index) == ["a", "b"]
    # a: x = 2 repeat days, t_x = 14 days = 2 weeks, T = 28 days = 4 weeks, repeat mean (20+40)/2
    assert out.loc["a", "frequency"] == 2
    assert out.loc["a", "recency_weeks"] == pytest.approx(2.0)
    assert out.loc["a", "age_weeks"] == pytest.approx(4.0)
    assert out.loc["a", "monetary_value"] == pytest.approx(30.0)
    assert out.loc["a", "total_revenue"] == pytest.approx(70.0)
    assert out.loc["b", "frequency"] == 0 and pd.isna(out.loc["b", "monetary_value"])


def test_predicted_clv_without_discount_is_purchases_times_spend() -> None:
    summary = pd.DataFrame(
        {
            "user_id": ["a", "b"],
            "frequency": [3.0, 0.0],
            "recency_weeks": [10.0, 0.0],
            "age_weeks": [12.0, 5.0],
            "monetary_value": [50.0, np.nan],
        }
    )
    fit = FitResult(CDNOW, 0.0, 2, True, "")
    spend_fit = FitResult(SPEND, 0.0, 1, True, "")
    model = ClvModel(bgnbd=fit, gamma_gamma=spend_fit, mean_repeat_spend=40.0)
    plain = predict_customers(summary, model, horizon_days=364, monthly_discount_rate=0.0)
    expected = bgnbd_conditional_expected_purchases(
        CDNOW, 52.0, summary["frequency"], summary["recency_weeks"], summary["age_weeks"]
    )
    assert plain["predicted_purchases"].to_numpy() == pytest.approx(expected)
    assert plain["predicted_clv"].to_numpy() == pytest.approx(
        expected * plain["expected_spend"].to_numpy()
    )
    discounted = predict_customers(summary, model, horizon_days=364, monthly_discount_rate=0.02)
    assert (discounted["predicted_clv"] < plain["predicted_clv"]).all()


def simulated_purchases(
    n: int, params: BgNbdParams, start: date, acquisition_days: int, end: date, seed: int
) -> pd.DataFrame:
    """Purchase days of n customers whose first purchase falls uniformly in the first
    acquisition_days, then repeat purchases from the BG/NBD story up to end; spend from the
    Gamma-Gamma story."""
    rng = np.random.default_rng(seed)
    first_day = rng.integers(0, acquisition_days, n)
    horizon_weeks = ((end - start).days - first_day) / 7.0
    times = simulate_bgnbd(n, params, horizon_weeks, rng)
    nu = rng.gamma(SPEND.q, 1 / SPEND.gamma, n)
    rows = []
    for i, repeat in enumerate(times):
        days = [int(first_day[i])] + [int(first_day[i] + math.floor(t * 7)) for t in repeat]
        for d in days:
            rows.append((f"c{i}", start + timedelta(days=d), rng.gamma(SPEND.p, 1 / nu[i])))
    return pd.DataFrame(rows, columns=["user_id", "purchase_date", "revenue"])


def test_holdout_calibration_on_model_data() -> None:
    """Fit on 26 weeks, predict the next 13 weeks' purchase days of the same customers.

    Tolerance: with the model true, the only gap is noise. The holdout total here is about
    2,800 purchase days of 5,000 heterogeneous customers; its standard deviation (Poisson with
    gamma heterogeneity) is roughly twice the Poisson one, 2 x sqrt(2800) ~ 105 (3.8%), and the
    estimated parameters add about 3%, so about 5% in all: 12% is about 2.4 standard deviations
    (six seeds gave -3.9% to +7.2%).
    """
    start = date(2024, 1, 1)
    params = BgNbdParams(r=0.5, alpha=6.0, a=0.7, b=3.0)
    purchases = simulated_purchases(5000, params, start, 56, start + timedelta(days=273), seed=21)
    result, model = holdout_calibration(
        purchases, start + timedelta(days=182), start + timedelta(days=273)
    )
    total = result.set_index("bucket").loc["all"]
    assert total["actual_purchases"] > 800  # enough signal for the tolerance above
    assert abs(total["relative_error"]) < 0.12
    # the buckets add up to the total
    buckets = result[result["bucket"] != "all"]
    assert buckets["customers"].sum() == total["customers"]
    assert buckets["predicted_purchases"].sum() == pytest.approx(total["predicted_purchases"])
    # frequency buckets with enough customers are calibrated too (within 4 sd, Poisson-ish)
    for _, row in buckets[buckets["actual_purchases"] >= 100].iterrows():
        assert abs(row["error"]) < 4 * 2 * math.sqrt(row["actual_purchases"]), row["bucket"]
    assert model.bgnbd.converged
