"""journey_analytics.experiments.analysis on hand-made aggregate tables: bad input gives an
error naming the table, experiment or metric, or a flagged row with its reason."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from journey_analytics.experiments import compute_results, compute_srm, compute_trigger_lift


def _row(variant: str, units: int, sum_y: float, sum_y2: float, **extra: Any) -> dict[str, Any]:
    row = {
        "experiment_name": "e",
        "metric_name": "m",
        "variant": variant,
        "is_control": variant == "control",
        "metric_type": "count",
        "direction": "higher",
        "is_guardrail": False,
        "uses_cuped": False,
        "units": units,
        "units_window_incomplete": 0,
        "sum_y": sum_y,
        "sum_y2": sum_y2,
        "sum_x": 0.0,
        "sum_x2": 0.0,
        "sum_xy": 0.0,
        "confidence_level": 0.95,
        "correction": "bh",
        "is_sequential": False,
        "sequential_tuning_n": 5000.0,
        "power": 0.8,
    }
    row.update(extra)
    return row


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match=r"sufficient statistics is missing columns: .*sum_xy"):
        compute_results(pd.DataFrame([_row("control", 3, 1, 1)]).drop(columns=["sum_xy"]))


def test_two_controls_name_the_experiment_and_metric() -> None:
    frame = pd.DataFrame([_row("control", 3, 1, 1), {**_row("b", 3, 1, 1), "is_control": True}])
    with pytest.raises(
        ValueError, match="experiment 'e', metric 'm': expected exactly one control"
    ):
        compute_results(frame)


def test_degenerate_arms_are_flagged_not_computed() -> None:
    cases = {
        "zero_variance": ([_row("control", 4, 4, 4), _row("b", 5, 5, 5)], "no variation"),
        "too_few_units": ([_row("control", 4, 2, 2), _row("b", 1, 1, 1)], "variant 'b' has 1 unit"),
        "no_units": ([_row("control", 4, 2, 2), _row("b", 0, 0, 0)], "variant 'b' has no units"),
        "window_longer_than_data": (
            [_row("control", 0, 0, 0, units_window_incomplete=7), _row("b", 3, 1, 1)],
            "no unit whose metric window ends before the data does",
        ),
    }
    for status, (rows, reason) in cases.items():
        result = compute_results(pd.DataFrame(rows)).iloc[0]
        assert result["status"] == status
        assert reason in result["status_reason"]
        assert math.isnan(result["p_value"]) and math.isnan(result["p_value_adjusted"])
        assert not result["is_significant"] and not result["is_trustworthy"]


def test_zero_control_mean_leaves_relative_effect_empty_with_a_reason() -> None:
    # control: 4 units with 0 orders; variant: 1, 0, 2, 1 orders
    result = compute_results(pd.DataFrame([_row("control", 4, 0, 0), _row("b", 4, 4, 6)])).iloc[0]
    assert result["status"] == "ok"
    assert result["absolute_effect"] == 1.0
    assert math.isnan(result["relative_effect"])
    assert result["status_reason"] == "control mean is 0: relative effect undefined"


def test_srm_without_units_is_flagged() -> None:
    counts = pd.DataFrame(
        {
            "experiment_name": ["e", "e"],
            "variant": ["a", "b"],
            "declared_share": [0.5, 0.5],
            "units": [0, 0],
            "units_excluded_multiple_variants": [2, 2],
        }
    )
    srm = compute_srm(counts)
    assert list(srm["status"]) == ["no_units", "no_units"]
    assert not srm["is_srm"].any()


def test_trigger_lift_without_a_treatment_arm_is_flagged() -> None:
    stats = pd.DataFrame(
        [{"trigger_name": "t", "step_name": "s", "arm": "control", "units": 10, "conversions": 2,
          "sum_value": 5.0, "sum_value2": 20.0}]
    )  # fmt: skip
    lift = compute_trigger_lift(stats)
    assert list(lift["status"]) == ["too_few_units"]
    assert lift["units_treatment"].iloc[0] == 0
