"""Scenario 1: high-value cart abandoned for 24 hours (trigger ``cart_abandoned_high_value``).

Each cart user views a cart once (``cart_viewed`` with ``cart_value`` in USD and ``items``):

* abandoner (high value, ``cart_value >= 150``; some exactly 150): no order for 24 h, so the
  trigger would fire at entry + 24 h. Planted effect: an order (``order_completed``, revenue =
  cart value) within 72 h after that moment with probability 0.30 in the treatment arm and
  0.10 in the control arm;
* quick buyer (high value): orders 5 min - 23 h after the view (no fire);
* small cart (value < 150): abandoned, never fires.
"""

from __future__ import annotations

import numpy as np

from .base import (
    US_PER_H,
    EventBatch,
    Fire,
    ScenarioContext,
    ScenarioResult,
    TriggerSpec,
    props,
    seconds,
)

TRIGGER = TriggerSpec("cart_abandoned_high_value", holdout_share=0.10)
SHARE_OF_USERS = 0.01
MIN_USERS = 12
KIND_PROBS = (0.60, 0.20, 0.20)  # abandoner, quick buyer, small cart
THRESHOLD = 150.0
WINDOW_US = 24 * US_PER_H
OUTCOME_WINDOW_US = 72 * US_PER_H
P_ORDER_AFTER_FIRE = {"treatment": 0.30, "control": 0.10, "global_control": 0.10}


def simulate(ctx: ScenarioContext, index: int) -> ScenarioResult:
    rng = ctx.rng(index)
    n = ctx.size(SHARE_OF_USERS, MIN_USERS)
    person = ctx.persons(index, n)
    kind = rng.choice(3, size=n, p=KIND_PROBS)
    kind[:3] = (0, 1, 2)  # every kind occurs in the smallest run
    entry = ctx.uniform_ts(rng, n, 0.0, ctx.days - 4.0)
    high = np.round(rng.uniform(THRESHOLD + 0.01, 600.0, n), 2)
    high = np.where(rng.random(n) < 0.12, THRESHOLD, high)
    high[0] = THRESHOLD  # an abandoner exactly at the threshold (>= fires)
    low = np.round(rng.uniform(20.0, THRESHOLD - 0.01, n), 2)
    value = np.where(kind == 2, low, high)
    items = rng.integers(1, 7, n)
    batch = EventBatch(index)
    entry_eid = batch.add(
        person,
        entry,
        "cart_viewed",
        [
            props({"cart_value": float(v), "items": int(k)})
            for v, k in zip(value, items, strict=True)
        ],
    )
    users = ctx.user_id_of(person)
    entry_ids = ctx.event_id_of(entry_eid)
    # quick buyers
    quick = kind == 1
    quick_ts = entry[quick] + seconds(rng, 5 * 60, 23 * 3600, int(quick.sum()))
    # abandoners: would-be fire at entry + 24 h, planted order after it by arm
    fires: list[Fire] = []
    order_person: list[int] = []
    order_ts: list[int] = []
    order_value: list[float] = []
    u_after = rng.random(n)
    delay = seconds(rng, 10 * 60, 71 * 3600, n)
    for i in np.flatnonzero(kind == 0):
        fire_at = int(entry[i] + WINDOW_US)
        arm = TRIGGER.arm(users[i])
        fires.append(Fire(TRIGGER.name, 1, users[i], entry_ids[i], fire_at, arm))
        if u_after[i] < P_ORDER_AFTER_FIRE[arm]:
            order_person.append(int(person[i]))
            order_ts.append(fire_at + int(delay[i]))
            order_value.append(float(value[i]))
    o_person = np.concatenate([person[quick], np.asarray(order_person, dtype=np.int64)])
    o_ts = np.concatenate([quick_ts, np.asarray(order_ts, dtype=np.int64)])
    o_value = np.concatenate([value[quick], np.asarray(order_value, dtype=np.float64)])
    keep = o_ts < ctx.end_us
    batch.add(
        o_person[keep],
        o_ts[keep],
        "order_completed",
        [props({"cart_value": float(v)}) for v in o_value[keep]],
        revenue=o_value[keep],
    )
    facts = {
        "users": n,
        "threshold_usd": THRESHOLD,
        "window_hours": WINDOW_US // US_PER_H,
        "planted_order_probability_within_72h_after_fire": {
            k: v for k, v in P_ORDER_AFTER_FIRE.items() if k != "global_control"
        },
        "outcome_window_hours": OUTCOME_WINDOW_US // US_PER_H,
        "quick_buyer_delay_minutes": [5, 23 * 60],
        "note": "one cart_viewed per cart user; order_completed carries revenue (USD)",
    }
    return ScenarioResult(events=batch, fires=fires, facts=facts)
