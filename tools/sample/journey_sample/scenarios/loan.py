"""Scenario 4: loan application with a stalled paystub upload (trigger ``loan_paystub_stall``).

Each loan user starts one application (``loan_application_started`` {loan_id}) and uploads
three documents in a random order, one after the other (``document_upload_started`` /
``document_upload_completed`` {loan_id, document_type}): a document is never started before
the previous one completed, so "no completion of the same loan" and "no completion of the
user" within 2 minutes are the same condition.

* An upload completes 15 - 110 s after it started, or stalls (no completion for more than
  2 minutes: paystub with probability P_STALL_PAYSTUB, other types P_STALL_OTHER).
* A stalled paystub is a would-be fire at start + 2 min. Planted effect: the upload completes
  within 1 h after that moment with probability 0.60 (treatment) or 0.35 (control); otherwise
  half of the users complete it 3 - 30 h later and the rest abandon the application.
* Other stalled documents complete 3 - 40 min after they started (no fire).
* After the third document, ``loan_application_submitted``; a submitted loan defaults
  (``loan_defaulted``, 7 - 30 days later) with probability P_DEFAULT whatever the arm (the
  guardrail holds by construction).
"""

from __future__ import annotations

import numpy as np

from .base import (
    US_PER_H,
    US_PER_MIN,
    EventBatch,
    Fire,
    ScenarioContext,
    ScenarioResult,
    TriggerSpec,
    props,
    seconds,
)

TRIGGER = TriggerSpec("loan_paystub_stall", holdout_share=0.50)
SHARE_OF_USERS = 0.04
MIN_USERS = 24
DOCUMENT_TYPES = ("paystub", "id_card", "bank_statement")
P_STALL_PAYSTUB = 0.5
P_STALL_OTHER = 0.25
STALL_US = 2 * US_PER_MIN
OUTCOME_WINDOW_US = US_PER_H
P_COMPLETE_AFTER_STALL = {"treatment": 0.60, "control": 0.35, "global_control": 0.35}
P_LATE_COMPLETION = 0.5
P_DEFAULT = 0.12


def simulate(ctx: ScenarioContext, index: int) -> ScenarioResult:
    rng = ctx.rng(index)
    n = ctx.size(SHARE_OF_USERS, MIN_USERS)
    person = ctx.persons(index, n)
    users = ctx.user_id_of(person)
    start = ctx.uniform_ts(rng, n, 0.0, max(ctx.days * 0.5, ctx.days - 31.0))
    loan_ids = [f"L{int(w) % 10**10:010d}" for w in rng.integers(0, 2**62, n)]
    batch = EventBatch(index)
    batch.add(person, start, "loan_application_started", [props({"loan_id": x}) for x in loan_ids])
    rows: dict[str, list] = {k: [] for k in ("person", "ts", "name", "prop")}

    def emit(i: int, ts: int, name: str, doc: str | None = None) -> int:
        rows["person"].append(int(person[i]))
        rows["ts"].append(ts)
        rows["name"].append(name)
        payload = {"loan_id": loan_ids[i]}
        if doc is not None:
            payload["document_type"] = doc
        rows["prop"].append(props(payload))
        return len(rows["ts"]) - 1

    fires_at: list[tuple[int, int, int, str]] = []  # (user index, row, fire time, arm)
    stall_outcomes = {"treatment": [0, 0], "control": [0, 0]}
    submitted = {"treatment": [0, 0], "control": [0, 0]}
    orders = np.argsort(rng.random((n, 3)), axis=1)
    u = rng.random((n, 8))
    gap = seconds(rng, 20, 300, n * 3).reshape(n, 3)
    quick = seconds(rng, 15, 110, n * 3).reshape(n, 3)
    slow = seconds(rng, 180, 2400, n * 3).reshape(n, 3)
    after = seconds(rng, 60, 58 * 60, n)
    late = seconds(rng, 3 * 3600, 30 * 3600, n)
    default_delay = seconds(rng, 7 * 86400, 30 * 86400, n)
    for i in range(n):
        arm = TRIGGER.arm(users[i])
        cursor = int(start[i])
        abandoned = False
        stalled_paystub_arm = None
        for k in range(3):
            doc = DOCUMENT_TYPES[int(orders[i, k])]
            begin = cursor + int(gap[i, k])
            started_row = emit(i, begin, "document_upload_started", doc)
            p_stall = P_STALL_PAYSTUB if doc == "paystub" else P_STALL_OTHER
            if u[i, k] >= p_stall:
                done = begin + int(quick[i, k])
            elif doc != "paystub":
                done = begin + int(slow[i, k])
            else:
                fire_at = begin + STALL_US
                fires_at.append((i, started_row, fire_at, arm))
                stalled_paystub_arm = arm
                if u[i, 3] < P_COMPLETE_AFTER_STALL[arm]:
                    done = fire_at + int(after[i])
                elif u[i, 4] < P_LATE_COMPLETION:
                    done = fire_at + int(late[i])
                else:
                    abandoned = True
                    break
            emit(i, done, "document_upload_completed", doc)
            cursor = done
        if stalled_paystub_arm in stall_outcomes:
            stall_outcomes[stalled_paystub_arm][0] += 1
        if abandoned:
            continue
        sub_ts = cursor + int(gap[i, 0]) * 2
        emit(i, sub_ts, "loan_application_submitted")
        group = stalled_paystub_arm if stalled_paystub_arm in submitted else None
        if u[i, 5] < P_DEFAULT:
            emit(i, sub_ts + int(default_delay[i]), "loan_defaulted")
            if group:
                submitted[group][1] += 1
        if group:
            submitted[group][0] += 1
    ts = np.asarray(rows["ts"], dtype=np.int64)
    keep = ts < ctx.end_us
    base = batch.add(
        np.asarray(rows["person"], dtype=np.int64)[keep],
        ts[keep],
        "document_upload_started",  # placeholder, replaced below
        np.asarray(rows["prop"], dtype=object)[keep],
    )
    batch.name[-1] = np.asarray(rows["name"], dtype=object)[keep]
    new_index = np.cumsum(keep) - 1  # row -> position among kept rows
    fires_at = [f for f in fires_at if keep[f[1]]]
    entry_rows = np.asarray([r for _, r, _, _ in fires_at], dtype=np.int64)
    entry_ids = ctx.event_id_of(base[new_index[entry_rows]]) if len(entry_rows) else []
    fires = [
        Fire(TRIGGER.name, 1, users[i], entry_ids[j], fire_at, arm)
        for j, (i, _, fire_at, arm) in enumerate(fires_at)
    ]
    facts = {
        "users": n,
        "stall_minutes": 2,
        "planted_completion_probability_within_1h_after_stall": {
            k: v for k, v in P_COMPLETE_AFTER_STALL.items() if k != "global_control"
        },
        "planted_default_probability_of_submitted": P_DEFAULT,
        "stalled_paystub_users_by_arm": {k: v[0] for k, v in stall_outcomes.items()},
        "submitted_and_defaulted_by_arm_after_stall": {
            k: {"submitted": v[0], "defaulted": v[1]} for k, v in submitted.items()
        },
        "note": "documents are uploaded one after the other; completion and default events "
        "after the end of the range are not written",
    }
    return ScenarioResult(events=batch, fires=fires, facts=facts)
