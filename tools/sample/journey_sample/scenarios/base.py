"""Shared pieces of the trigger scenarios: holdout hash, event batches, fires, context.

Scenario events are written with the canonical event name as the raw name (the taxonomy maps
``*,<name>,<name>``), server-side (``user_id`` only: no ``anonymous_id``, ``session_id``,
``sequence_number`` or ``page_url``), for a population of scenario users whose ids come from
their own index range (:data:`SCENARIO_PERSON_BASE`), so the simulated web/app population and
every truth about it are unchanged.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

US_PER_S = 1_000_000
US_PER_MIN = 60 * US_PER_S
US_PER_H = 60 * US_PER_MIN
US_PER_DAY = 24 * US_PER_H

#: Person index of the first scenario user (simulated people use 0 .. users - 1).
SCENARIO_PERSON_BASE = 1 << 48
#: Persons reserved per scenario inside the scenario range.
PERSONS_PER_SCENARIO = 1 << 40
#: Id namespace tag of scenario event ids (the simulation uses 3).
TAG_SCENARIO_EVENT = 4
#: Event ids reserved per scenario.
EVENTS_PER_SCENARIO = 1 << 40

#: Global control group of the sample (share 0: nobody), as in var journey__trigger_global_control.
GLOBAL_CONTROL_SHARE = 0.0
GLOBAL_CONTROL_SALT = "journey-global"


def bucket(user_id: str, salt: str) -> int:
    """``int(md5_hex(salt || ':' || user_id)[0:8], 16) mod 10000`` (the agreed holdout hash)."""
    digest = hashlib.md5(f"{salt}:{user_id}".encode(), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) % 10000


def holdout_arm(user_id: str, salt: str, share: float) -> str:
    """``global_control``, ``control`` or ``treatment`` of a user for one trigger."""
    if bucket(user_id, GLOBAL_CONTROL_SALT) < GLOBAL_CONTROL_SHARE * 10000:
        return "global_control"
    if bucket(user_id, salt) < share * 10000:
        return "control"
    return "treatment"


def iso_utc(ts_us: int) -> str:
    """ISO 8601 UTC text with microseconds, e.g. ``2026-01-05T13:00:00.000000Z``."""
    return datetime.fromtimestamp(ts_us / US_PER_S, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def props(obj: dict[str, Any]) -> str:
    """Compact JSON properties (the format of the simulated events)."""
    return json.dumps(obj, separators=(",", ":"))


@functools.lru_cache(maxsize=4096)
def kv(key: str, value: str | int) -> str:
    """``props({key: value})``, cached (most scenario properties repeat a few values)."""
    return props({key: value})


@dataclass(frozen=True)
class TriggerSpec:
    """The parts of a trigger declaration the planted truth depends on."""

    name: str
    holdout_share: float
    salt: str = ""

    @property
    def holdout_salt(self) -> str:
        return self.salt or self.name

    def arm(self, user_id: str) -> str:
        return holdout_arm(user_id, self.holdout_salt, self.holdout_share)


@dataclass
class EventBatch:
    """Rows of one scenario, appended block by block (one numpy array per column)."""

    scenario_index: int
    person: list[I64] = field(default_factory=list)
    ts: list[I64] = field(default_factory=list)
    name: list[npt.NDArray[Any]] = field(default_factory=list)
    prop: list[npt.NDArray[Any]] = field(default_factory=list)
    revenue: list[F64] = field(default_factory=list)
    _next: int = 0

    def add(
        self,
        person: I64,
        ts: I64,
        name: str,
        properties: list[str] | npt.NDArray[Any],
        revenue: F64 | None = None,
    ) -> I64:
        """Append rows; returns their event indices (input to :meth:`ScenarioContext.event_ids`)."""
        n = len(person)
        self.person.append(np.asarray(person, dtype=np.int64))
        self.ts.append(np.asarray(ts, dtype=np.int64))
        self.name.append(np.full(n, name, dtype=object))
        self.prop.append(np.asarray(properties, dtype=object))
        self.revenue.append(
            np.full(n, np.nan) if revenue is None else np.asarray(revenue, dtype=np.float64)
        )
        first = self._next
        self._next += n
        return (self.scenario_index * EVENTS_PER_SCENARIO + first + np.arange(n)).astype(np.int64)

    def columns(self) -> dict[str, npt.NDArray[Any]]:
        if not self.person:
            return {
                "eid": np.zeros(0, np.int64),
                "person": np.zeros(0, np.int64),
                "ts": np.zeros(0, np.int64),
                "name": np.zeros(0, object),
                "prop": np.zeros(0, object),
                "revenue": np.zeros(0, np.float64),
            }
        return {
            "eid": self.scenario_index * EVENTS_PER_SCENARIO
            + np.arange(self._next, dtype=np.int64),
            "person": np.concatenate(self.person),
            "ts": np.concatenate(self.ts),
            "name": np.concatenate(self.name),
            "prop": np.concatenate(self.prop),
            "revenue": np.concatenate(self.revenue),
        }


@dataclass(frozen=True)
class Fire:
    """One planted would-be fire (before holdout, caps, quiet hours and priority)."""

    trigger: str
    step: int
    user_id: str
    entry_event_id: str
    condition_true_us: int
    arm: str

    def as_truth(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "step": self.step,
            "entry_event_id": self.entry_event_id,
            "condition_true_at": iso_utc(self.condition_true_us),
            "arm": self.arm,
        }


@dataclass
class ScenarioResult:
    """What one scenario planted: rows, candidate fires and facts for ``truth.json``."""

    events: EventBatch
    fires: list[Fire]
    facts: dict[str, Any] = field(default_factory=dict)
    csv_files: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScenarioContext:
    """Run arguments shared by every scenario."""

    seed: int
    users: int
    scale: float
    start_us: int
    end_us: int
    user_id_of: Any  # Callable[[I64], list[str]]
    event_id_of: Any  # Callable[[I64], list[str]]

    @property
    def days(self) -> float:
        return (self.end_us - self.start_us) / US_PER_DAY

    def size(self, share: float, minimum: int) -> int:
        """Scenario users of this run: ``max(minimum, round(users * share * scale))``."""
        return max(minimum, round(self.users * share * self.scale))

    def rng(self, scenario_index: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, 7919, scenario_index])

    def persons(self, scenario_index: int, n: int) -> I64:
        return SCENARIO_PERSON_BASE + scenario_index * PERSONS_PER_SCENARIO + np.arange(n)

    def uniform_ts(self, rng: np.random.Generator, n: int, lo_days: float, hi_days: float) -> I64:
        """Whole-second times uniform in [start + lo_days, start + hi_days] (clamped to range)."""
        lo = min(max(lo_days, 0.0), self.days)
        hi = min(max(hi_days, lo), self.days)
        us = self.start_us + (lo + rng.random(n) * (hi - lo)) * US_PER_DAY
        return (us // US_PER_S * US_PER_S).astype(np.int64)


def seconds(rng: np.random.Generator, lo_s: float, hi_s: float, n: int) -> I64:
    """Whole-second durations uniform in [lo_s, hi_s], in microseconds."""
    return (np.floor(rng.uniform(lo_s, hi_s, n)) * US_PER_S).astype(np.int64)
