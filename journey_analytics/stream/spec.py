"""Adapter from the warehouse's normalised trigger spec to typed objects for the stream.

The trigger declarations live in one place, the dbt var ``journey__triggers``; the warehouse
validates them in Jinja (macro trigger_configs) and prints the normalised result with
``dbt run-operation print_trigger_spec``. The stream reads that printed JSON unchanged: no second
rule language and no second validator. This module is the only code that knows the JSON's shape
(spec_version 1), so a change of that format touches this file alone.

Shape read here (unknown keys are ignored; a missing required key is refused naming the trigger
and the key)::

    {"spec_version": 1,
     "global_control": {"share": 0.0, "salt": "journey-global"},
     "settings": {"allowed_lateness_seconds": 0, "default_timezone": "UTC", ...},
     "channel_caps": [{"channel": "email", "max": 1, "per": "day"}],
     "triggers": [
       {"name": "loan_paystub_stall", "priority": 30,
        "entry": {"events": ["document_upload_started"],
                  "where": [{"field": {"kind": "property", "name": "document_type"},
                             "op": "eq", "value": "paystub"}],
                  "where_columns": []},
        "exit": {"events": ["document_upload_completed"], "match_property": "loan_id",
                 "since": "entry"},
        "steps": [{"number": 1, "name": "chatbot_help", "offset_seconds": 120,
                   "channel": "chatbot", "payload": {"article_id": "paystub_help"}}],
        "holdout": {"share": 0.5, "salt": "loan_paystub_stall"},
        "reentry": {"policy": "every", "seconds": 86400},
        "quiet_hours": null, ...}]}
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

OPERATORS = (
    "eq",
    "ne",
    "in",
    "not_in",
    "contains",
    "starts_with",
    "ends_with",
    "regex",
    "gt",
    "gte",
    "lt",
    "lte",
    "is_set",
)


class SpecError(ValueError):
    """The printed trigger spec cannot be read; the message names the trigger and the key."""


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _text(value: Any) -> str:
    """A value as SQL's json_extract_string would give it (booleans lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Predicate:
    """One condition of the entry: ``<property or column> <op> value`` (the funnels' filters).

    kind 'property' reads the event's properties JSON, kind 'column' a top-level field of the
    canonical event record (a column of fct_events). A missing or null value never matches,
    except ``is_set: false``.
    """

    kind: str
    name: str
    op: str
    value: Any

    def matches(self, event: Mapping[str, Any], properties: Mapping[str, Any]) -> bool:
        actual = (properties if self.kind == "property" else event).get(self.name)
        if self.op == "is_set":
            return (actual is not None) == bool(self.value)
        if actual is None:
            return False
        op, value = self.op, self.value
        if op in ("gt", "gte", "lt", "lte"):
            a, b = _number(actual), _number(value)
            if a is None or b is None:
                return False
            return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]
        if op in ("eq", "ne"):
            a, b = _number(actual), _number(value)
            same = (a == b) if (a is not None and b is not None) else _text(actual) == _text(value)
            return same if op == "eq" else not same
        if op in ("in", "not_in"):
            inside = _text(actual) in {_text(v) for v in value}
            return inside if op == "in" else not inside
        text, pattern = _text(actual), _text(value)
        if op == "contains":
            return pattern in text
        if op == "starts_with":
            return text.startswith(pattern)
        if op == "ends_with":
            return text.endswith(pattern)
        return re.search(pattern, text) is not None  # regex


@dataclass(frozen=True)
class PayloadField:
    """A payload value read from data at the entry (the warehouse's ``payload_fields``).

    source 'property': the entry event's property ``name``; 'state': the column ``name`` of the
    user's entry state row; 'relation': the column ``name`` of the user's row of the segments
    mart ``relation``. ``tiers`` (highest min first) map a number to a label; ``default`` is
    the value below every tier or without a value.
    """

    key: str
    source: str
    name: str
    relation: str | None
    tiers: tuple[tuple[float, Any], ...]
    default: Any


@dataclass(frozen=True)
class StateEntry:
    """A trigger's entry state: a row of a segments mart (``relation``) matching ``where`` (the
    mart's columns), with the entry event between ``within_column`` + min and + max seconds;
    several such rows: the latest by ``order_column``."""

    relation: str
    where: tuple[Predicate, ...]
    within_column: str | None
    min_seconds: int
    max_seconds: int | None
    order_column: str | None


@dataclass(frozen=True)
class Step:
    """One step of a journey: due ``after_seconds`` after entry unless an exit event came first."""

    name: str
    after_seconds: int
    channel: str
    payload: Mapping[str, Any]
    fields: tuple[PayloadField, ...] = ()


@dataclass(frozen=True)
class Trigger:
    """A trigger as the stream evaluates it."""

    name: str
    entry_events: tuple[str, ...]
    where: tuple[Predicate, ...]
    exit_events: tuple[str, ...]
    exit_match_property: str | None
    steps: tuple[Step, ...]
    holdout_share: float
    holdout_salt: str
    reentry_policy: str  # 'once' or 'every'
    reentry_seconds: int | None
    priority: int
    quiet_hours: Mapping[str, Any] | None = None
    exit_since: str = "entry"  # 'entry': exits after the entry; 'ever': any exit up to the step
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)
    #: Why the stream leaves the trigger to the warehouse (None: the stream evaluates it).
    warehouse_only: str | None = None
    state: StateEntry | None = None

    @property
    def streamable(self) -> bool:
        """Every trigger with entry events is evaluated on the stream, entry states and payload
        values from data included (they read the user-state snapshot, see user_state.py);
        ``warehouse_only`` names what the stream cannot evaluate."""
        return bool(self.entry_events) and self.warehouse_only is None

    @cached_property
    def needs_marts(self) -> bool:
        """Whether an entry reads the user's rows of a segment mart (state or payload)."""
        return bool(self.state_relations)

    @cached_property
    def has_payload_fields(self) -> bool:
        return any(step.fields for step in self.steps)

    @cached_property
    def state_relations(self) -> dict[str, list[str]]:
        """The segment marts the trigger reads per user, each with the columns it needs."""
        needs: dict[str, list[str]] = {}

        def need(relation: str, column: str | None) -> None:
            cols = needs.setdefault(relation, [])
            if column and column not in cols:
                cols.append(column)

        if self.state is not None:
            need(self.state.relation, None)
            for p in self.state.where:
                need(self.state.relation, p.name)
            need(self.state.relation, self.state.within_column)
            need(self.state.relation, self.state.order_column)
        for step in self.steps:
            for f in step.fields:
                if f.source in ("state", "relation") and f.relation:
                    need(f.relation, f.name)
        return needs


@dataclass(frozen=True)
class TriggerSpec:
    """All triggers plus the global control group."""

    triggers: tuple[Trigger, ...]
    global_control_share: float
    global_control_salt: str
    allowed_lateness_seconds: int = 0
    channel_caps: tuple[Mapping[str, Any], ...] = ()
    default_timezone: str = "UTC"

    @property
    def streamable(self) -> tuple[Trigger, ...]:
        return tuple(t for t in self.triggers if t.streamable)

    @property
    def not_streamable(self) -> tuple[Trigger, ...]:
        return tuple(t for t in self.triggers if not t.streamable)

    def with_trigger(self, trigger: Trigger) -> TriggerSpec:
        """A copy with one trigger replaced (by name); used for negative controls."""
        triggers = tuple(trigger if t.name == trigger.name else t for t in self.triggers)
        return replace(self, triggers=triggers)

    @property
    def state_relations(self) -> dict[str, list[str]]:
        """Every segment mart a streamable trigger reads per user, with the columns it needs."""
        needs: dict[str, list[str]] = {}
        for t in self.streamable:
            for relation, cols in t.state_relations.items():
                have = needs.setdefault(relation, [])
                have.extend(c for c in cols if c not in have)
        return needs

    def stream_caveats(self) -> list[str]:
        """Declared rules the stream does not apply (printed at start-up, see docs)."""
        return [
            f"trigger '{t.name}' is evaluated by the warehouse only: {t.warehouse_only}"
            for t in self.triggers
            if t.warehouse_only
        ]


def _need(obj: Any, key: str, where: str) -> Any:
    if not isinstance(obj, Mapping) or key not in obj or obj[key] is None:
        raise SpecError(f"{where}: missing key '{key}'")
    return obj[key]


def _names(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise SpecError(f"{where}: expected a list of event names, got {value!r}")


def _predicates(value: Any, where: str) -> tuple[Predicate, ...]:
    out = []
    for i, item in enumerate(value or []):
        here = f"{where}[{i}]"
        fld = _need(item, "field", here)
        op = str(_need(item, "op", here))
        if op not in OPERATORS:
            raise SpecError(f"{here}: unknown operator '{op}' (one of {', '.join(OPERATORS)})")
        kind = str(fld.get("kind", "property"))
        out.append(Predicate(kind, str(_need(fld, "name", here + ".field")), op, item.get("value")))
    return tuple(out)


def _trigger(raw: Mapping[str, Any], index: int) -> Trigger:
    name = str(_need(raw, "name", f"triggers[{index}]"))
    where = f"trigger '{name}'"
    entry = _need(raw, "entry", where)
    entry_events = _names(
        _need(entry, "events", where + ", key 'entry'"), where + ", key 'entry.events'"
    )
    preds = _predicates(entry.get("where"), f"{where}, key 'entry.where'")
    preds += _predicates(entry.get("where_columns"), f"{where}, key 'entry.where_columns'")
    exit_ = raw.get("exit") or {}
    exit_events = _names(exit_.get("events"), f"{where}, key 'exit.events'")
    steps = []
    for i, step in enumerate(_need(raw, "steps", where)):
        here = f"{where}, key 'steps[{i}]'"
        steps.append(
            Step(
                name=str(_need(step, "name", here)),
                after_seconds=int(_need(step, "offset_seconds", here)),
                channel=str(_need(step, "channel", here)),
                payload=dict(step.get("payload") or {}),
                fields=_payload_fields(step.get("payload_fields"), here),
            )
        )
    steps.sort(key=lambda s: s.after_seconds)
    state = _state_entry(entry.get("state"), f"{where}, key 'entry.state'")
    warehouse_only = _warehouse_only(raw, state, steps, where)
    if (exit_.get("since") or "entry") not in ("entry", "ever"):
        raise SpecError(
            f"{where}, key 'exit.since': expected entry or ever, got {exit_['since']!r}"
        )
    holdout = raw.get("holdout") or {}
    reentry = raw.get("reentry") or {"policy": "once"}
    policy = str(reentry.get("policy", "once"))
    seconds = reentry.get("seconds")
    if policy not in ("once", "every"):
        raise SpecError(f"{where}, key 'reentry.policy': unknown policy '{policy}'")
    if policy == "every" and not seconds:
        raise SpecError(f"{where}, key 'reentry.seconds': required for policy 'every'")
    return Trigger(
        name=name,
        entry_events=entry_events,
        where=preds,
        exit_events=exit_events,
        exit_match_property=exit_.get("match_property"),
        steps=tuple(steps),
        holdout_share=float(holdout.get("share", 0.0)),
        holdout_salt=str(holdout.get("salt") or name),
        reentry_policy=policy,
        reentry_seconds=int(seconds) if seconds else None,
        priority=int(raw.get("priority") or 0),
        quiet_hours=raw.get("quiet_hours"),
        exit_since=str(exit_.get("since") or "entry"),
        raw=raw,
        warehouse_only=warehouse_only,
        state=state,
    )


STATE_OPERATORS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "is_set")
PAYLOAD_SOURCES = ("property", "state", "relation")


def _state_entry(value: Any, where: str) -> StateEntry | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not value.get("relation"):
        raise SpecError(f"{where}: expected {{relation, where, within}}, got {value!r}")
    within = value.get("within") or {}
    if within and not within.get("column"):
        raise SpecError(f"{where}.within: missing key 'column'")
    max_seconds = within.get("max_seconds")
    return StateEntry(
        relation=str(value["relation"]),
        where=_predicates(value.get("where"), f"{where}.where"),
        within_column=str(within["column"]) if within else None,
        min_seconds=int(within.get("min_seconds") or 0),
        max_seconds=int(max_seconds) if max_seconds is not None else None,
        order_column=value.get("order_column"),
    )


def _payload_fields(value: Any, where: str) -> tuple[PayloadField, ...]:
    out = []
    for i, item in enumerate(value or []):
        here = f"{where}.payload_fields[{i}]"
        tiers = tuple(
            (float(_need(t, "min", here + ".tiers")), t.get("value"))
            for t in item.get("tiers") or []
        )
        out.append(
            PayloadField(
                key=str(_need(item, "key", here)),
                source=str(_need(item, "source", here)),
                name=str(_need(item, "name", here)),
                relation=item.get("relation"),
                tiers=tuple(sorted(tiers, key=lambda t: -t[0])),
                default=item.get("default"),
            )
        )
    return tuple(out)


def _warehouse_only(
    raw: Mapping[str, Any], state: StateEntry | None, steps: list[Step], where: str
) -> str | None:
    """Why the stream cannot evaluate a trigger (None: it can), each reason named."""
    reasons = []
    if state is not None:
        for p in state.where:
            if p.op not in STATE_OPERATORS:
                reasons.append(f"its entry state predicate on {p.name} uses '{p.op}'")
    for step in steps:
        for f in step.fields:
            if f.source not in PAYLOAD_SOURCES:
                reasons.append(
                    f"step '{step.name}' reads payload {f.key} from an unknown source '{f.source}'"
                )
            elif f.source != "property" and not f.relation:
                reasons.append(f"step '{step.name}' reads payload {f.key} from no relation")
    return "; ".join(reasons) or None


def load_spec(data: Mapping[str, Any] | str) -> TriggerSpec:
    """Typed spec from the printed JSON (a string or an already parsed mapping)."""
    if isinstance(data, str):
        data = json.loads(data)
    version = data.get("spec_version", 1)
    if version != 1:
        raise SpecError(f"spec_version {version} is not supported by the stream (reads 1)")
    gc = data.get("global_control") or {}
    settings = data.get("settings") or {}
    return TriggerSpec(
        triggers=tuple(_trigger(t, i) for i, t in enumerate(data.get("triggers") or [])),
        global_control_share=float(gc.get("share", 0.0)),
        global_control_salt=str(gc.get("salt", "journey-global")),
        allowed_lateness_seconds=int(settings.get("allowed_lateness_seconds") or 0),
        channel_caps=tuple(data.get("channel_caps") or ()),
        default_timezone=str(settings.get("default_timezone") or "UTC"),
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


def spec_from_dbt(project_dir: str | Path = ".", dbt: str | None = None) -> TriggerSpec:
    """Run ``dbt run-operation print_trigger_spec`` in the project and read what it prints."""
    if dbt is None:
        beside = Path(sys.executable).parent / "dbt"
        dbt = str(beside) if beside.exists() else "dbt"
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
