"""Scenario 2: signed up, no profile within 2 hours (trigger ``signup_no_profile``).

No new events: the simulated trial funnel already plants it. Every signed-up person has one
``sign_up`` (canonical ``account_created``); ``complete_profile`` (``profile_completed``)
follows with the planted probability, mostly in the same visit, sometimes days later. The
would-be fires are the sign-ups with no ``complete_profile`` of the same user in
(sign-up, sign-up + 2 h], read from the written chunks (de-duplicated by event id, rows with a
null or future timestamp left out, as the staging layer does).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .base import US_PER_H, EventBatch, Fire, ScenarioContext, ScenarioResult, TriggerSpec

TRIGGER = TriggerSpec("signup_no_profile", holdout_share=0.10)
WINDOW_US = 2 * US_PER_H
RAW_SIGN_UP = "sign_up"
RAW_COMPLETE_PROFILE = "complete_profile"


class ProfileObserver:
    """Collects sign-ups and profile completions chunk by chunk."""

    def __init__(self) -> None:
        self.parts: list[pa.Table] = []

    def observe(self, table: pa.Table) -> None:
        table = table.select(["event_id", "event_name", "user_id", "event_timestamp", "loaded_at"])
        names = table["event_name"].cast(pa.string())
        keep = pc.and_(
            pc.is_in(names, pa.array([RAW_SIGN_UP, RAW_COMPLETE_PROFILE])),
            pc.and_(
                pc.is_valid(table["user_id"]),
                pc.less_equal(table["event_timestamp"], table["loaded_at"]),
            ),
        )
        sub = table.filter(keep)
        self.parts.append(
            pa.table(
                {
                    "event_id": sub["event_id"],
                    "event_name": sub["event_name"].cast(pa.string()),
                    "user_id": sub["user_id"],
                    "ts": sub["event_timestamp"].cast(pa.int64()),
                }
            )
        )

    def simulate(self, ctx: ScenarioContext, index: int) -> ScenarioResult:
        fires: list[Fire] = []
        signups = 0
        if self.parts:
            rows: Any = pa.concat_tables(self.parts).to_pandas()
            rows = rows.drop_duplicates("event_id")
            su = rows[rows["event_name"] == RAW_SIGN_UP].sort_values(["ts", "event_id"])
            su = su.drop_duplicates("user_id")  # entry: once ever, the first sign-up
            signups = len(su)
            cp = rows.loc[rows["event_name"] == RAW_COMPLETE_PROFILE, ["user_id", "ts"]]
            pairs = su.merge(cp, on="user_id", how="left", suffixes=("", "_done"))
            inside = (pairs["ts_done"] > pairs["ts"]) & (
                pairs["ts_done"] <= pairs["ts"] + WINDOW_US
            )
            done = set(pairs.loc[inside, "event_id"])
            for user, eid, ts in zip(su["user_id"], su["event_id"], su["ts"], strict=True):
                if eid not in done:
                    fire_at = int(ts) + WINDOW_US
                    fires.append(Fire(TRIGGER.name, 1, user, eid, fire_at, TRIGGER.arm(user)))
        facts = {
            "source": "the simulated population (no scenario events)",
            "signups": signups,
            "window_hours": 2,
            "absence_interval": "(sign_up, sign_up + 2 h]",
        }
        return ScenarioResult(events=EventBatch(index), fires=fires, facts=facts)
