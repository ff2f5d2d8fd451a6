"""Holdout arm and fire id, exactly as the warehouse computes them (see docs/stream.md).

bucket(user_id, salt) = int(md5_hex(salt || ':' || user_id)[0:8], 16) mod 10000
fire_id = md5_hex(trigger_name || '|' || step_name || '|' || user_id || '|' || entry_event_id)
"""

from __future__ import annotations

import hashlib


def bucket(user_id: str, salt: str) -> int:
    """The user's holdout bucket, 0..9999."""
    return int(hashlib.md5(f"{salt}:{user_id}".encode()).hexdigest()[:8], 16) % 10000


def arm(
    user_id: str,
    holdout_share: float,
    holdout_salt: str,
    global_share: float = 0.0,
    global_salt: str = "journey-global",
) -> str:
    """'global_control', 'control' or 'treatment' for one user of one trigger."""
    if bucket(user_id, global_salt) < global_share * 10000:
        return "global_control"
    if bucket(user_id, holdout_salt) < holdout_share * 10000:
        return "control"
    return "treatment"


def fire_id(trigger_name: str, step_name: str, user_id: str, entry_event_id: str) -> str:
    """Deterministic id of one (would-be) fire."""
    text = f"{trigger_name}|{step_name}|{user_id}|{entry_event_id}"
    return hashlib.md5(text.encode()).hexdigest()
