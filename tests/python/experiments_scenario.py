"""The planted experiments, metric declarations and hand-made trigger outcomes that the dbt
experiment tests build on (tests/python/test_experiments_dbt.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from journey_sample.experiments import (
    PlantedExperiment,
    PlantedResult,
    PlantedVariant,
    plant_experiments,
)

SEED = 11

PLANTED = [
    PlantedExperiment(
        "checkout",
        (
            PlantedVariant(
                "control", 0.5, conversion_rate=0.2, order_rate=1.0, revenue_per_order=40.0
            ),
            PlantedVariant(
                "treatment", 0.5, conversion_rate=0.32, order_rate=1.4, revenue_per_order=40.0
            ),
        ),
        multi_variant_units=6,
    ),
    PlantedExperiment(
        "pricing",  # no effect, three arms, a third of the last arm's exposures lost: an SRM
        (
            PlantedVariant("a", 1 / 3),
            PlantedVariant("b", 1 / 3),
            PlantedVariant("c", 1 / 3),
        ),
        srm_drop=0.3,
        exposure_share=0.9,
    ),
    PlantedExperiment(
        "one_arm",  # every exposure says control: the declared treatment has no units
        (PlantedVariant("control", 1.0), PlantedVariant("treatment", 0.0)),
        exposure_share=0.3,
    ),
]

METRICS: list[dict[str, Any]] = [
    {"name": "converted_7d", "type": "conversion", "event": "trial_started", "window": "7 days"},
    {"name": "orders_7d", "type": "count", "event": "planted_order", "window": "7 days"},
    {
        "name": "orders_7d_cuped",
        "type": "count",
        "event": "planted_order",
        "window": "7 days",
        "cuped_lookback": "7 days",
    },
    {
        "name": "revenue_7d",
        "type": "sum",
        "event": "planted_order",
        "value": "revenue",
        "window": "7 days",
        "winsorize_percentile": 0.95,
    },
    {
        "name": "revenue_per_order",
        "type": "ratio",
        "window": "7 days",
        "numerator": {"event": "planted_order", "agg": "sum", "value": "revenue"},
        "denominator": {"event": "planted_order", "agg": "count"},
    },
    {"name": "active_day_3", "type": "retention", "retention_day": 3},
    {
        "name": "orders_guardrail",  # more orders count as harm here: the planted lift breaches it
        "type": "count",
        "event": "planted_order",
        "window": "7 days",
        "direction": "lower",
        "guardrail": True,
    },
    {"name": "converted_60d", "type": "conversion", "event": "trial_started", "window": "60 days"},
]

EXPERIMENTS: list[dict[str, Any]] = [
    {
        "name": "checkout",
        "exposure_event": "experiment_viewed",
        "variants": {"control": 0.5, "treatment": 0.5},
        "metrics": [m["name"] for m in METRICS if m["name"] != "converted_60d"],
    },
    {
        "name": "checkout_holm",  # the same exposures, Holm's correction, sequential intervals
        "exposure_event": "experiment_viewed",
        "experiment_key": "checkout",
        "variants": {"control": 0.5, "treatment": 0.5},
        "metrics": ["converted_7d", "orders_7d", "revenue_7d"],
        "correction": "holm",
        "sequential": True,
    },
    {
        "name": "pricing",
        "exposure_event": "experiment_viewed",
        "variants": {"a": 1, "b": 1, "c": 1},
        "control": "a",
        "metrics": ["orders_7d", "converted_7d"],
    },
    {
        "name": "one_arm",
        "exposure_event": "experiment_viewed",
        "variants": {"control": 0.5, "treatment": 0.5},
        "metrics": ["converted_7d", "converted_60d"],
    },
]

# Hand-made trigger outcomes (the columns of the trigger marts' fct_trigger_outcomes).
# welcome/step_1: treatment 4 of 8 reached the goal (values 10, 20, 30, 40), control 1 of 6
# (value 10), global_control 0 of 3; nudge/step_2 has one control fire only.
TRIGGER_OUTCOMES: list[tuple[Any, ...]] = [
    *[(f"t{i}", "welcome", "step_1", f"u{i}", "treatment", i < 4, 10.0 * (i + 1) if i < 4 else None) for i in range(8)],
    *[(f"c{i}", "welcome", "step_1", f"v{i}", "control", i == 0, 10.0 if i == 0 else None) for i in range(6)],
    *[(f"g{i}", "welcome", "step_1", f"w{i}", "global_control", False, None) for i in range(3)],
    ("n0", "nudge", "step_2", "x0", "control", True, 5.0),
    ("n1", "nudge", "step_2", "x1", "treatment", True, 5.0),
]  # fmt: skip


def write_planted_sample(sample_dir: Path, out: Path) -> PlantedResult:
    """The shared sample's events plus the planted experiments' events, as Parquet in out/events."""
    events_dir = out / "events"
    events_dir.mkdir(parents=True, exist_ok=True)
    for part in sorted((sample_dir / "events").glob("*.parquet")):
        (events_dir / part.name).write_bytes(part.read_bytes())
    planted = plant_experiments(sample_dir / "events", SEED, PLANTED)
    pq.write_table(planted.events, events_dir / "part-planted.parquet")
    return planted


def write_trigger_outcomes(database: Path) -> None:
    """The hand-made outcomes as table main.hand_trigger_outcomes."""
    with duckdb.connect(str(database)) as con:
        con.execute(
            "create or replace table main.hand_trigger_outcomes (fire_id varchar, trigger_name varchar, "
            "step_name varchar, user_id varchar, arm varchar, goal_reached boolean, goal_value double, "
            "entered_at timestamp default timestamp '2026-01-01', condition_true_at timestamp, goal_at timestamp)"
        )
        con.executemany(
            "insert into main.hand_trigger_outcomes (fire_id, trigger_name, step_name, user_id, arm, "
            "goal_reached, goal_value) values (?, ?, ?, ?, ?, ?, ?)",
            TRIGGER_OUTCOMES,
        )


def dbt_vars(events_glob: str) -> dict[str, Any]:
    return {
        "journey__generic_events_path": events_glob,
        "journey__experiments": EXPERIMENTS,
        "journey__experiment_metrics": METRICS,
        "journey__trigger_outcomes_relation": "main.hand_trigger_outcomes",
    }
