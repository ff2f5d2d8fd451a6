"""The five trigger scenarios of the sample (their events and planted would-be fires) and the
sample's A/B experiments (:mod:`.experiment`, scenario index ``len(REGISTRY)``).

Plugged into :func:`journey_sample.generator.generate` through :class:`ScenarioRun`: the
generator shows it every written chunk (:meth:`ScenarioRun.observe_chunk`), then
:meth:`ScenarioRun.finish` simulates the scenario users, writes ``events/scenarios-00000.parquet``
(same schema as the chunks) and the CRM file ``cancellation_survey.csv``, and returns the
``truth.json`` additions:

* ``triggers``: {trigger name: [{user_id, step, entry_event_id, condition_true_at, arm}]}, the
  would-be fires (before holdout, caps, quiet hours and priority) whose condition became true
  at or before the watermark;
* ``trigger_scenarios``: the watermark, the holdout of each trigger, per-scenario facts
  (planted effects, segments) and the scenario row counts.

Watermark: the newest valid event time of the run (null and future timestamps excluded), i.e.
an absence window closes when the data reaches its end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from . import cart, experiment, loan, profile, trial, winback
from .base import (
    ScenarioContext,
    ScenarioResult,
    TriggerSpec,
    bucket,
    holdout_arm,
    iso_utc,
)

__all__ = [
    "SCENARIO_FILE",
    "TRIGGERS",
    "ScenarioRun",
    "bucket",
    "holdout_arm",
    "iso_utc",
]

SCENARIO_FILE = "scenarios-00000.parquet"


@dataclass(frozen=True)
class _Entry:
    trigger: TriggerSpec
    simulate: Callable[[ScenarioContext, int], ScenarioResult] | None


#: Registry: scenario index -> trigger and simulation (profile reads the simulated chunks).
REGISTRY: tuple[_Entry, ...] = (
    _Entry(cart.TRIGGER, cart.simulate),
    _Entry(profile.TRIGGER, None),
    _Entry(trial.TRIGGER, trial.simulate),
    _Entry(loan.TRIGGER, loan.simulate),
    _Entry(winback.TRIGGER, winback.simulate),
)
TRIGGERS: tuple[TriggerSpec, ...] = tuple(e.trigger for e in REGISTRY)


class ScenarioRun:
    """Collects what the scenarios need from the chunks, then simulates and writes them."""

    def __init__(
        self,
        ctx: ScenarioContext,
        to_table: Callable[[dict[str, np.ndarray]], pa.Table],
    ) -> None:
        self.ctx = ctx
        self.to_table = to_table
        self.profile = profile.ProfileObserver()
        self.watermark_us = ctx.start_us

    def observe_chunk(self, table: pa.Table) -> None:
        ts = table["event_timestamp"].cast(pa.int64())
        valid = pc.less_equal(ts, table["loaded_at"].cast(pa.int64()))
        newest = pc.max(pc.filter(ts, valid)).as_py()
        if newest is not None:
            self.watermark_us = max(self.watermark_us, int(newest))
        self.profile.observe(table)

    def finish(self, out: Path) -> tuple[dict[str, Any], pa.Table, dict[str, int]]:
        """Write the scenario rows and CRM file; return (truth additions, rows, row counts by name)."""
        results: list[ScenarioResult] = []
        for index, entry in enumerate(REGISTRY):
            if entry.simulate is None:
                results.append(self.profile.simulate(self.ctx, index))
            else:
                results.append(entry.simulate(self.ctx, index))
        experiment_batch, experiment_truth = experiment.simulate(self.ctx, len(REGISTRY))
        cols = [r.events.columns() for r in results] + [experiment_batch.columns()]
        merged = {k: np.concatenate([c[k] for c in cols]) for k in cols[0]}
        order = np.lexsort((merged["eid"], merged["ts"]))
        merged = {k: v[order] for k, v in merged.items()}
        if len(merged["ts"]):
            self.watermark_us = max(self.watermark_us, int(merged["ts"].max()))
        table = self.to_table(merged)
        names, counts = np.unique(merged["name"].astype(str), return_counts=True)
        by_name = {str(k): int(v) for k, v in zip(names, counts, strict=True)}
        for result in results:
            for name, csv_table in result.csv_files.items():
                pacsv.write_csv(csv_table, out / name)
        triggers: dict[str, list[dict[str, Any]]] = {}
        facts: dict[str, Any] = {}
        for entry, result in zip(REGISTRY, results, strict=True):
            kept = [f for f in result.fires if f.condition_true_us <= self.watermark_us]
            kept.sort(key=lambda f: (f.condition_true_us, f.user_id, f.step))
            triggers[entry.trigger.name] = [f.as_truth() for f in kept]
            facts[entry.trigger.name] = {
                "holdout": {
                    "share": entry.trigger.holdout_share,
                    "salt": entry.trigger.holdout_salt,
                },
                "would_be_fires": len(kept),
                "planted_after_watermark": len(result.fires) - len(kept),
                **result.facts,
            }
        additions = {
            "experiments": experiment_truth,
            "triggers": triggers,
            "trigger_scenarios": {
                "watermark": iso_utc(self.watermark_us),
                "watermark_rule": "newest event_timestamp of the valid rows (not null, not "
                "after loaded_at); a would-be fire counts when condition_true_at <= watermark",
                "global_control": {"share": 0.0, "salt": "journey-global"},
                "holdout_hash": "bucket = int(md5_hex(salt || ':' || user_id)[0:8], 16) mod "
                "10000; control when bucket < share * 10000",
                "absence_windows": "half-open (entry, entry + window]: a goal at exactly "
                "entry + window cancels the fire",
                "scenario_file": f"events/{SCENARIO_FILE}",
                "scenario_rows": len(merged["ts"]),
                "scenario_rows_by_event_name": by_name,
                "server_side": "scenario rows carry user_id only (no anonymous_id, "
                "session_id, sequence_number or page_url)",
                "scenarios": facts,
            },
        }
        return additions, table, by_name
