"""Synthetic canonical events (tests, benchmark): loan stalls, carts, sign-ups, trials.

Deterministic (seeded). Each user gets one scenario; whether the absence window is broken is
drawn per user, so the stream must both fire and exit. Returns (event_ms, key, value) tuples in
event-time order, the format of journey_analytics.stream.replay.read_events.
"""

from __future__ import annotations

import random

import orjson

from journey_analytics.stream.engine import iso_ms

BASE_MS = 1_772_000_000_000  # 2026-02-25
TAXONOMY_EXTRA = [
    "cart_viewed",
    "order_completed",
    "account_created",
    "profile_completed",
    "trial_started",
    "user_logged_in",
    "subscription_started",
    "document_upload_started",
    "document_upload_completed",
]


def synthetic_events(users: int = 300, seed: int = 7, noise_per_user: int = 4) -> list[tuple]:
    rng = random.Random(seed)
    rows: list[tuple[int, str, str, str, dict]] = []
    n = 0

    def add(ms: int, user: str, name: str, props: dict | None = None) -> None:
        nonlocal n
        n += 1
        rows.append((ms, f"ev{n:07d}", user, name, props or {}))

    for u in range(users):
        user = f"user_{u:05d}"
        start = BASE_MS + rng.randrange(0, 2 * 86400_000)
        kind = u % 4
        broken = rng.random() < 0.4
        if kind == 0:
            add(
                start,
                user,
                "document_upload_started",
                {"document_type": "paystub", "loan_id": f"L{u}"},
            )
            if broken:
                add(
                    start + rng.randrange(1_000, 119_000),
                    user,
                    "document_upload_completed",
                    {"loan_id": f"L{u}"},
                )
        elif kind == 1:
            add(start, user, "cart_viewed", {"cart_value": rng.choice([90, 150, 320])})
            if broken:
                add(start + rng.randrange(60_000, 80_000_000), user, "order_completed")
        elif kind == 2:
            add(start, user, "account_created")
            if broken:
                add(start + rng.randrange(60_000, 7_000_000), user, "profile_completed")
        else:
            add(start, user, "trial_started", {"plan": "pro"})
            if broken:
                add(start + rng.randrange(1, 14) * 86400_000, user, "user_logged_in")
        for _ in range(noise_per_user):
            add(start + rng.randrange(-3_600_000, 3_600_000), user, "page_viewed")
    rows.sort()
    out = []
    for ms, eid, user, name, props in rows:
        value = {
            "event_id": eid,
            "event_name": name,
            "event_at": iso_ms(ms),
            "user_id": user,
            "anonymous_id": f"d_{user}",
            "properties": props,
        }
        out.append((ms, user.encode(), orjson.dumps(value)))
    return out
