"""Bootstrap intervals over journeys and the model comparison report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from journey_analytics.attribution import (
    attribute_path_summary,
    compare_models,
    first_touch,
    load_path_summary,
)
from journey_analytics.attribution.bootstrap import bootstrap_intervals, resample_summary


def test_single_path_interval_is_the_binomial_interval() -> None:
    # 10 journeys on path A, 5 convert with 10 each: a resample's conversions are
    # Binomial(10, 1/2), whose 2.5% and 97.5% quantiles are 2 and 8
    summary = load_path_summary([("A", 5, 5, 50.0)])
    intervals = bootstrap_intervals(summary, lambda s: [first_touch(s)], n_resamples=2000, seed=4)
    interval = intervals["first_touch"]
    assert interval.channels == ("A",)
    assert interval.conversions_lower[0] == binom.ppf(0.025, 10, 0.5) == 2
    assert interval.conversions_upper[0] == binom.ppf(0.975, 10, 0.5) == 8
    # revenue = resampled conversions x 10 per conversion
    assert interval.revenue_lower[0] == 20 and interval.revenue_upper[0] == 80


def test_resample_keeps_the_number_of_journeys_and_the_value_per_conversion() -> None:
    summary = load_path_summary([("A > B", 4, 6, 40.0), ("B", 2, 8, 30.0), ("C", 0, 3, 0.0)])
    sample = resample_summary(summary, np.random.default_rng(0))
    assert sample.total_journeys == summary.total_journeys == 23
    per_conversion = np.divide(
        sample.revenue, sample.conversions, out=np.zeros(3), where=sample.conversions > 0
    )
    assert per_conversion[sample.conversions > 0] == pytest.approx(
        np.array([10.0, 15.0])[sample.conversions[:2] > 0]
    )
    assert sample.channels == summary.channels


def test_bootstrap_is_seeded_and_fills_the_table() -> None:
    rows = [("A > B", 4, 6, 40.0), ("B", 2, 8, 30.0), ("C > A", 3, 3, 10.0), ("C", 1, 9, 5.0)]
    first = attribute_path_summary(rows, models="markov,linear", n_bootstrap=40, bootstrap_seed=7)
    again = attribute_path_summary(rows, models="markov,linear", n_bootstrap=40, bootstrap_seed=7)
    other = attribute_path_summary(rows, models="markov,linear", n_bootstrap=40, bootstrap_seed=8)
    pd.testing.assert_frame_equal(first, again)
    assert not first["attributed_conversions_lower"].equals(other["attributed_conversions_lower"])
    assert (first["bootstrap_resamples"] == 40).all()
    assert (first["attributed_conversions_lower"] <= first["attributed_conversions_upper"]).all()
    assert (first["attributed_revenue_lower"] <= first["attributed_revenue_upper"]).all()
    plain = attribute_path_summary(rows, models="linear")
    assert plain["attributed_conversions_lower"].isna().all()
    assert plain["bootstrap_resamples"].isna().all()


def test_channel_missing_from_a_resample_gets_zero() -> None:
    # R is on one journey: about a third of the resamples lack it, so its lower bound is 0
    rows = [("A", 30, 30, 0.0), ("R", 1, 0, 0.0)]
    table = attribute_path_summary(rows, models="last_touch", n_bootstrap=200, bootstrap_seed=1)
    rare = table.set_index("channel").loc["R"]
    assert rare["attributed_conversions_lower"] == 0.0
    assert rare["attributed_conversions_upper"] >= 1.0


def test_bootstrap_rejects_bad_parameters() -> None:
    summary = load_path_summary([("A", 1, 1, 0.0)])
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_intervals(summary, lambda s: [first_touch(s)], n_resamples=1)
    with pytest.raises(ValueError, match="level"):
        bootstrap_intervals(summary, lambda s: [first_touch(s)], level=1.5)


# m1: A 3, B 1, C 0 (shares 3/4, 1/4, 0); m2: A 1, B 1, C 2 (shares 1/4, 1/4, 1/2)
# spread: A 1/2, B 0, C 1/2 -> rows A, C (ties by name), then B
def test_comparison_report_by_hand() -> None:
    results = pd.DataFrame(
        {
            "model": ["m1", "m1", "m1", "m2", "m2", "m2"],
            "channel": ["A", "B", "C", "A", "B", "C"],
            "attributed_conversions": [3.0, 1.0, 0.0, 1.0, 1.0, 2.0],
        }
    )
    report = compare_models(results)
    assert report["channel"].tolist() == ["A", "C", "B"]
    row = report.set_index("channel")
    assert row.loc["A", "m1_credit"] == 3.0 and row.loc["A", "m1_share"] == 0.75
    assert row.loc["C", "m2_share"] == 0.5
    assert row["share_spread"].tolist() == [0.5, 0.5, 0.0]
    assert row.loc["A", "most_credit_model"] == "m1" and row.loc["A", "least_credit_model"] == "m2"
    assert row.loc["C", "most_credit_model"] == "m2"
    assert row.loc["B", "share_mean"] == 0.25
    with pytest.raises(ValueError, match="missing column"):
        compare_models(results.drop(columns="channel"))
