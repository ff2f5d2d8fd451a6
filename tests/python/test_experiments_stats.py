"""journey_analytics.experiments.stats: hand-computed small cases for every method, and
planted truth (A/A rejection rate, interval coverage, always-valid peeking, SRM) over many
simulated experiments, vectorised so the whole module runs in seconds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

from journey_analytics.experiments import stats as s

A = np.array([1.0, 2.0, 3.0, 4.0])
B = np.array([2.0, 4.0, 6.0, 8.0, 10.0])


def _sums(x: np.ndarray) -> tuple[int, float, float]:
    return x.size, float(x.sum()), float((x * x).sum())


# ---------------------------------------------------------------- hand-computed small cases


def test_mean_and_variance_by_hand() -> None:
    mean, var = s.mean_variance(4, 10, 30)  # 1, 2, 3, 4
    assert float(mean) == 2.5
    assert float(var) == pytest.approx(5 / 3)


def test_welch_by_hand_and_against_scipy() -> None:
    ma, va = s.mean_variance(*_sums(A))
    mb, vb = s.mean_variance(*_sums(B))
    eff = s.welch(ma, va, 4, mb, vb, 5)
    se2 = 10 / 5 + (5 / 3) / 4  # 2.41667
    df = se2**2 / ((10 / 5) ** 2 / 4 + ((5 / 3) / 4) ** 2 / 3)
    assert float(eff.estimate) == 3.5
    assert float(eff.se) == pytest.approx(math.sqrt(se2))
    assert float(eff.df) == pytest.approx(df)
    assert float(eff.df) == pytest.approx(5.5208, abs=1e-4)
    half = st.t.ppf(0.975, df) * math.sqrt(se2)
    assert float(eff.ci_lower) == pytest.approx(3.5 - half)
    scipy_result = st.ttest_ind(B, A, equal_var=False)
    assert float(eff.p_value) == pytest.approx(scipy_result.pvalue)
    assert float(eff.statistic) == pytest.approx(scipy_result.statistic)


def test_relative_effect_delta_method_by_hand() -> None:
    ma, va = s.mean_variance(*_sums(A))
    mb, vb = s.mean_variance(*_sums(B))
    eff = s.welch(ma, va, 4, mb, vb, 5, relative=True)
    assert float(eff.estimate) == pytest.approx(1.4)  # (6 - 2.5) / 2.5
    # 10 / (5 * 2.5^2) + (5/3) * 6^2 / (4 * 2.5^4) = 0.32 + 0.384
    assert float(eff.se) ** 2 == pytest.approx(0.704)


def test_two_proportion_by_hand_and_chi_square() -> None:
    eff = s.two_proportion(30, 100, 45, 100)
    pooled = 75 / 200
    z = 0.15 / math.sqrt(pooled * (1 - pooled) * (2 / 100))
    assert float(eff.statistic) == pytest.approx(z)
    assert float(eff.statistic) == pytest.approx(2.19089, abs=1e-5)
    chi2 = st.chi2_contingency([[30, 70], [45, 55]], correction=False)
    assert float(eff.statistic) ** 2 == pytest.approx(chi2.statistic)
    assert float(eff.p_value) == pytest.approx(chi2.pvalue)
    se = math.sqrt(0.3 * 0.7 / 100 + 0.45 * 0.55 / 100)
    assert float(eff.ci_upper) == pytest.approx(0.15 + st.norm.ppf(0.975) * se)
    rel = s.two_proportion(30, 100, 45, 100, relative=True)
    assert float(rel.estimate) == pytest.approx(0.5)
    assert float(rel.p_value) == pytest.approx(float(eff.p_value))


def test_ratio_delta_method_by_hand_and_by_linearisation() -> None:
    y, x = np.array([2.0, 3.0, 5.0, 4.0]), np.array([1.0, 2.0, 2.0, 3.0])
    ratio, var = s.ratio_mean_variance(
        4, y.sum(), (y * y).sum(), x.sum(), (x * x).sum(), (x * y).sum()
    )
    assert float(ratio) == 1.75
    # (5/3)/4 - 2 (2/3) 3.5 / 8 + (2/3) 3.5^2 / 16
    assert float(var) == pytest.approx(0.34375)
    # the same from the linearised per-unit values (y - R x) / mean(x)
    assert float(var) == pytest.approx(np.var((y - 1.75 * x) / x.mean(), ddof=1))


def test_cuped_by_hand_from_raw_units() -> None:
    rng = np.random.default_rng(3)
    xa, xb = rng.normal(10, 2, 50), rng.normal(10, 2, 60)
    ya, yb = 2 * xa + rng.normal(0, 1, 50), 2 * xb + 0.5 + rng.normal(0, 1, 60)
    sa = (50, ya.sum(), (ya * ya).sum(), xa.sum(), (xa * xa).sum(), (xa * ya).sum())
    sb = (60, yb.sum(), (yb * yb).sum(), xb.sum(), (xb * xb).sum(), (xb * yb).sum())
    theta = s.cuped_theta(sa[0], sa[1], sa[3], sa[4], sa[5], sb[0], sb[1], sb[3], sb[4], sb[5])
    x, y = np.concatenate([xa, xb]), np.concatenate([ya, yb])
    assert float(theta) == pytest.approx(np.cov(x, y, ddof=1)[0, 1] / np.var(x, ddof=1))
    mean_a, var_a = s.cuped_mean_variance(*sa, theta)
    assert float(mean_a) == pytest.approx(ya.mean() - float(theta) * xa.mean())
    assert float(var_a) == pytest.approx(np.var(ya - float(theta) * xa, ddof=1))
    # variance reduction: the adjusted variance is far below the raw one here
    assert float(var_a) < 0.2 * np.var(ya, ddof=1)


def test_msprt_by_hand() -> None:
    p, _lo, hi = s.msprt(1.0, 0.5, 1.0, alpha=0.05)  # d = 1, s2 = 0.25, tau2 = 1
    likelihood_ratio = math.sqrt(0.25 / 1.25) * math.exp(1.0 / (2 * 0.25 * 1.25))
    assert float(p) == pytest.approx(1 / likelihood_ratio)
    half = math.sqrt(0.25 * 1.25 * (math.log(5) - 2 * math.log(0.05)))
    assert float(hi) - 1.0 == pytest.approx(half)
    assert half == pytest.approx(1.54120, abs=1e-5)
    # on the boundary of the confidence sequence the always-valid p-value is exactly alpha
    p_edge, _, _ = s.msprt(half, 0.5, 1.0, alpha=0.05)
    assert float(p_edge) == pytest.approx(0.05)


def test_multiple_comparisons_by_hand() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    assert list(s.adjust_bh(p)) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert list(s.adjust_bh(p)) == pytest.approx(list(st.false_discovery_control(p)))
    assert list(s.adjust_holm(p)) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    with_nan = s.adjust_bh([0.01, float("nan"), 0.04])
    assert math.isnan(with_nan[1]) and list(with_nan[[0, 2]]) == pytest.approx([0.02, 0.04])
    with pytest.raises(ValueError, match="use 'bh' or 'holm'"):
        s.adjust(p, "bonferroni")


def test_srm_chi_square_by_hand() -> None:
    assert s.srm_chi_square([50, 50], [0.5, 0.5]) == (0.0, 1, 1.0)
    chi2, df, p = s.srm_chi_square([60, 40], [1, 1])
    assert (chi2, df) == (4.0, 1)
    assert p == pytest.approx(math.erfc(math.sqrt(2.0)))  # chi-square 1 df: P(Z^2 > 4)
    chi2, _, _ = s.srm_chi_square([200, 800], [0.25, 0.75])
    assert chi2 == pytest.approx(50**2 / 250 + 50**2 / 750)
    with pytest.raises(ValueError, match="at least two variants"):
        s.srm_chi_square([10], [1])
    with pytest.raises(ValueError, match="no units"):
        s.srm_chi_square([0, 0], [1, 1])


def test_mde_and_winsorize_by_hand() -> None:
    assert float(s.mde(1.0)) == pytest.approx(1.959964 + 0.841621, abs=1e-6)
    capped, cap = s.winsorize(np.arange(1.0, 11.0), 0.9)
    assert cap == pytest.approx(9.1)  # rank 0.9 * 9 = 8.1: 9 + 0.1 * (10 - 9)
    assert capped[-1] == pytest.approx(9.1) and capped[-2] == 9.0
    with pytest.raises(ValueError, match="winsorise percentile"):
        s.winsorize([1.0], 99)


# ---------------------------------------------------------------- planted truth, simulated


SIMS = 4000


def _bounds(rate: float, n: int = SIMS) -> tuple[float, float]:
    """A 99.9% binomial interval for the share of n simulations with probability rate."""
    lo, hi = st.binom.interval(0.999, n, rate)
    return lo / n, hi / n


def _arm_sums(y: np.ndarray, x: np.ndarray | None = None) -> dict[str, np.ndarray]:
    x = np.zeros_like(y) if x is None else x
    return {
        "n": np.full(y.shape[0], y.shape[1]),
        "sy": y.sum(1),
        "syy": (y * y).sum(1),
        "sx": x.sum(1),
        "sxx": (x * x).sum(1),
        "sxy": (x * y).sum(1),
    }


def test_aa_tests_reject_at_the_nominal_rate_for_every_method() -> None:
    rng = np.random.default_rng(101)
    lo, hi = _bounds(0.05)
    # Welch on skewed revenue-like data
    ya, yb = rng.gamma(2.0, 10.0, (SIMS, 300)), rng.gamma(2.0, 10.0, (SIMS, 250))
    a, b = _arm_sums(ya), _arm_sums(yb)
    ma, va = s.mean_variance(a["n"], a["sy"], a["syy"])
    mb, vb = s.mean_variance(b["n"], b["sy"], b["syy"])
    assert lo <= float(np.mean(s.welch(ma, va, 300, mb, vb, 250).p_value < 0.05)) <= hi
    # two proportions
    ca, cb = rng.binomial(400, 0.1, SIMS), rng.binomial(400, 0.1, SIMS)
    assert lo <= float(np.mean(s.two_proportion(ca, 400, cb, 400).p_value < 0.05)) <= hi
    # ratio (revenue per session) by the delta method
    xa, xb = rng.poisson(3.0, (SIMS, 300)) + 1.0, rng.poisson(3.0, (SIMS, 300)) + 1.0
    ra, rb = xa * rng.gamma(2.0, 2.0, xa.shape), xb * rng.gamma(2.0, 2.0, xb.shape)
    a, b = _arm_sums(ra, xa), _arm_sums(rb, xb)
    ma, va = s.ratio_mean_variance(a["n"], a["sy"], a["syy"], a["sx"], a["sxx"], a["sxy"])
    mb, vb = s.ratio_mean_variance(b["n"], b["sy"], b["syy"], b["sx"], b["sxx"], b["sxy"])
    assert lo <= float(np.mean(s.welch(ma, va, 300, mb, vb, 300).p_value < 0.05)) <= hi
    # CUPED
    pa, pb = rng.gamma(2.0, 5.0, (SIMS, 300)), rng.gamma(2.0, 5.0, (SIMS, 300))
    ya, yb = 0.7 * pa + rng.normal(0, 3, pa.shape), 0.7 * pb + rng.normal(0, 3, pb.shape)
    a, b = _arm_sums(ya, pa), _arm_sums(yb, pb)
    theta = s.cuped_theta(
        a["n"], a["sy"], a["sx"], a["sxx"], a["sxy"], b["n"], b["sy"], b["sx"], b["sxx"], b["sxy"]
    )
    ma, va = s.cuped_mean_variance(a["n"], a["sy"], a["syy"], a["sx"], a["sxx"], a["sxy"], theta)
    mb, vb = s.cuped_mean_variance(b["n"], b["sy"], b["syy"], b["sx"], b["sxx"], b["sxy"], theta)
    assert lo <= float(np.mean(s.welch(ma, va, 300, mb, vb, 300).p_value < 0.05)) <= hi


def test_intervals_cover_planted_effects_at_the_nominal_rate() -> None:
    rng = np.random.default_rng(202)
    lo, hi = _bounds(0.95)
    effect = 2.0
    ya, yb = rng.gamma(2.0, 10.0, (SIMS, 200)), rng.gamma(2.0, 10.0, (SIMS, 220)) + effect
    a, b = _arm_sums(ya), _arm_sums(yb)
    ma, va = s.mean_variance(a["n"], a["sy"], a["syy"])
    mb, vb = s.mean_variance(b["n"], b["sy"], b["syy"])
    eff = s.welch(ma, va, 200, mb, vb, 220)
    assert lo <= float(np.mean((eff.ci_lower <= effect) & (effect <= eff.ci_upper))) <= hi
    # relative: true lift 2 / 20 = 10%
    rel = s.welch(ma, va, 200, mb, vb, 220, relative=True)
    assert lo <= float(np.mean((rel.ci_lower <= 0.1) & (rel.ci_upper >= 0.1))) <= hi
    # proportions 0.10 -> 0.13
    ca, cb = rng.binomial(1500, 0.10, SIMS), rng.binomial(1500, 0.13, SIMS)
    p = s.two_proportion(ca, 1500, cb, 1500)
    assert lo <= float(np.mean((p.ci_lower <= 0.03) & (p.ci_upper >= 0.03))) <= hi
    # the planted effect is found far more often than by chance
    assert float(np.mean(eff.p_value < 0.05)) > 0.2


def test_always_valid_p_values_survive_daily_peeking() -> None:
    """A/A experiments looked at 20 times: the fixed-horizon test stopped at the first p < 0.05
    rejects far above 5%; the mSPRT stays below 5% (Ville's inequality)."""
    rng = np.random.default_rng(303)
    sims, looks, per_look = 2000, 20, 50
    ya = rng.normal(0, 1, (sims, looks * per_look))
    yb = rng.normal(0, 1, (sims, looks * per_look))
    naive = np.zeros(sims, bool)
    always_valid = np.zeros(sims, bool)
    for k in range(1, looks + 1):
        n = k * per_look
        a, b = _arm_sums(ya[:, :n]), _arm_sums(yb[:, :n])
        ma, va = s.mean_variance(a["n"], a["sy"], a["syy"])
        mb, vb = s.mean_variance(b["n"], b["sy"], b["syy"])
        eff = s.welch(ma, va, n, mb, vb, n)
        naive |= eff.p_value < 0.05
        tau2 = s.msprt_tau2(eff.se**2, 2 * n, tuning_n=1000)
        p, _, _ = s.msprt(eff.estimate, eff.se, tau2)
        always_valid |= p < 0.05
    assert float(naive.mean()) > 0.15
    assert float(always_valid.mean()) <= _bounds(0.05, sims)[1]


def test_planted_sample_ratio_mismatch_is_caught_and_aa_splits_are_not() -> None:
    rng = np.random.default_rng(404)
    sims = 2000
    good = rng.binomial(10_000, 0.5, sims)
    bad = rng.binomial(10_000, 0.54, sims)  # 4 points off the declared 50/50
    p_good = np.array([s.srm_chi_square([g, 10_000 - g], [1, 1])[2] for g in good])
    p_bad = np.array([s.srm_chi_square([g, 10_000 - g], [1, 1])[2] for g in bad])
    assert float(np.mean(p_bad < 0.001)) > 0.99
    assert float(np.mean(p_good < 0.001)) <= _bounds(0.001, sims)[1]
