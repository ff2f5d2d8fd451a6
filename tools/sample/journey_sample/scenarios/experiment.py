"""Scenario 6: the sample's A/B experiments (no trigger), planted by
:func:`journey_sample.experiments.plant_experiments` on users of their own.

Each experiment in :data:`PLANTED` gets its own, disjoint pool of scenario users (so no unit's
orders count in another experiment's windows), with history over the whole range. The planted
rows (``experiment_viewed`` {experiment_key, variant}, ``offer_redeemed`` (the goal) and
``credits_purchased`` with revenue) are written server-side like every scenario row.

Truth (``truth.json["experiments"]``): what :func:`plant_experiments` reports (assignments,
units exposed to two variants, the SRM drop, the declaration) plus ``metric_effects``: the true
effect of each variant on each metric declared in ``dbt_project.yml`` (vars
``journey__experiment_metrics``), from the planted model:

* conversion ``p_v - p_c``; orders (plain, CUPED, guardrail) ``r_v - r_c``; revenue
  ``r_v m_v - r_c m_c`` (``r`` orders per unit in the window, ``m`` revenue per order);
* revenue per order (ratio of sums) ``m_v - m_c``;
* ordered on day N after exposure (retention): orders in the window are Poisson(lambda r / r_c)
  with uniform times, lambda ~ Gamma(2, scale r_c / 2), so P(an order on day N) =
  1 - E[exp(-lambda r / (r_c W))] = 1 - (1 + r / (2 W))^-2 (W the window in days);
* revenue capped at the pooled percentile q (winsorised): by Monte Carlo from the same model
  (:data:`MC_UNITS` units per arm, a fixed seed), the cap being the q-quantile of the pooled
  per-unit revenue with the declared shares.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from ..experiments import PlantedExperiment, PlantedVariant, plant_experiments
from .base import EventBatch, ScenarioContext

EXPOSURE_EVENT = "experiment_viewed"
GOAL_EVENT = "offer_redeemed"
ORDER_EVENT = "credits_purchased"
WINDOW_DAYS = 7
RETENTION_DAY = 3
WINSORIZE_PERCENTILE = 0.99
MC_UNITS = 400_000

#: (experiment, share of users, minimum users): the shipped experiments of dbt_project.yml.
PLANTED: tuple[tuple[PlantedExperiment, float, int], ...] = (
    (
        PlantedExperiment(
            "onboarding_offer",
            (
                PlantedVariant("control", 0.5, 0.20, 1.0, 40.0),
                PlantedVariant("treatment", 0.5, 0.30, 1.3, 44.0),
            ),
            exposure_event=EXPOSURE_EVENT,
            goal_event=GOAL_EVENT,
            order_event=ORDER_EVENT,
            window_days=WINDOW_DAYS,
            lookback_days=WINDOW_DAYS,
            multi_variant_units=5,
        ),
        0.5,
        1000,
    ),
    (
        PlantedExperiment(  # no effect; half of the treatment's exposures are lost: an SRM
            "pricing_page",
            (PlantedVariant("control", 0.5), PlantedVariant("treatment", 0.5)),
            exposure_event=EXPOSURE_EVENT,
            goal_event=GOAL_EVENT,
            order_event=ORDER_EVENT,
            window_days=WINDOW_DAYS,
            lookback_days=WINDOW_DAYS,
            srm_drop=0.5,
        ),
        0.15,
        300,
    ),
)


def _winsorised_revenue(exp: PlantedExperiment, seed: int) -> dict[str, float]:
    """Mean per-unit revenue capped at the pooled WINSORIZE_PERCENTILE, per variant (Monte Carlo)."""
    control = exp.variants[0]
    per_arm: list[np.ndarray] = []
    for v in exp.variants:
        rng = np.random.default_rng([seed, 6007])  # common random numbers across the arms
        lam = rng.gamma(2.0, control.order_rate / 2.0, MC_UNITS)
        orders = rng.poisson(lam * v.order_rate / control.order_rate)
        # a sum of k Gamma(2, m / 2) amounts is Gamma(2k, m / 2)
        revenue = np.where(
            orders > 0, rng.gamma(np.maximum(2.0 * orders, 1e-9), v.revenue_per_order / 2.0), 0.0
        )
        per_arm.append(revenue)
    shares = np.array([v.share for v in exp.variants]) / sum(v.share for v in exp.variants)
    weights = np.concatenate([np.full(MC_UNITS, s) for s in shares])
    pooled = np.concatenate(per_arm)
    order = np.argsort(pooled)
    cdf = np.cumsum(weights[order]) / weights.sum()
    cap = float(pooled[order][np.searchsorted(cdf, WINSORIZE_PERCENTILE)])
    return {
        v.name: float(np.minimum(r, cap).mean()) for v, r in zip(exp.variants, per_arm, strict=True)
    }


def metric_effects(exp: PlantedExperiment, seed: int) -> dict[str, dict[str, float]]:
    """True effect (variant - control) per declared metric name and variant (module doc)."""
    c = exp.variants[0]
    capped = _winsorised_revenue(exp, seed)

    def ordered_on_day(v: PlantedVariant) -> float:
        return 1.0 - (1.0 + v.order_rate / (2.0 * exp.window_days)) ** -2

    out: dict[str, dict[str, float]] = {}
    for v in exp.variants[1:]:
        orders = v.order_rate - c.order_rate
        values = {
            "converted_7d": v.conversion_rate - c.conversion_rate,
            "orders_7d": orders,
            "orders_7d_cuped": orders,
            "orders_guardrail_7d": orders,
            "revenue_7d": v.order_rate * v.revenue_per_order - c.order_rate * c.revenue_per_order,
            "revenue_7d_capped": capped[v.name] - capped[c.name],
            "revenue_per_order_7d": v.revenue_per_order - c.revenue_per_order,
            f"ordered_day_{RETENTION_DAY}": ordered_on_day(v) - ordered_on_day(c),
        }
        for metric, value in values.items():
            out.setdefault(metric, {})[v.name] = value
    return out


def simulate(ctx: ScenarioContext, index: int) -> tuple[EventBatch, dict[str, Any]]:
    """The experiments' rows (as a scenario batch) and ``truth.json["experiments"]``."""
    batch = EventBatch(index)
    truth: dict[str, Any] = {}
    first = 0
    for k, (exp, share, minimum) in enumerate(PLANTED):
        n = ctx.size(share, minimum)
        person = ctx.persons(index, n)[0] + first + np.arange(n, dtype=np.int64)
        first += n
        users = ctx.user_id_of(person)
        # the units and the data's range: one row at each end of the range per unit
        base = pa.table(
            {
                "user_id": pa.array(users * 2, pa.string()),
                "anonymous_id": pa.array([f"device-{u}" for u in users] * 2, pa.string()),
                "event_timestamp": pa.array(
                    np.concatenate([np.full(n, ctx.start_us), np.full(n, ctx.end_us - 1)]).view(
                        "datetime64[us]"
                    )
                ),
            }
        )
        planted = plant_experiments(base, ctx.seed * 100 + k, [exp])
        person_of = dict(zip(users, person.tolist(), strict=True))
        rows = planted.events
        ts = rows["event_timestamp"].cast(pa.int64()).to_numpy()
        who = np.array([person_of[u] for u in rows["user_id"].to_pylist()], dtype=np.int64)
        names = np.array(rows["event_name"].to_pylist(), dtype=object)
        props = np.array(rows["properties"].to_pylist(), dtype=object)
        revenue = rows["revenue"].to_numpy(zero_copy_only=False).astype(np.float64)
        for name in (exp.exposure_event, exp.order_event, exp.goal_event):
            pick = names == name
            batch.add(who[pick], ts[pick], name, props[pick], revenue[pick])
        entry = planted.truth["experiments"][exp.name]
        entry["users"] = n
        entry["metric_effects"] = metric_effects(exp, ctx.seed)
        truth[exp.name] = entry
    return batch, truth
