"""journey_analytics.segments.stats against scipy.stats on the same numbers.

The module works from summary statistics (n, mean, sample variance); the independent methods
work from the raw observations: scipy.stats.ttest_ind(equal_var=False) and its
confidence_interval() for Welch, and Pearson's chi-square on the 2x2 table without continuity
correction (chi2 = z^2, same p-value) for the two-proportion z-test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from journey_analytics.segments.stats import (
    INPUT_COLUMNS,
    OUTPUT_COLUMNS,
    compare_summary,
    main,
    two_proportion_ztest,
    welch_ttest,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # hand-sized groups with very different variances and sizes
        ([12.0, 15.5, 9.0, 22.0, 18.5], [10.0, 11.0, 9.5, 10.5, 12.0, 9.0, 11.5, 10.0]),
        # revenue-like: many zeros, skewed
        ([0, 0, 0, 120.0, 35.5, 0, 60.0], [0, 0, 0, 0, 10.0, 0, 0, 0, 0, 25.0, 0]),
    ],
)
def test_welch_matches_scipy_small(a: list[float], b: list[float]) -> None:
    check_welch(np.asarray(a), np.asarray(b), 0.95)


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_welch_matches_scipy_random(confidence: float) -> None:
    rng = np.random.default_rng(7)
    a = rng.gamma(2.0, 30.0, 140)
    b = rng.gamma(1.2, 20.0, 2300)
    check_welch(a, b, confidence)


def check_welch(a: np.ndarray, b: np.ndarray, confidence: float) -> None:
    ours = welch_ttest(a.mean(), a.var(ddof=1), len(a), b.mean(), b.var(ddof=1), len(b), confidence)
    ref = stats.ttest_ind(a, b, equal_var=False)
    ci = ref.confidence_interval(confidence_level=confidence)
    assert ours.difference == pytest.approx(a.mean() - b.mean(), rel=1e-12)
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-10)
    assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-300)
    assert ours.degrees_of_freedom == pytest.approx(ref.df, rel=1e-10)
    assert ours.ci_lower == pytest.approx(ci.low, rel=1e-9)
    assert ours.ci_upper == pytest.approx(ci.high, rel=1e-9)


@pytest.mark.parametrize(
    ("s1", "n1", "s2", "n2"),
    [(45, 120, 310, 1500), (3, 10, 1, 12), (500, 1000, 480, 1000), (0, 40, 7, 60)],
)
def test_two_proportion_z_matches_chi_square(s1: int, n1: int, s2: int, n2: int) -> None:
    ours = two_proportion_ztest(s1, n1, s2, n2, 0.95)
    table = np.array([[s1, n1 - s1], [s2, n2 - s2]])
    chi2, p_value, _, _ = stats.chi2_contingency(table, correction=False)
    assert ours.statistic**2 == pytest.approx(chi2, rel=1e-10)
    assert ours.p_value == pytest.approx(p_value, rel=1e-8)
    assert math.copysign(1, ours.statistic) == math.copysign(1, s1 / n1 - s2 / n2)


def test_two_proportion_wald_interval_by_hand() -> None:
    # p1 = 0.3, p2 = 0.2, n = 100 each: se = sqrt(.3*.7/100 + .2*.8/100) = sqrt(.0037)
    ours = two_proportion_ztest(30, 100, 20, 100, 0.95)
    half = stats.norm.ppf(0.975) * math.sqrt(0.0037)
    assert ours.difference == pytest.approx(0.1)
    assert ours.ci_lower == pytest.approx(0.1 - half)
    assert ours.ci_upper == pytest.approx(0.1 + half)
    # pooled p = 0.25: z = 0.1 / sqrt(.25 * .75 * 2 / 100)
    assert ours.statistic == pytest.approx(0.1 / math.sqrt(0.25 * 0.75 * 0.02))


def test_degenerate_groups() -> None:
    assert math.isnan(two_proportion_ztest(0, 0, 3, 10).p_value)
    same = two_proportion_ztest(10, 10, 20, 20)  # both all successes: nothing to test
    assert same.p_value == 1.0 and math.isnan(same.statistic)
    assert math.isnan(welch_ttest(1.0, 0.0, 1, 2.0, 1.0, 10).p_value)
    with pytest.raises(ValueError, match="confidence"):
        welch_ttest(1, 1, 5, 2, 1, 5, confidence=95)


def summary_inputs(
    groups: dict[str, tuple[np.ndarray, np.ndarray, str]], descriptive: tuple[str, ...] = ()
) -> pd.DataFrame:
    rows = []
    for metric, (cohort, rest, kind) in groups.items():
        rows.append(
            {
                "cohort_name": "c",
                "cohort_type": "rule",
                "metric_name": metric,
                "metric_type": kind,
                "comparison_role": "descriptive"
                if metric in descriptive
                else "post_cohort_outcome",
                "note": "circular" if metric in descriptive else None,
                "cohort_n": len(cohort),
                "cohort_mean": cohort.mean(),
                "cohort_variance": cohort.var(ddof=1),
                "rest_n": len(rest),
                "rest_mean": rest.mean(),
                "rest_variance": rest.var(ddof=1),
                "cohort_size": 50,
                "population_n": 400,
                "cohort_revenue": 1000.0,
                "total_revenue": 4000.0,
            }
        )
    return pd.DataFrame(rows, columns=list(INPUT_COLUMNS))


def test_compare_summary_rows() -> None:
    rng = np.random.default_rng(3)
    conv_c, conv_r = (rng.random(50) < 0.4).astype(float), (rng.random(350) < 0.2).astype(float)
    rev_c, rev_r = rng.gamma(2, 20, 50), rng.gamma(2, 10, 350)
    out = compare_summary(
        summary_inputs(
            {
                "conversion_rate": (conv_c, conv_r, "proportion"),
                "revenue_per_user": (rev_c, rev_r, "mean"),
            }
        )
    )
    assert list(out.columns) == list(OUTPUT_COLUMNS)
    conv = out.set_index("metric_name").loc["conversion_rate"]
    _, p_value, _, _ = stats.chi2_contingency(
        np.array([[conv_c.sum(), 50 - conv_c.sum()], [conv_r.sum(), 350 - conv_r.sum()]]),
        correction=False,
    )
    assert conv["p_value"] == pytest.approx(p_value, rel=1e-8)
    assert conv["test_name"] == "two_proportion_z"
    rev = out.set_index("metric_name").loc["revenue_per_user"]
    assert rev["p_value"] == pytest.approx(
        stats.ttest_ind(rev_c, rev_r, equal_var=False).pvalue, rel=1e-8
    )
    assert rev["cohort_share_of_users"] == pytest.approx(50 / 400)
    assert rev["cohort_share_of_revenue"] == pytest.approx(0.25)
    assert bool(rev["is_significant"]) == (rev["p_value"] < 0.05)


def test_descriptive_rows_are_not_tested_and_holm_adjusts_the_tested_rows() -> None:
    rng = np.random.default_rng(11)
    groups = {
        f"m{i}": (rng.normal(shift, 1, 40), rng.normal(0, 1, 60), "mean")
        for i, shift in enumerate((0.0, 0.3, 0.6, 0.9))
    }
    out = compare_summary(summary_inputs(groups, descriptive=("m3",)), correction="holm")
    out = out.set_index("metric_name")
    circular = out.loc["m3"]
    assert circular["comparison_role"] == "descriptive" and circular["note"] == "circular"
    assert circular["test_name"] == "none_descriptive"
    cohort, rest, _ = groups["m3"]
    assert circular["difference"] == pytest.approx(cohort.mean() - rest.mean())
    assert circular["relative_difference"] == pytest.approx(cohort.mean() / rest.mean() - 1)
    for column in ("ci_lower", "p_value", "p_value_adjusted", "relative_ci_lower"):
        assert math.isnan(circular[column]), column
    assert pd.isna(circular["is_significant"])
    # Holm by hand over the three tested rows: sorted p x (m - i), running maximum, cap 1
    p = {m: stats.ttest_ind(*groups[m][:2], equal_var=False).pvalue for m in ("m0", "m1", "m2")}
    ordered = sorted(p, key=p.get)
    running, expected = 0.0, {}
    for i, metric in enumerate(ordered):
        running = max(running, min(1.0, p[metric] * (3 - i)))
        expected[metric] = running
    for metric, value in expected.items():
        assert out.loc[metric, "p_value_adjusted"] == pytest.approx(value, rel=1e-8)
        assert pd.isna(out.loc[metric, "note"])


def test_compare_summary_rejects_bad_input() -> None:
    bad = summary_inputs({"m": (np.ones(3), np.zeros(3), "median")})
    with pytest.raises(ValueError, match="metric_type"):
        compare_summary(bad)
    wrong_role = summary_inputs({"m": (np.ones(3), np.zeros(3), "mean")})
    wrong_role["comparison_role"] = "causal"
    with pytest.raises(ValueError, match="comparison_role"):
        compare_summary(wrong_role)
    with pytest.raises(ValueError, match="lack column"):
        compare_summary(bad.drop(columns=["rest_n"]))


def test_script_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(5)
    inputs = summary_inputs({"revenue_per_user": (rng.random(20), rng.random(30), "mean")})
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    inputs.to_csv(source, index=False)
    assert main(["--csv", str(source), "--output-csv", str(target)]) == 0
    written = pd.read_csv(target)
    assert written.loc[0, "p_value"] == pytest.approx(compare_summary(inputs).loc[0, "p_value"])
