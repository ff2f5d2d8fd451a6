"""Scenario 3: SaaS trial disengagement in three steps (trigger ``trial_disengaged``).

Trial users get ``trial_started`` {plan} at a time spread over the whole range (the last 14
days are the "current" trials the propensity model scores). Each has a latent engagement
``z ~ N(0, 1)`` that drives both behaviour and conversion (the signal of the propensity model):

* logins (``user_logged_in``) in the first 3 days: Poisson(exp(LOGIN_A + LOGIN_B z)), and
  projects (``project_created``, ``project_count`` 1..3) in the first 3 days:
  Poisson(PROJECT_RATE exp(PROJECT_B z)), capped at 3;
* users without an early login come back later with probability LATE_RETURN_PROB (first login
  3.2 - 16 days after the start, so some exit between the steps);
* conversion: ``subscription_started`` {plan} 3 - 14 days after the start with probability
  sigmoid(CONV_A + CONV_B z + CONV_PRO [plan = pro]); engaged users log in a few more times.

Would-be fires: step k (offsets 3, 6, 12 days) when the user has neither logged in nor
subscribed in (start, start + offset].
"""

from __future__ import annotations

import numpy as np

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

TRIGGER = TriggerSpec("trial_disengaged", holdout_share=0.10)
SHARE_OF_USERS = 0.10
MIN_USERS = 40
STEP_OFFSETS_DAYS = (3, 6, 12)
PRO_PLAN_PROB = 0.3
LOGIN_A, LOGIN_B = 0.1, 0.9
PROJECT_RATE, PROJECT_B = 0.5, 0.8
LATE_RETURN_PROB = 0.5
CONV_A, CONV_B, CONV_PRO = -1.1, 1.4, 0.4
CONVERSION_DAYS = (3.0, 14.0)
PLAN_PRICES = {"basic": 29.0, "pro": 99.0}
FEATURE_DAYS = 3


def conversion_probability(z: np.ndarray, pro: np.ndarray) -> np.ndarray:
    """Planted P(subscription_started within 14 days of trial_started)."""
    return 1.0 / (1.0 + np.exp(-(CONV_A + CONV_B * z + CONV_PRO * pro)))


def simulate(ctx: ScenarioContext, index: int) -> ScenarioResult:
    rng = ctx.rng(index)
    n = ctx.size(SHARE_OF_USERS, MIN_USERS)
    person = ctx.persons(index, n)
    start = ctx.uniform_ts(rng, n, 0.0, ctx.days)
    z = rng.standard_normal(n)
    pro = rng.random(n) < PRO_PLAN_PROB
    plan = np.where(pro, "pro", "basic")
    batch = EventBatch(index)
    entry_eid = batch.add(person, start, "trial_started", [kv("plan", str(p)) for p in plan])
    # early logins and projects (first 3 days)
    n_login = rng.poisson(np.exp(LOGIN_A + LOGIN_B * z))
    n_proj = np.minimum(rng.poisson(PROJECT_RATE * np.exp(PROJECT_B * z)), 3)
    lp = np.repeat(np.arange(n), n_login)
    login_ts = start[lp] + seconds(rng, 600, FEATURE_DAYS * 86400 - 600, len(lp))
    pp = np.repeat(np.arange(n), n_proj)
    proj_ts = start[pp] + seconds(rng, 900, FEATURE_DAYS * 86400 - 600, len(pp))
    # project_count: 1, 2, 3 in time order per user
    order = np.lexsort((proj_ts, pp))
    pp, proj_ts = pp[order], proj_ts[order]
    first = np.r_[True, pp[1:] != pp[:-1]] if len(pp) else np.zeros(0, bool)
    pos = np.arange(len(pp)) - np.maximum.accumulate(np.where(first, np.arange(len(pp)), 0))
    # late first login of users without early logins
    late = (n_login == 0) & (rng.random(n) < LATE_RETURN_PROB)
    late_ts = start + (rng.uniform(3.2, 16.0, n) * US_PER_DAY // US_PER_S * US_PER_S).astype(
        np.int64
    )
    # conversion
    converts = rng.random(n) < conversion_probability(z, pro)
    conv_ts = start + (rng.uniform(*CONVERSION_DAYS, n) * US_PER_DAY // US_PER_S * US_PER_S).astype(
        np.int64
    )
    # engaged users keep logging in after the first days
    n_more = rng.poisson(np.where(n_login > 0, 2.0, 0.0))
    mp = np.repeat(np.arange(n), n_more)
    more_ts = start[mp] + seconds(rng, FEATURE_DAYS * 86400 + 600, 20 * 86400, len(mp))
    all_lp = np.concatenate([lp, np.flatnonzero(late), mp])
    all_login = np.concatenate([login_ts, late_ts[late], more_ts])
    method = np.where(rng.random(len(all_lp)) < 0.7, "password", "google")
    keep = all_login < ctx.end_us
    all_lp, all_login, method = all_lp[keep], all_login[keep], method[keep]
    batch.add(
        person[all_lp],
        all_login,
        "user_logged_in",
        [kv("method", str(m)) for m in method],
    )
    keep = proj_ts < ctx.end_us
    batch.add(
        person[pp[keep]],
        proj_ts[keep],
        "project_created",
        [kv("project_count", int(k) + 1) for k in pos[keep]],
    )
    converts &= conv_ts < ctx.end_us  # conversions after the range are not written
    ci = np.flatnonzero(converts)
    batch.add(
        person[ci],
        conv_ts[ci],
        "subscription_started",
        [kv("plan", str(p)) for p in plan[ci]],
        revenue=np.array([PLAN_PRICES[p] for p in plan[ci]], dtype=np.float64),
    )
    # exit: first login or subscription after the start
    big = np.iinfo(np.int64).max
    exit_ts = np.full(n, big, dtype=np.int64)
    np.minimum.at(exit_ts, all_lp, all_login)
    exit_ts = np.where(converts, np.minimum(exit_ts, conv_ts), exit_ts)
    users = ctx.user_id_of(person)
    entry_ids = ctx.event_id_of(entry_eid)
    fires: list[Fire] = []
    for i in range(n):
        arm = TRIGGER.arm(users[i])
        for step, days in enumerate(STEP_OFFSETS_DAYS, start=1):
            due = int(start[i]) + days * US_PER_DAY
            if exit_ts[i] > due:
                fires.append(Fire(TRIGGER.name, step, users[i], entry_ids[i], due, arm))
    facts = {
        "users": n,
        "step_offsets_days": list(STEP_OFFSETS_DAYS),
        "exit_events": ["user_logged_in", "subscription_started"],
        "conversion_model": "P(subscription_started within 14 days) = sigmoid(a + b z + c [pro])"
        ", z ~ N(0,1) latent engagement; early logins ~ Poisson(exp(la + lb z)), projects "
        "~ Poisson(pr exp(pb z)) capped at 3, both in the first 3 days",
        "conversion_coefficients": {"a": CONV_A, "b": CONV_B, "c_pro": CONV_PRO},
        "login_coefficients": {"la": LOGIN_A, "lb": LOGIN_B},
        "project_coefficients": {"pr": PROJECT_RATE, "pb": PROJECT_B},
        "pro_plan_probability": PRO_PLAN_PROB,
        "late_return_probability": LATE_RETURN_PROB,
        "conversion_days": list(CONVERSION_DAYS),
        "feature_days": FEATURE_DAYS,
        "expected_conversion_rate": float(conversion_probability(z, pro).mean()),
        "converted_users_in_range": int(converts.sum()),
    }
    return ScenarioResult(events=batch, fires=fires, facts=facts)
