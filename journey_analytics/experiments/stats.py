"""Two-sample statistics from sufficient statistics (no dbt, no data frames).

Every function takes per-arm sums that a warehouse computes in one ``group by`` (``n``, the sum
and the sum of squares of the metric ``y``, and for ratio metrics and CUPED a second per-unit
variable ``x`` with its sum, sum of squares and the cross sum ``sum_xy``) and works on scalars or
numpy arrays alike (vectorised: thousands of simulated experiments cost milliseconds).

Arm ``a`` is the control, arm ``b`` the variant; effects are ``b - a`` (absolute) and
``(b - a) / a`` (relative). The choices mirror GrowthBook's gbstats 0.8.0 (MIT), the reference
implementation the tests compare with:

* sample variances use ``n - 1`` (a proportion uses ``p (1 - p)``, as gbstats does);
* Welch's t with Welch-Satterthwaite degrees of freedom (Welch 1947, Biometrika 34:28-35);
* the relative effect's variance by the delta method, ``Var(b)/(n_b a^2) + Var(a) b^2/(n_a a^4)``
  (arms independent; Deng, Knoblich & Lu 2018, "Applying the Delta Method in Metric Analytics",
  KDD, section 3);
* ratio metrics (sum y / sum x per arm) by the delta method, per-unit variance
  ``Var(y)/mx^2 - 2 Cov(x, y) my/mx^3 + Var(x) my^2/mx^4`` (same paper, eq. 4);
* CUPED (Deng, Xu, Kohavi & Walker 2013, WSDM): ``theta = Cov(x, y) / Var(x)`` pooled over both
  arms, adjusted mean ``mean(y) - theta mean(x)``, variance ``Var(y) + theta^2 Var(x) - 2 theta
  Cov(x, y)``; the relative effect divides by the unadjusted control mean;
* the sequential (always-valid) option is the mixture SPRT with a normal mixing distribution
  (Johari, Koomen, Pekelis & Walsh 2022, "Always Valid Inference", Operations Research 70(3),
  eq. 11): for an estimate ``d`` with variance ``s2`` and mixing variance ``tau2``, the mixture
  likelihood ratio is ``L = sqrt(s2 / (s2 + tau2)) exp(tau2 d^2 / (2 s2 (s2 + tau2)))``; the
  always-valid p-value is ``min(1, 1/L)`` and the confidence sequence is
  ``d +- sqrt(s2 (s2 + tau2) / tau2 (log((s2 + tau2) / s2) - 2 log alpha))``. With
  ``tau2 = s2 N rho^2`` this equals the normal-mixture boundary that gbstats uses (Waudby-Smith
  et al. 2023, arXiv:2103.06476 eq. 9 and 155, ``rho`` from their eq. 161).

The two-proportion z-test (conversion metrics) is the classic one: pooled proportion for the
statistic, unpooled (Wald) standard error for the interval (Agresti, Categorical Data Analysis,
3rd ed., 3.1); its squared statistic is Pearson's chi-square on the 2x2 table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as st

ArrayLike = float | np.ndarray


def _arr(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _div(num: ArrayLike, den: ArrayLike) -> np.ndarray:
    """num / den with nan where den is 0 (no warnings)."""
    num, den = np.broadcast_arrays(_arr(num), _arr(den))
    out = np.full(num.shape, np.nan)
    ok = den != 0
    np.divide(num, den, out=out, where=ok)
    return out


def mean_variance(n: ArrayLike, s: ArrayLike, ss: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample variance (n - 1 denominator) of a per-unit metric from n, sum, sum of squares."""
    n = _arr(n)
    mean = _div(s, n)
    var = _div(_arr(ss) - _div(_arr(s) ** 2, n), n - 1)
    return mean, np.where(n > 1, var, np.nan)


def proportion_variance(n: ArrayLike, s: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Share p = s / n of a 0/1 metric and its per-unit variance p (1 - p) (gbstats' choice)."""
    p = _div(s, n)
    return p, p * (1 - p)


def covariance(n: ArrayLike, sx: ArrayLike, sy: ArrayLike, sxy: ArrayLike) -> np.ndarray:
    """Sample covariance (n - 1 denominator) from sums."""
    n = _arr(n)
    return np.where(n > 1, _div(_arr(sxy) - _div(_arr(sx) * _arr(sy), n), n - 1), np.nan)


def ratio_mean_variance(
    n: ArrayLike, sy: ArrayLike, syy: ArrayLike, sx: ArrayLike, sxx: ArrayLike, sxy: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Ratio metric sum(y) / sum(x) and its per-unit delta-method variance (divide by n for Var)."""
    my, vy = mean_variance(n, sy, syy)
    mx, vx = mean_variance(n, sx, sxx)
    cxy = covariance(n, sx, sy, sxy)
    ratio = _div(sy, sx)
    var = _div(vy, mx**2) - 2 * _div(cxy * my, mx**3) + _div(my**2 * vx, mx**4)
    return ratio, var


def cuped_theta(
    n_a: ArrayLike,
    sy_a: ArrayLike,
    sx_a: ArrayLike,
    sxx_a: ArrayLike,
    sxy_a: ArrayLike,
    n_b: ArrayLike,
    sy_b: ArrayLike,
    sx_b: ArrayLike,
    sxx_b: ArrayLike,
    sxy_b: ArrayLike,
) -> np.ndarray:
    """CUPED's theta = Cov(x, y) / Var(x) over both arms pooled (0 where Var(x) is 0)."""
    n = _arr(n_a) + _arr(n_b)
    sx = _arr(sx_a) + _arr(sx_b)
    _, vx = mean_variance(n, sx, _arr(sxx_a) + _arr(sxx_b))
    cxy = covariance(n, sx, _arr(sy_a) + _arr(sy_b), _arr(sxy_a) + _arr(sxy_b))
    theta = _div(cxy, vx)
    return np.where(np.isfinite(theta), theta, 0.0)


def cuped_mean_variance(
    n: ArrayLike,
    sy: ArrayLike,
    syy: ArrayLike,
    sx: ArrayLike,
    sxx: ArrayLike,
    sxy: ArrayLike,
    theta: ArrayLike,
    binary: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted mean mean(y) - theta mean(x) and per-unit variance of y - theta x."""
    theta = _arr(theta)
    if binary:
        my, vy = proportion_variance(n, sy)
    else:
        my, vy = mean_variance(n, sy, syy)
    mx, vx = mean_variance(n, sx, sxx)
    cxy = covariance(n, sx, sy, sxy)
    return my - theta * mx, vy + theta**2 * vx - 2 * theta * cxy


@dataclass(frozen=True)
class Effect:
    """An effect estimate with its standard error, interval and two-sided p-value."""

    estimate: np.ndarray
    se: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    p_value: np.ndarray
    statistic: np.ndarray
    df: np.ndarray


def welch_df(var_a: ArrayLike, n_a: ArrayLike, var_b: ArrayLike, n_b: ArrayLike) -> np.ndarray:
    """Welch-Satterthwaite degrees of freedom from per-unit variances."""
    va, vb, n_a, n_b = _div(var_a, n_a), _div(var_b, n_b), _arr(n_a), _arr(n_b)
    return _div((va + vb) ** 2, _div(va**2, n_a - 1) + _div(vb**2, n_b - 1))


def _interval(estimate: np.ndarray, se: np.ndarray, df: np.ndarray | None, alpha: float) -> Effect:
    stat = _div(estimate, se)
    if df is None:
        q = st.norm.ppf(1 - alpha / 2)
        p = 2 * st.norm.sf(np.abs(stat))
        df = np.full(np.shape(estimate), np.nan)
    else:
        q = st.t.ppf(1 - alpha / 2, df)
        p = 2 * st.t.sf(np.abs(stat), df)
    return Effect(estimate, se, estimate - q * se, estimate + q * se, p, stat, df)


def welch(
    mean_a: ArrayLike,
    var_a: ArrayLike,
    n_a: ArrayLike,
    mean_b: ArrayLike,
    var_b: ArrayLike,
    n_b: ArrayLike,
    *,
    relative: bool = False,
    base_a: ArrayLike | None = None,
    base_b: ArrayLike | None = None,
    alpha: float = 0.05,
) -> Effect:
    """Welch's t-test of mean_b - mean_a (or its relative form), t with Welch's df.

    ``var_*`` are per-unit variances. ``base_a``/``base_b`` are the unadjusted means that the
    relative effect divides by and its delta-method variance uses (CUPED); default the means.
    """
    mean_a, mean_b, var_a, var_b = _arr(mean_a), _arr(mean_b), _arr(var_a), _arr(var_b)
    df = welch_df(var_a, n_a, var_b, n_b)
    if relative:
        ba = mean_a if base_a is None else _arr(base_a)
        bb = mean_b if base_b is None else _arr(base_b)
        estimate = _div(mean_b - mean_a, ba)
        variance = _div(var_b, ba**2 * _arr(n_b)) + _div(var_a * bb**2, ba**4 * _arr(n_a))
    else:
        estimate = mean_b - mean_a
        variance = _div(var_b, n_b) + _div(var_a, n_a)
    return _interval(estimate, np.sqrt(variance), df, alpha)


def two_proportion(
    x_a: ArrayLike,
    n_a: ArrayLike,
    x_b: ArrayLike,
    n_b: ArrayLike,
    *,
    relative: bool = False,
    alpha: float = 0.05,
) -> Effect:
    """Two-proportion z-test of p_b - p_a: pooled SE for the statistic and p-value, unpooled
    (Wald) SE for the interval; the relative form's interval uses the delta method and shares
    the pooled test's p-value (both test p_a = p_b)."""
    n_a, n_b = _arr(n_a), _arr(n_b)
    pa, va = proportion_variance(n_a, x_a)
    pb, vb = proportion_variance(n_b, x_b)
    pooled = _div(_arr(x_a) + _arr(x_b), n_a + n_b)
    se0 = np.sqrt(pooled * (1 - pooled) * (_div(1, n_a) + _div(1, n_b)))
    stat = _div(pb - pa, se0)
    p = 2 * st.norm.sf(np.abs(stat))
    if relative:
        estimate = _div(pb - pa, pa)
        se = np.sqrt(_div(vb, pa**2 * n_b) + _div(va * pb**2, pa**4 * n_a))
    else:
        estimate = pb - pa
        se = np.sqrt(_div(vb, n_b) + _div(va, n_a))
    q = st.norm.ppf(1 - alpha / 2)
    nan = np.full(np.shape(estimate), np.nan)
    return Effect(estimate, se, estimate - q * se, estimate + q * se, p, stat, nan)


def msprt_tau2(
    variance: ArrayLike, n_total: ArrayLike, tuning_n: float = 5000.0, alpha: float = 0.05
) -> np.ndarray:
    """Mixing variance tau^2 = Var(estimate) N rho^2, rho tuned to be tightest at tuning_n units
    in total (Waudby-Smith et al. 2023, eq. 161; gbstats' sequential_tuning_parameter)."""
    rho2 = (-2 * np.log(alpha) + np.log(-2 * np.log(alpha) + 1)) / tuning_n
    return _arr(variance) * _arr(n_total) * rho2


def msprt(
    estimate: ArrayLike, se: ArrayLike, tau2: ArrayLike, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Always-valid p-value and confidence sequence (lower, upper) of the normal-mixture SPRT.

    Johari et al. 2022 (Operations Research 70(3)), eq. 11, with H0: effect = 0:
    L = sqrt(s2/(s2+tau2)) * exp(tau2 d^2 / (2 s2 (s2+tau2))), p = min(1, 1/L); the sequence
    inverts L >= 1/alpha. Valid at every look (Ville's inequality), so teams may peek daily.
    """
    d, s2, tau2 = _arr(estimate), _arr(se) ** 2, _arr(tau2)
    log_l = 0.5 * np.log(_div(s2, s2 + tau2)) + _div(tau2 * d**2, 2 * s2 * (s2 + tau2))
    p = np.minimum(1.0, np.exp(-log_l))
    half = np.sqrt(_div(s2 * (s2 + tau2), tau2) * (np.log(_div(s2 + tau2, s2)) - 2 * np.log(alpha)))
    return p, d - half, d + half


def mde(se: ArrayLike, alpha: float = 0.05, power: float = 0.8) -> np.ndarray:
    """Minimum detectable effect (two-sided level alpha, given power) for an estimate whose
    standard error is se: (z_{1-alpha/2} + z_{power}) se (normal approximation)."""
    return (st.norm.ppf(1 - alpha / 2) + st.norm.ppf(power)) * _arr(se)


def srm_chi_square(counts: ArrayLike, shares: ArrayLike) -> tuple[float, int, float]:
    """Pearson chi-square of observed unit counts against declared shares (normalised to 1):
    statistic, degrees of freedom (k - 1) and p-value."""
    counts, shares = _arr(counts), _arr(shares)
    if counts.size < 2:
        raise ValueError("a sample-ratio check needs at least two variants")
    if np.any(shares <= 0):
        raise ValueError("declared variant shares must be positive")
    total = counts.sum()
    if total <= 0:
        raise ValueError("no units assigned: nothing to check")
    expected = total * shares / shares.sum()
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    df = int(counts.size - 1)
    return chi2, df, float(st.chi2.sf(chi2, df))


def adjust_bh(p: ArrayLike) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (step-up; Benjamini & Hochberg 1995, JRSS-B 57:289):
    p_(i) m / i, made monotone from the largest down, capped at 1. nan stays nan."""
    p = _arr(p).ravel()
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    ranked = p[order] * m / np.arange(1, m + 1)
    out[order] = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    return out


def adjust_holm(p: ArrayLike) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979, Scand. J. Statist. 6:65): p_(i) (m - i + 1),
    made monotone from the smallest up, capped at 1. nan stays nan."""
    p = _arr(p).ravel()
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    ranked = p[order] * (m - np.arange(m))
    out[order] = np.minimum(1.0, np.maximum.accumulate(ranked))
    return out


def adjust(p: ArrayLike, method: str = "bh") -> np.ndarray:
    """Adjusted p-values by 'bh' (Benjamini-Hochberg, default) or 'holm'."""
    if method == "bh":
        return adjust_bh(p)
    if method == "holm":
        return adjust_holm(p)
    raise ValueError(f"unknown multiple-comparison correction {method!r}: use 'bh' or 'holm'")


def winsorize(values: ArrayLike, percentile: float) -> tuple[np.ndarray, float]:
    """Cap values above their `percentile` (0 < percentile <= 1, linear interpolation as SQL's
    percentile_cont); returns the capped values and the cap."""
    if not 0 < percentile <= 1:
        raise ValueError(f"winsorise percentile must be in (0, 1], got {percentile}")
    values = _arr(values)
    cap = float(np.quantile(values, percentile))
    return np.minimum(values, cap), cap
