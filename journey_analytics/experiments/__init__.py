"""Experiment analysis: two-sample tests on sufficient statistics, SRM, trigger lift.

:mod:`journey_analytics.experiments.stats` holds the formulas (pure numpy/scipy, vectorised);
:mod:`journey_analytics.experiments.analysis` applies them to the aggregate tables the dbt
models write.
"""

from journey_analytics.experiments.analysis import (
    RESULT_COLUMNS,
    SRM_COLUMNS,
    STATS_COLUMNS,
    TRIGGER_LIFT_COLUMNS,
    compute_results,
    compute_srm,
    compute_trigger_lift,
)

__all__ = [
    "RESULT_COLUMNS",
    "SRM_COLUMNS",
    "STATS_COLUMNS",
    "TRIGGER_LIFT_COLUMNS",
    "compute_results",
    "compute_srm",
    "compute_trigger_lift",
]
