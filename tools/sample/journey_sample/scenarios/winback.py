"""Scenario 5: win-back of content-gap cancellers (trigger ``winback_content_gap``).

Each win-back user cancelled a subscription (``subscription_cancelled`` {reason_code}) at C and
answered the cancellation survey (CRM table ``cancellation_survey.csv``: user_id,
cancelled_at, reason in price | content | usability, the same reason as the event). C is 31 -
59 days before the user's main visit V inside the range, so C is often before the range
start (pre-range history).

Post-cancellation behaviour agrees with the reason (so any rule over survey + behaviour gives
the same clusters):

* content: an early visit 2 - 28 days after C (``page_viewed`` {page: browse} and 3 - 6
  ``title_viewed`` {genre}, at least 2 more in the preferred genre than in any other), then
  the main visit V (``page_viewed`` {page: home} + 1 - 3 ``title_viewed`` in the preferred
  genre);
* price: ``page_viewed`` {page: pricing} early and at V; usability: {page: help}.

Order history: half of the users bought in the shop (``order_completed`` with revenue)
before the main visit, so the CLV mart gives them a predicted value (the offer tier).

Resubscription (``subscription_started`` {plan: basic}): content users with probability
P_RESUB_BETWEEN in (V, V + 3 d] (exit before step 2) or P_RESUB_LATER 4 - 20 days after V;
price users P_RESUB_PRICE after V. Nobody resubscribes before V.

Would-be fires (content users): step 1 at V (the visit is the entry event, 30 - 60 days after
the cancellation), step 2 at V + 3 d unless resubscribed in (V, V + 3 d]. Each fire's truth
carries the payload the trigger fills from data: step 1 the preferred genre, step 2 the offer
(free_month for a user with shop orders before V, who has a predicted CLV; discount_20
otherwise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from .base import (
    US_PER_DAY,
    US_PER_S,
    EventBatch,
    Fire,
    ScenarioContext,
    ScenarioResult,
    TriggerSpec,
    kv,
    seconds,
)

TRIGGER = TriggerSpec("winback_content_gap", holdout_share=0.10)
#: Offers of step 2: a free month for users with a predicted CLV (shop orders before the visit),
#: 20% off for the others (no order: no predicted value).
OFFER_WITH_ORDERS = "free_month"
OFFER_WITHOUT_ORDERS = "discount_20"
SHARE_OF_USERS = 0.04
MIN_USERS = 24
REASONS = ("price", "content", "usability")
REASON_PROBS = (0.35, 0.45, 0.20)
GENRES = ("drama", "comedy", "documentary", "thriller", "kids", "sci_fi")
STEP2_DAYS = 3
P_RESUB_BETWEEN = 0.15
P_RESUB_LATER = 0.2
P_RESUB_PRICE = 0.25
PLAN_PRICE = 29.0
P_ORDER_HISTORY = 0.5
ORDER_HISTORY_EXTRA_MEAN = 2.0
ORDER_MEDIAN_USD = 60.0


@dataclass(frozen=True)
class WinbackFire(Fire):
    """A win-back fire with the payload values the trigger reads from data."""

    payload: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_truth(self) -> dict[str, Any]:
        return {**super().as_truth(), "payload": dict(self.payload)}


def simulate(ctx: ScenarioContext, index: int) -> ScenarioResult:
    rng = ctx.rng(index)
    n = ctx.size(SHARE_OF_USERS, MIN_USERS)
    person = ctx.persons(index, n)
    users = ctx.user_id_of(person)
    reason = rng.choice(3, size=n, p=REASON_PROBS)
    visit = ctx.uniform_ts(rng, n, 0.5, ctx.days - STEP2_DAYS - 0.5)
    cancel = visit - seconds(rng, 31 * 86400, 59 * 86400, n)
    early = cancel + seconds(rng, 2 * 86400, 28 * 86400, n)
    genre = rng.integers(0, len(GENRES), n)
    batch = EventBatch(index)
    batch.add(
        person,
        cancel,
        "subscription_cancelled",
        [kv("reason_code", REASONS[r]) for r in reason],
    )
    rows: dict[str, list] = {k: [] for k in ("person", "ts", "name", "prop", "revenue")}

    def emit(i: int, ts: int, name: str, payload: dict[str, str], revenue: float = math.nan) -> int:
        rows["person"].append(int(person[i]))
        rows["ts"].append(ts)
        rows["name"].append(name)
        rows["prop"].append(kv(*next(iter(payload.items()))))
        rows["revenue"].append(revenue)
        return len(rows["ts"]) - 1

    # shop order history inside the range before the main visit (the CLV mart's input, so the
    # win-back offer can depend on the predicted CLV tier)
    buyer = rng.random(n) < P_ORDER_HISTORY
    n_orders = np.minimum(1 + rng.poisson(ORDER_HISTORY_EXTRA_MEAN, n), 8)
    has_orders = buyer & (visit - ctx.start_us > US_PER_DAY)
    for i in np.flatnonzero(has_orders):
        span = int(visit[i] - ctx.start_us - US_PER_DAY)
        times = np.sort(ctx.start_us + rng.integers(0, span, int(n_orders[i])))
        amounts = np.round(ORDER_MEDIAN_USD * np.exp(0.5 * rng.standard_normal(len(times))), 2)
        for ts, amount in zip(times // US_PER_S * US_PER_S, amounts, strict=True):
            emit(i, int(ts), "order_completed", {"source": "shop"}, float(amount))

    entry_row: dict[int, int] = {}
    resub: dict[int, int] = {}
    u = rng.random((n, 4))
    step = seconds(rng, 30, 240, n * 12).reshape(n, 12)
    n_pref = rng.integers(2, 5, n)
    n_main_titles = rng.integers(1, 4, n)
    other_genre = rng.integers(1, len(GENRES), n)
    for i in range(n):
        why = REASONS[int(reason[i])]
        t = int(early[i])
        if why == "content":
            pref = GENRES[int(genre[i])]
            other = GENRES[(int(genre[i]) + int(other_genre[i])) % len(GENRES)]
            emit(i, t, "page_viewed", {"page": "browse"})
            views = [pref] * int(n_pref[i]) + ([other] if u[i, 2] < 0.7 else [])
            for k, g in enumerate(views):
                t += int(step[i, k])
                emit(i, t, "title_viewed", {"genre": g})
            t = int(visit[i])
            entry_row[i] = emit(i, t, "page_viewed", {"page": "home"})
            for k in range(int(n_main_titles[i])):
                t += int(step[i, 6 + k])
                emit(i, t, "title_viewed", {"genre": pref})
            if u[i, 0] < P_RESUB_BETWEEN:
                resub[i] = (
                    int(visit[i]) + int(u[i, 1] * (STEP2_DAYS * US_PER_DAY - 3600e6)) + 3600 * 10**6
                )
            elif u[i, 0] < P_RESUB_BETWEEN + P_RESUB_LATER:
                resub[i] = int(visit[i]) + int((4 + 16 * u[i, 1]) * US_PER_DAY)
        else:
            page = "pricing" if why == "price" else "help"
            emit(i, t, "page_viewed", {"page": page})
            emit(i, int(visit[i]), "page_viewed", {"page": page})
            if why == "price" and u[i, 0] < P_RESUB_PRICE:
                resub[i] = int(visit[i]) + int((0.2 + 10 * u[i, 1]) * US_PER_DAY)
    for i, ts in resub.items():
        emit(i, ts, "subscription_started", {"plan": "basic"})
    ts_all = np.asarray(rows["ts"], dtype=np.int64)
    keep = ts_all < ctx.end_us
    names = np.asarray(rows["name"], dtype=object)
    revenue = np.where(
        names == "subscription_started", PLAN_PRICE, np.asarray(rows["revenue"], dtype=float)
    )[keep]
    base = batch.add(
        np.asarray(rows["person"], dtype=np.int64)[keep],
        ts_all[keep],
        "page_viewed",  # placeholder, replaced below
        np.asarray(rows["prop"], dtype=object)[keep],
        revenue=revenue,
    )
    batch.name[-1] = names[keep]
    new_index = np.cumsum(keep) - 1
    fires: list[Fire] = []
    entries = [(i, row) for i, row in sorted(entry_row.items()) if keep[row]]
    entry_ids = ctx.event_id_of(base[new_index[[row for _, row in entries]]]) if entries else []
    for (i, _), eid in zip(entries, entry_ids, strict=True):
        arm = TRIGGER.arm(users[i])
        v = int(visit[i])
        genre_payload = {"genre": GENRES[int(genre[i])], "template_id": "new_titles"}
        fires.append(WinbackFire(TRIGGER.name, 1, users[i], eid, v, arm, genre_payload))
        due = v + STEP2_DAYS * US_PER_DAY
        if not (i in resub and resub[i] <= due):
            offer = OFFER_WITH_ORDERS if has_orders[i] else OFFER_WITHOUT_ORDERS
            offer_payload = {"offer": offer, "template_id": "winback_offer"}
            fires.append(WinbackFire(TRIGGER.name, 2, users[i], eid, due, arm, offer_payload))
    survey = pa.table(
        {
            "user_id": pa.array(users, pa.string()),
            "cancelled_at": pa.array(cancel.view("datetime64[us]")),
            "reason": pa.array([REASONS[r] for r in reason], pa.string()),
        }
    )
    segments = [
        {
            "user_id": users[i],
            "reason": REASONS[int(reason[i])],
            "preferred_genre": GENRES[int(genre[i])] if reason[i] == 1 else None,
        }
        for i in range(n)
    ]
    facts = {
        "users": n,
        "cancelled_days_before_visit": [31, 59],
        "step_2_after_days": STEP2_DAYS,
        "survey_file": "cancellation_survey.csv",
        "users_by_reason": {r: int((reason == k).sum()) for k, r in enumerate(REASONS)},
        "order_history": "with probability 0.5, 1 + Poisson(2) (at most 8) order_completed "
        "(source shop, revenue lognormal around 60 USD) between the range start and the "
        "main visit",
        "segments": segments,
        "note": "cancellations (and early visits) can be before the range start",
    }
    return ScenarioResult(
        events=batch, fires=fires, facts=facts, csv_files={"cancellation_survey.csv": survey}
    )
