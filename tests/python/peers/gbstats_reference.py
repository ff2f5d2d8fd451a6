"""Run GrowthBook's gbstats 0.8.0 on cases read as JSON from stdin; print its results as JSON.

Executed by tests/python/test_experiments_gbstats.py with .venv-gbstats/bin/python (gbstats pins
numpy<2, pandas<2 and scipy<2, which clash with the project's own environment).
Each case: {"kind": "mean" | "proportion" | "ratio" | "cuped" | "cuped_proportion",
"a": {...sums}, "b": {...sums}, "difference_type": "absolute" | "relative",
"sequential": false, "tuning": 5000, "alpha": 0.05}; or {"kind": "srm", "users": [...],
"weights": [...]}.
"""

from __future__ import annotations

import json
import sys

from gbstats.frequentist.tests import (
    FrequentistConfig,
    SequentialConfig,
    SequentialTwoSidedTTest,
    TwoSidedTTest,
)
from gbstats.models.statistics import (
    ProportionStatistic,
    RatioStatistic,
    RegressionAdjustedStatistic,
    SampleMeanStatistic,
)
from gbstats.utils import check_srm


def statistic(kind: str, arm: dict):
    n = int(arm["n"])
    if kind == "mean":
        return SampleMeanStatistic(n=n, sum=arm["sum_y"], sum_squares=arm["sum_y2"])
    if kind == "proportion":
        return ProportionStatistic(n=n, sum=arm["sum_y"])
    if kind == "ratio":
        return RatioStatistic(
            n=n,
            m_statistic=SampleMeanStatistic(n=n, sum=arm["sum_y"], sum_squares=arm["sum_y2"]),
            d_statistic=SampleMeanStatistic(n=n, sum=arm["sum_x"], sum_squares=arm["sum_x2"]),
            m_d_sum_of_products=arm["sum_xy"],
        )
    if kind in ("cuped", "cuped_proportion"):
        if kind == "cuped":
            post = SampleMeanStatistic(n=n, sum=arm["sum_y"], sum_squares=arm["sum_y2"])
        else:
            post = ProportionStatistic(n=n, sum=arm["sum_y"])
        pre = SampleMeanStatistic(n=n, sum=arm["sum_x"], sum_squares=arm["sum_x2"])
        return RegressionAdjustedStatistic(
            n=n,
            post_statistic=post,
            pre_statistic=pre,
            post_pre_sum_of_products=arm["sum_xy"],
            theta=0,
        )
    raise ValueError(kind)


def run(case: dict) -> dict:
    if case["kind"] == "srm":
        return {"p_value": float(check_srm(case["users"], case["weights"]))}
    a, b = statistic(case["kind"], case["a"]), statistic(case["kind"], case["b"])
    if case.get("sequential"):
        config = SequentialConfig(
            difference_type=case["difference_type"],
            alpha=case.get("alpha", 0.05),
            sequential_tuning_parameter=case.get("tuning", 5000),
        )
        test = SequentialTwoSidedTTest(a, b, config)
    else:
        config = FrequentistConfig(
            difference_type=case["difference_type"], alpha=case.get("alpha", 0.05)
        )
        test = TwoSidedTTest(a, b, config)
    result = test.compute_result()
    return {
        "estimate": float(result.expected),
        "ci_lower": float(result.ci[0]),
        "ci_upper": float(result.ci[1]),
        "p_value": float(result.p_value),
        "stddev": float(result.uplift.stddev),
        "error": result.error_message,
    }


if __name__ == "__main__":
    cases = json.load(sys.stdin)
    json.dump([run(c) for c in cases], sys.stdout)
