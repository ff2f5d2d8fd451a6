"""Planted A/B experiments on top of generated raw events, with their truth.

:func:`plant_experiments` takes the raw events (a pyarrow table or a Parquet path / glob), a
seed and experiment declarations (:class:`PlantedExperiment`), and returns the extra raw
events to append (exposures, conversions and orders, in :data:`generator.EVENT_SCHEMA`) and the
truth: every unit's planted variant, the true per-variant rates and effects, the units planted
in two variants and the exposures dropped to plant a sample-ratio mismatch.

The model, per unit u of an experiment (units are the stitched users of the raw events):

* exposure at a uniform time that leaves ``lookback_days`` of history before it;
* variant drawn with the declared shares; ``srm_drop`` removes that share of the last
  variant's exposures (a planted SRM); ``multi_variant_units`` units get a second exposure to
  another variant one hour later (they must be excluded);
* a latent order rate lambda_u ~ Gamma(2, rate_control / 2); orders before exposure
  ~ Poisson(lambda_u) over the lookback (the CUPED covariate), orders after ~ Poisson(lambda_u
  * rate_variant / rate_control) over the window, each with revenue ~ Gamma(2, mean / 2);
* a goal event with probability ``conversion_rate`` of the variant, within the window.

So the true effect on orders per unit is ``order_rate_v - order_rate_c``, on revenue per unit
``order_rate_v * revenue_v - order_rate_c * revenue_c``, on conversion ``p_v - p_c``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

DAY_US = 86_400_000_000


@dataclass(frozen=True)
class PlantedVariant:
    """One arm: its declared share and true rates."""

    name: str
    share: float
    conversion_rate: float = 0.2
    order_rate: float = 1.0
    revenue_per_order: float = 40.0


@dataclass(frozen=True)
class PlantedExperiment:
    """An experiment to plant; the first variant is the control."""

    name: str
    variants: tuple[PlantedVariant, ...]
    exposure_event: str = "experiment_viewed"
    goal_event: str = "trial_started"
    order_event: str = "planted_order"
    exposure_share: float = 1.0
    window_days: int = 7
    lookback_days: int = 7
    srm_drop: float = 0.0
    multi_variant_units: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlantedResult:
    events: pa.Table
    truth: dict[str, Any]


def _read(events: pa.Table | str | Path) -> pa.Table:
    if isinstance(events, pa.Table):
        return events
    path = Path(events)
    source = str(path / "*.parquet") if path.is_dir() else str(path)
    files = sorted(Path(source).parent.glob(Path(source).name)) if "*" in source else [path]
    return ds.dataset([str(f) for f in files], format="parquet").to_table(
        columns=["user_id", "anonymous_id", "event_timestamp"]
    )


def _units(table: pa.Table) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Units (the user id of a device when it has one, else the device id) with a device each,
    and the data's time range in microseconds."""
    users = table.column("user_id").to_pylist()
    devices = table.column("anonymous_id").to_pylist()
    times = pc.cast(pc.drop_null(table.column("event_timestamp")), pa.int64()).to_numpy(
        zero_copy_only=False
    )
    # the data's range: the 1st and 99th percentile, so planted junk timestamps do not count
    start, end = int(np.percentile(times, 1)), int(np.percentile(times, 99))
    user_of_device: dict[str, str] = {}
    for user, device in zip(users, devices, strict=True):
        if user is not None and device is not None and device not in user_of_device:
            user_of_device[device] = user
    unit_device: dict[str, str] = {}
    for user, device in zip(users, devices, strict=True):
        unit = user if user is not None else user_of_device.get(device, device) if device else None
        if unit is not None and device is not None and unit not in unit_device:
            unit_device[unit] = device
    units = np.array(sorted(unit_device), dtype=object)
    return units, np.array([unit_device[u] for u in units], dtype=object), start, end


def plant_experiments(
    events: pa.Table | str | Path, seed: int, experiments: Sequence[PlantedExperiment]
) -> PlantedResult:
    """Extra raw events for the planted experiments, and their truth (see the module doc)."""
    # imported here: the generator imports the scenarios, which plant experiments with this
    from journey_sample.generator import EVENT_SCHEMA

    rng = np.random.default_rng(seed)
    units, devices, start, end = _units(_read(events))
    columns: dict[str, list[Any]] = {f.name: [] for f in EVENT_SCHEMA}
    truth: dict[str, Any] = {"seed": seed, "experiments": {}}
    counter = 0

    def emit(
        unit: str, device: str, name: str, at_us: int, props: dict, revenue: float | None
    ) -> None:
        nonlocal counter
        counter += 1
        at = np.datetime64(int(at_us), "us").astype(object)
        is_user = unit != device
        row = {
            "event_id": f"px{seed}-{counter}",
            "event_name": name,
            "event_timestamp": at,
            "user_id": unit if is_user else None,
            "anonymous_id": device,
            "session_id": None,
            "sequence_number": None,
            "revenue": revenue,
            "currency": "EUR" if revenue is not None else None,
            "properties": json.dumps(props, separators=(",", ":")),
            "loaded_at": at + timedelta(minutes=1),
        }
        for key in columns:
            columns[key].append(row.get(key))

    for exp in experiments:
        if len(exp.variants) < 2:
            raise ValueError(f"planted experiment '{exp.name}' needs at least two variants")
        shares = np.array([v.share for v in exp.variants], dtype=float)
        shares = shares / shares.sum()
        chosen = rng.random(units.size) < exp.exposure_share
        idx = np.flatnonzero(chosen)
        arm = rng.choice(len(exp.variants), size=idx.size, p=shares)
        lookback, window = exp.lookback_days * DAY_US, exp.window_days * DAY_US
        span = max(end - start - lookback - window - DAY_US, DAY_US)
        exposed = start + lookback + (rng.random(idx.size) * span).astype(np.int64)
        # planted SRM: drop a share of the last variant's exposures
        keep = ~((arm == len(exp.variants) - 1) & (rng.random(idx.size) < exp.srm_drop))
        dropped = int((~keep).sum())
        idx, arm, exposed = idx[keep], arm[keep], exposed[keep]
        control = exp.variants[0]
        lam = rng.gamma(2.0, control.order_rate / 2.0, idx.size)
        multi = set(
            rng.choice(
                idx.size, size=min(exp.multi_variant_units, idx.size), replace=False
            ).tolist()
        )
        assignments: dict[str, str] = {}
        multi_units: list[str] = []
        for j, (u, a, t0) in enumerate(zip(idx, arm, exposed, strict=True)):
            unit, device, v = str(units[u]), str(devices[u]), exp.variants[a]
            props = {"experiment_key": exp.name, "variant": v.name}
            emit(unit, device, exp.exposure_event, int(t0), props, None)
            if j in multi:
                other = exp.variants[(a + 1) % len(exp.variants)]
                emit(unit, device, exp.exposure_event, int(t0) + 3_600_000_000,
                     {"experiment_key": exp.name, "variant": other.name}, None)  # fmt: skip
                multi_units.append(unit)
            else:
                assignments[unit] = v.name
            for k in range(rng.poisson(lam[j] * exp.lookback_days / exp.window_days)):
                at = int(t0) - int(rng.random() * lookback) - 1
                amount = round(float(rng.gamma(2.0, control.revenue_per_order / 2.0)), 2)
                emit(unit, device, exp.order_event, at, {"order": k}, amount)
            for k in range(rng.poisson(lam[j] * v.order_rate / control.order_rate)):
                at = int(t0) + 1 + int(rng.random() * (window - 2))
                amount = round(float(rng.gamma(2.0, v.revenue_per_order / 2.0)), 2)
                emit(unit, device, exp.order_event, at, {"order": k}, amount)
            if rng.random() < v.conversion_rate:
                emit(
                    unit,
                    device,
                    exp.goal_event,
                    int(t0) + 1 + int(rng.random() * (window - 2)),
                    {},
                    None,
                )
        c = exp.variants[0]
        truth["experiments"][exp.name] = {
            "declaration": {**asdict(exp), "variants": [asdict(v) for v in exp.variants]},
            "assignments": assignments,
            "multi_variant_units": sorted(multi_units),
            "srm_dropped_exposures": dropped,
            "data_start_us": start,
            "data_end_us": end,
            "effects": {
                v.name: {
                    "conversion": v.conversion_rate - c.conversion_rate,
                    "orders_per_unit": v.order_rate - c.order_rate,
                    "revenue_per_unit": v.order_rate * v.revenue_per_order
                    - c.order_rate * c.revenue_per_order,
                }
                for v in exp.variants[1:]
            },
        }
    table = pa.table(columns, schema=EVENT_SCHEMA)
    return PlantedResult(events=table, truth=truth)
