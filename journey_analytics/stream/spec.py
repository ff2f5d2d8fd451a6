"""Adapter from the warehouse's normalised trigger spec to typed objects for the stream.

The trigger declarations live in one place, the dbt var ``journey__triggers``; the warehouse
validates them in Jinja and prints the normalised result with
``dbt run-operation print_trigger_spec``. The stream reads that printed JSON unchanged: no second
rule language and no second validator. This module is the only code that knows the JSON's shape,
so a change of that format touches this file alone.

Shape read here (keys the warehouse prints; unknown keys are ignored, missing required keys are
refused with an error naming the trigger and the key)::

    {"global_control": {"share": 0.0, "salt": "journey-global"},
     "triggers": [
       {"name": "loan_paystub_stall",
        "entry": {"type": "event", "event": "document_upload_started",
                  "where": [{"property": "document_type", "op": "=", "value": "paystub"}]},
        "exit_events": ["document_upload_completed"],
        "steps": [{"name": "stall_help", "after_seconds": 120,
                   "absent_events": ["document_upload_completed"],
                   "channel": "chatbot", "payload": {"article_id": "paystub_help"}}],
        "holdout": {"share": 0.5, "salt": "loan_paystub_stall"},
        "reentry": {"policy": "once_per", "period_seconds": 86400},
        "priority": 10}]}
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OPERATORS = ("=", "!=", ">", ">=", "<", "<=", "in", "not in")


class SpecError(ValueError):
    """The printed trigger spec cannot be read; the message names the trigger and the key."""


@dataclass(frozen=True)
class Predicate:
    """One property condition on the entry event: ``properties[property] <op> value``."""

    property: str
    op: str
    value: Any

    def matches(self, properties: Mapping[str, Any]) -> bool:
        """True when the event's properties satisfy the condition (a missing property never does)."""
        if self.property not in properties:
            return False
        actual = properties[self.property]
        if actual is None:
            return False
        try:
            if self.op == "=":
                return bool(actual == self.value)
            if self.op == "!=":
                return bool(actual != self.value)
            if self.op == "in":
                return actual in self.value
            if self.op == "not in":
                return actual not in self.value
            if isinstance(actual, str) and isinstance(self.value, int | float):
                actual = float(actual)
            if self.op == ">":
                return bool(actual > self.value)
            if self.op == ">=":
                return bool(actual >= self.value)
            if self.op == "<":
                return bool(actual < self.value)
            return bool(actual <= self.value)
        except (TypeError, ValueError):
            return False


@dataclass(frozen=True)
class Step:
    """One step of a journey: fires ``after_seconds`` after entry unless an absent event happened."""

    name: str
    after_seconds: int
    absent_events: tuple[str, ...]
    channel: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class Trigger:
    """A trigger as the stream evaluates it."""

    name: str
    entry_type: str
    entry_event: str | None
    where: tuple[Predicate, ...]
    exit_events: tuple[str, ...]
    steps: tuple[Step, ...]
    holdout_share: float
    holdout_salt: str
    reentry_policy: str  # 'once_ever' or 'once_per'
    reentry_period_seconds: int | None
    priority: int
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def streamable(self) -> bool:
        """Only event entries can be evaluated on the stream (state entries need warehouse marts)."""
        return self.entry_type == "event" and self.entry_event is not None

    @property
    def cancel_events(self) -> frozenset[str]:
        """Events that end a pending step: the exit events and every step's absent events."""
        names = set(self.exit_events)
        for step in self.steps:
            names.update(step.absent_events)
        return frozenset(names)


@dataclass(frozen=True)
class TriggerSpec:
    """All triggers plus the global control group."""

    triggers: tuple[Trigger, ...]
    global_control_share: float
    global_control_salt: str

    @property
    def streamable(self) -> tuple[Trigger, ...]:
        return tuple(t for t in self.triggers if t.streamable)

    @property
    def not_streamable(self) -> tuple[Trigger, ...]:
        return tuple(t for t in self.triggers if not t.streamable)

    def with_trigger(self, trigger: Trigger) -> TriggerSpec:
        """A copy with one trigger replaced (by name); used for negative controls."""
        triggers = tuple(trigger if t.name == trigger.name else t for t in self.triggers)
        return TriggerSpec(triggers, self.global_control_share, self.global_control_salt)


def _need(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(obj, Mapping) or key not in obj or obj[key] is None:
        raise SpecError(f"{where}: missing key '{key}'")
    return obj[key]


def _seconds(value: Any, where: str) -> int:
    """Seconds from a number or a '2h' / '90m' / '3d' / '120s' string."""
    if isinstance(value, bool):
        raise SpecError(f"{where}: expected a duration, got {value!r}")
    if isinstance(value, int | float):
        return int(value)
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", str(value))
    if not match:
        raise SpecError(
            f"{where}: expected a duration like 120, '2m', '24h' or '3d', got {value!r}"
        )
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[match.group(2)]
    return int(match.group(1)) * unit


def _duration(obj: Mapping[str, Any], base: str, where: str) -> int | None:
    """Read ``<base>_seconds`` or ``<base>`` (number of seconds or a duration string)."""
    for key in (f"{base}_seconds", base):
        if key in obj and obj[key] is not None:
            return _seconds(obj[key], f"{where}, key '{key}'")
    return None


def _names(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise SpecError(f"{where}: expected an event name or a list of event names, got {value!r}")


def _predicates(value: Any, where: str) -> tuple[Predicate, ...]:
    if not value:
        return ()
    if isinstance(value, Mapping):  # {property: value} shorthand means equality
        return tuple(Predicate(str(k), "=", v) for k, v in value.items())
    out = []
    for i, item in enumerate(value):
        here = f"{where}[{i}]"
        op = str(item.get("op", item.get("operator", "="))).lower().strip()
        op = {"==": "=", "<>": "!=", "eq": "=", "gte": ">=", "lte": "<=", "gt": ">", "lt": "<"}.get(
            op, op
        )
        if op not in OPERATORS:
            raise SpecError(f"{here}: unknown operator '{op}' (one of {', '.join(OPERATORS)})")
        prop = item.get("property", item.get("key"))
        if prop is None:
            raise SpecError(f"{here}: missing key 'property'")
        out.append(Predicate(str(prop), op, item.get("value")))
    return tuple(out)


def _trigger(raw: Mapping[str, Any], index: int) -> Trigger:
    name = str(_need(raw, "name", f"trigger #{index}"))
    where = f"trigger '{name}'"
    entry = _need(raw, "entry", where)
    entry_type = str(entry.get("type", "event" if "event" in entry else "state"))
    entry_event = entry.get("event")
    preds = _predicates(entry.get("where", entry.get("predicates")), f"{where}, key 'entry.where'")
    exit_events = _names(raw.get("exit_events", raw.get("exit")), f"{where}, key 'exit_events'")
    default_absent = _names(raw.get("absent_events"), f"{where}, key 'absent_events'")
    steps_raw = _need(raw, "steps", where)
    steps = []
    for i, step in enumerate(steps_raw):
        here = f"{where}, key 'steps[{i}]'"
        after = _duration(step, "after", here)
        if after is None:
            after = _duration(step, "offset", here)
        if after is None:
            after = _duration(step, "within", here)
        if after is None:
            raise SpecError(f"{here}: missing key 'after_seconds'")
        absent = _names(step.get("absent_events"), f"{here}.absent_events") or default_absent
        steps.append(
            Step(
                name=str(step.get("name", f"step_{i + 1}")),
                after_seconds=after,
                absent_events=absent,
                channel=str(_need(step, "channel", here)),
                payload=dict(step.get("payload") or {}),
            )
        )
    steps.sort(key=lambda s: s.after_seconds)
    holdout = raw.get("holdout") or {}
    reentry = raw.get("reentry") or raw.get("re_entry") or {"policy": "once_ever"}
    if isinstance(reentry, str):
        reentry = {"policy": reentry}
    policy = str(reentry.get("policy", "once_ever"))
    period = _duration(reentry, "period", f"{where}, key 'reentry'")
    if policy in ("once", "once_ever", "never"):
        policy, period = "once_ever", None
    elif policy in ("once_per", "once_per_period", "every"):
        if not period:
            raise SpecError(f"{where}, key 'reentry.period_seconds': required for 'once_per'")
        policy = "once_per"
    else:
        raise SpecError(f"{where}, key 'reentry.policy': unknown policy '{policy}'")
    return Trigger(
        name=name,
        entry_type=entry_type,
        entry_event=str(entry_event) if entry_event is not None else None,
        where=preds,
        exit_events=exit_events,
        steps=tuple(steps),
        holdout_share=float(holdout.get("share", 0.0)),
        holdout_salt=str(holdout.get("salt") or name),
        reentry_policy=policy,
        reentry_period_seconds=period,
        priority=int(raw.get("priority") or 0),
        raw=raw,
    )


def load_spec(data: Mapping[str, Any] | str) -> TriggerSpec:
    """Typed spec from the printed JSON (a string or an already parsed mapping)."""
    if isinstance(data, str):
        data = json.loads(data)
    triggers_raw = data.get("triggers", [])
    if isinstance(triggers_raw, Mapping):  # {name: declaration}
        triggers_raw = [{"name": k, **v} for k, v in triggers_raw.items()]
    gc = data.get("global_control") or {}
    return TriggerSpec(
        triggers=tuple(_trigger(t, i) for i, t in enumerate(triggers_raw)),
        global_control_share=float(gc.get("share", 0.0)),
        global_control_salt=str(gc.get("salt", "journey-global")),
    )


def load_spec_file(path: str | Path) -> TriggerSpec:
    return load_spec(Path(path).read_text())


def extract_json(output: str) -> str:
    """The JSON object in ``dbt run-operation print_trigger_spec`` output (log lines around it)."""
    start = output.find("{")
    end = output.rfind("}")
    if start < 0 or end < start:
        raise SpecError("no JSON object in the output of 'dbt run-operation print_trigger_spec'")
    return output[start : end + 1]


def spec_from_dbt(project_dir: str | Path = ".", dbt: str = "dbt") -> TriggerSpec:
    """Run ``dbt run-operation print_trigger_spec`` in the project and read what it prints."""
    proc = subprocess.run(
        [dbt, "--quiet", "run-operation", "print_trigger_spec"],
        cwd=project_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SpecError(f"print_trigger_spec failed:\n{proc.stdout}\n{proc.stderr}")
    return load_spec(extract_json(proc.stdout))
