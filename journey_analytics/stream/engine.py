"""Event-time evaluation of absence and stall triggers for one Kafka partition.

Kafka-free: the engine reads and writes a key-value ``Store`` (the Quix Streams state
transaction of the partition in the processor, a dict in unit tests), so the same code runs in
both. Semantics (the warehouse is the reference, docs/stream.md):

- Watermark per partition: ``W = max event time seen - allowed lateness``. A step due at T is
  decided when W reaches T. An event with ``event time < W`` is late beyond the allowed
  lateness: it is counted and reported on the late-events output (with the watermark), and
  still applied to steps not yet decided, as the warehouse applies an exit loaded before the
  decision; a step already decided stays as it went out.
- Entry: one of the trigger's entry events whose properties (and columns) satisfy every
  predicate, for an event with a user id. Re-entry: 'once', or 'every' N seconds counted from
  the previous accepted entry (greedy in event-time order, ties by event id); entries at or
  after the watermark are re-decided when an earlier one arrives inside the lateness.
- Step k of an entry at t0 is due at ``T = t0 + offset_k`` and decided when the watermark
  reaches T, in the warehouse's order: 'already_entered' (entry not accepted), 'exited' (an
  exit event, with the same match_property value when declared, at a time in (t0, T], also
  one that arrived late inside the allowed lateness), 'suppressed' (on a suppression list added
  at or before T), 'global_control', 'holdout' (arms from the
  shared hash), else a fire. Skips are records with the reason, like fct_trigger_skips.
- State: per user (prefix = message key) one record; per partition a meta record (max event
  time, minutes that hold timers, load batch, decided watermark, next due time) and timer
  buckets by due minute.
"""

from __future__ import annotations

import bisect
import csv
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from journey_analytics.stream.hashing import arm as holdout_arm
from journey_analytics.stream.hashing import fire_id as make_fire_id
from journey_analytics.stream.spec import Trigger, TriggerSpec, _text
from journey_analytics.stream.user_state import UserState

PENDING, FIRED, SKIPPED, EXITED = 0, 1, 2, 3
META_PREFIX = b"__partition__"
TIMER_PREFIX = b"__timers__"
USER_KEY = b"u"
META_KEY = b"m"
BUCKET_MS = 60_000
TICK_KEY = b"__tick__"


class Store(Protocol):
    """Key-value state of one partition; values are JSON-able Python objects."""

    def get(self, prefix: bytes, key: bytes) -> Any: ...
    def set(self, prefix: bytes, key: bytes, value: Any) -> None: ...
    def delete(self, prefix: bytes, key: bytes) -> None: ...


class DictStore:
    """In-memory store for tests and offline evaluation."""

    def __init__(self) -> None:
        self.data: dict[tuple[bytes, bytes], Any] = {}

    def get(self, prefix: bytes, key: bytes) -> Any:
        return self.data.get((prefix, key))

    def set(self, prefix: bytes, key: bytes, value: Any) -> None:
        self.data[(prefix, key)] = value

    def delete(self, prefix: bytes, key: bytes) -> None:
        self.data.pop((prefix, key), None)


@dataclass(frozen=True)
class Output:
    """One record for an output topic: kind is 'fire', 'skip', 'dlq' or 'late'."""

    kind: str
    key: str
    value: dict[str, Any]


_DAY_MS = 86_400_000
_DAY_TEXT: dict[int, str] = {}  # epoch day -> 'YYYY-MM-DD'
_DAY_EPOCH: dict[str, int] = {}  # 'YYYY-MM-DD' -> epoch ms of its midnight (UTC)


def iso_ms(ms: int) -> str:
    """'YYYY-MM-DDTHH:MM:SS.mmmZ' of epoch ms (the day's text cached: no datetime per call)."""
    day, rest = divmod(int(ms), _DAY_MS)
    text = _DAY_TEXT.get(day)
    if text is None:
        text = datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m-%d")
        if len(_DAY_TEXT) > 4096:
            _DAY_TEXT.clear()
        _DAY_TEXT[day] = text
    seconds, milli = divmod(rest, 1000)
    minutes, sec = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{text}T{hour:02d}:{minute:02d}:{sec:02d}.{milli:03d}Z"


def parse_time_ms(value: Any) -> int | None:
    """Epoch milliseconds from an ISO-8601 string (naive means UTC) or a number of ms."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return int(value)
    if (
        isinstance(value, str)
        and len(value) == 24
        and value[10] == "T"
        and value[19] == "."
        and value[23] == "Z"
    ):
        # the canonical 'YYYY-MM-DDTHH:MM:SS.mmmZ' of the replay and trackers: the day's
        # epoch from a cache, the time by integer parsing
        midnight = _DAY_EPOCH.get(value[:10])
        if midnight is None:
            midnight = _day_epoch(value[:10])
        digits = value[11:13] + value[14:16] + value[17:19] + value[20:23]
        if midnight is not None and digits.isascii() and digits.isdigit():
            hour, minute, sec = int(value[11:13]), int(value[14:16]), int(value[17:19])
            milli = int(value[20:23])
            if value[13] == ":" == value[16] and hour < 24 and minute < 60 and sec < 60:
                return midnight + ((hour * 60 + minute) * 60 + sec) * 1000 + milli
    try:
        ts = datetime.fromisoformat(str(value).replace(" ", "T", 1))
    except ValueError:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return int(ts.timestamp() * 1000)


def _day_epoch(day: str) -> int | None:
    try:
        ts = datetime.fromisoformat(day).replace(tzinfo=UTC)
    except ValueError:
        return None
    if len(_DAY_EPOCH) > 4096:
        _DAY_EPOCH.clear()
    _DAY_EPOCH[day] = int(ts.timestamp() * 1000)
    return _DAY_EPOCH[day]


@dataclass
class Counters:
    events: int = 0
    ticks: int = 0
    late: int = 0
    fires: int = 0
    skips: int = 0


class PartitionEngine:
    """Evaluates the streamable triggers of a spec; one instance serves all partitions."""

    def __init__(
        self,
        spec: TriggerSpec,
        taxonomy: Iterable[str] | None,
        allowed_lateness_ms: int = 10_000,
        max_future_ms: int = 3_600_000,
        now_ms: Any = None,
        suppressions: Mapping[str, int] | None = None,
        user_state: UserState | None = None,
    ) -> None:
        self.spec = spec
        self.suppressions = dict(suppressions or {})  # user id -> earliest added_at (epoch ms)
        # the segment marts' rows per user as of the last build (entry states, payload values);
        # without them, the triggers that read a mart are not streamed (named in not_streamed)
        self.user_state = user_state if user_state is not None else UserState()
        self.not_streamed: dict[str, str] = {}
        self.triggers: dict[str, Trigger] = {}
        for t in spec.streamable:
            if t.state_relations and user_state is None:
                marts = ", ".join(sorted(t.state_relations))
                self.not_streamed[t.name] = (
                    f"it reads {marts} per user and the processor has no user-state snapshot "
                    "(publish it with scripts/stream_publish_state.py)"
                )
            else:
                self.triggers[t.name] = t
        self.taxonomy = frozenset(taxonomy) if taxonomy is not None else None
        self.lateness = int(allowed_lateness_ms)
        self.max_future = int(max_future_ms)
        self.now_ms = now_ms or (lambda: int(time.time() * 1000))
        self.by_entry: dict[str, list[Trigger]] = {}
        self.by_exit: dict[str, list[Trigger]] = {}
        for trig in self.triggers.values():
            for name in trig.entry_events:
                self.by_entry.setdefault(name, []).append(trig)
            for name in trig.exit_events:
                self.by_exit.setdefault(name, []).append(trig)
        self.relevant = frozenset(self.by_entry) | frozenset(self.by_exit)
        # entry events of state triggers only: a user without state rows cannot enter
        self.state_only = frozenset(
            name
            for name, trigs in self.by_entry.items()
            if name not in self.by_exit and all(t.state is not None for t in trigs)
        )
        self.caps: dict[str, tuple[int, str]] = {
            str(c["channel"]): (int(c["max"]), str(c.get("per", "day"))) for c in spec.channel_caps
        }
        self._cap_batch: list[tuple[str, int, tuple[Any, ...]]] = []
        self.quiet_triggers = any(t.quiet_hours for t in self.triggers.values()) or bool(self.caps)
        self._zones: dict[str, ZoneInfo | None] = {}
        self.counters = Counters()
        self.dlq_counts: dict[str, int] = {}
        self.fire_counts: dict[str, int] = {}
        self.skip_counts: dict[tuple[str, str], int] = {}
        self.watermarks: dict[int, int] = {}
        self._arm_cache: dict[tuple[str, str], str] = {}
        self._added_min = None
        self._new_buckets = set()

    # -- validation ------------------------------------------------------------------------
    def _dead(self, reason: str, raw: bytes, key: bytes | None, detail: str = "") -> Output:
        self.dlq_counts[reason] = self.dlq_counts.get(reason, 0) + 1
        return Output(
            "dlq",
            (key or b"").decode("utf-8", "replace"),
            {
                "reason": reason,
                "detail": detail,
                "key": (key or b"").decode("utf-8", "replace"),
                "value": raw.decode("utf-8", "replace"),
            },
        )

    def validate(
        self, raw: bytes, key: bytes | None
    ) -> tuple[dict[str, Any] | None, Output | None]:
        """The parsed event, or a dead-letter record with the reason."""
        try:
            event = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return None, self._dead("malformed_json", raw, key, str(exc))
        if not isinstance(event, dict):
            return None, self._dead("not_a_json_object", raw, key)
        if "tick" in event and key == TICK_KEY:
            return event, None
        user = event.get("user_id")
        device = event.get("anonymous_id") or event.get("device_id")
        if not user and not device:
            return None, self._dead("missing_user_and_device_id", raw, key)
        name = event.get("event_name")
        if not name:
            return None, self._dead("missing_event_name", raw, key)
        if self.taxonomy is not None and name not in self.taxonomy:
            return None, self._dead("unknown_event_name", raw, key, str(name))
        ts = parse_time_ms(event.get("event_at", event.get("event_timestamp")))
        if ts is None:
            return None, self._dead("bad_timestamp", raw, key)
        if ts > self.now_ms() + self.max_future:
            return None, self._dead("timestamp_in_future", raw, key, iso_ms(ts))
        expected = (user or device).encode()
        if key is not None and key != expected:
            return None, self._dead("key_not_user_id", raw, key, "events must be keyed by user_id")
        event["_ms"] = ts
        return event, None

    # -- main entry --------------------------------------------------------------------------
    def process(
        self, store: Store, partition: int, key: bytes | None, raw: bytes, arrival_ms: int
    ) -> list[Output]:
        """Apply one input record; returns the records to produce."""
        event, dead = self.validate(raw, key)
        if dead is not None:
            return [dead]
        assert event is not None
        out: list[Output] = []
        # meta: latest event time seen, due minutes that hold timers (sorted), load batch of the
        # last record, the watermark up to which steps are decided, the earliest due time
        max_seen, buckets, batch, decided, next_due = self._meta(store, partition)
        self._new_buckets: set[int] = set()
        self._added_min: int | None = None
        if "tick" in event:
            self.counters.ticks += 1
            t = int(event["tick"])
            max_seen = t if max_seen is None else max(max_seen, t)
            batch = None
        else:
            self.counters.events += 1
            t = event["_ms"]
            user = event.get("user_id")
            name = event["event_name"]
            new_batch = event.get("loaded_at")
            if batch is not None and new_batch != batch and max_seen is not None:
                # the previous load is complete: decide what its events made due
                buckets, decided, next_due = self._decide(
                    store, buckets, max_seen, next_due, arrival_ms, out
                )
            wm = decided if decided is not None else t - self.lateness
            if max_seen is not None and t < max_seen - self.lateness:
                # later than the allowed lateness: still applied to steps not yet decided (as
                # the warehouse applies any exit loaded before the decision), but a step it
                # concerns may already be decided; counted and reported, never dropped
                self.counters.late += 1
                if name in self.relevant:
                    out.append(self._late(event, raw, key, max_seen - self.lateness))
            if user and self.quiet_triggers:
                props = event.get("properties")
                tz = props.get("timezone") if isinstance(props, dict) else None
                if isinstance(tz, str) and tz:
                    self._note_time_zone(store, key or user.encode(), t, tz)
            if (
                user
                and name in self.relevant
                and (name not in self.state_only or self.user_state.has(user))
            ):
                due_now: list[list[Any]] = []
                prefix = key or user.encode()
                self._apply(store, prefix, user, name, t, event, wm, due_now)
                for timer in due_now:  # a late entry whose steps are already due
                    self._fire(store, timer, arrival_ms, out)
                if self._cap_batch:
                    self._resolve_caps(store, out)
            if max_seen is None or t > max_seen:
                # as in the warehouse, an event stamped after its own load (a clock ahead)
                # does not move the watermark
                loaded_ms = parse_time_ms(new_batch) if new_batch is not None else None
                if loaded_ms is None or t <= loaded_ms:
                    max_seen = t
            batch = new_batch
        if self._added_min is not None and (next_due is None or self._added_min < next_due):
            next_due = self._added_min
        if self._new_buckets:
            buckets = buckets or []
            for b in self._new_buckets:
                i = bisect.bisect_left(buckets, b)
                if i == len(buckets) or buckets[i] != b:
                    buckets.insert(i, b)
        if batch is None and max_seen is not None:
            # records without a load stamp (a live stream) are each their own load
            buckets, decided, next_due = self._decide(
                store, buckets, max_seen, next_due, arrival_ms, out
            )
        store.set(META_PREFIX, META_KEY, [max_seen, buckets, batch, decided, next_due])
        if max_seen is not None:
            self.watermarks[partition] = max_seen - self.lateness
        return out

    def _decide(
        self,
        store: Store,
        buckets: list[int] | None,
        max_seen: int,
        next_due: int | None,
        arrival_ms: int,
        out: list[Output],
    ) -> tuple[list[int], int, int | None]:
        """Decide every timer due at the watermark; next_due gates the bucket scan."""
        wm = max_seen - self.lateness
        if not buckets or next_due is None or wm < next_due:
            return buckets or [], wm, next_due
        buckets, next_due = self._advance(store, buckets, wm, arrival_ms, out)
        return buckets, wm, next_due

    def _meta(self, store: Store, partition: int) -> list[Any]:
        meta = store.get(META_PREFIX, META_KEY)
        return list(meta) if meta is not None else [None, None, None, None, None]

    def _late(self, event: dict[str, Any], raw: bytes, key: bytes | None, wm: int) -> Output:
        return Output(
            "late",
            (key or b"").decode(),
            {
                "reason": "late_beyond_allowed_lateness",
                "event_id": event.get("event_id"),
                "event_name": event.get("event_name"),
                "user_id": event.get("user_id"),
                "event_at": iso_ms(event["_ms"]),
                "watermark": iso_ms(wm),
                "allowed_lateness_ms": self.lateness,
                "relevant_to_triggers": sorted(
                    t.name
                    for t in self.by_entry.get(event["event_name"], [])
                    + self.by_exit.get(event["event_name"], [])
                ),
            },
        )

    # -- user state ----------------------------------------------------------------------------
    # st = {"j": {trigger: [[t0, entry_id, marks, accepted, match_value], ...]},
    #       "a": {trigger: last final accepted entry time}, "c": [[trigger, t, match], ...]}
    def _apply(
        self,
        store: Store,
        prefix: bytes,
        user: str,
        name: str,
        t: int,
        event: dict[str, Any],
        wm: int,
        due_now: list[list[Any]],
    ) -> None:
        st: dict[str, Any] = store.get(prefix, USER_KEY) or {}
        journeys: dict[str, list[list[Any]]] = st.setdefault("j", {})
        props = event.get("properties") or {}
        if isinstance(props, str):
            try:
                props = orjson.loads(props)
            except orjson.JSONDecodeError:
                props = {}
        changed = False
        exits_for = self.by_exit.get(name)
        if exits_for:
            recent = [c for c in st.get("c", []) if c[1] >= wm]
            for trig in exits_for:
                match = self._match_value(trig, props)
                recent.append([trig.name, t, match])
                if trig.exit_since == "ever":
                    # 'has not ...': the earliest exit per match value, kept for good
                    ever = st.setdefault("x", {}).setdefault(trig.name, {})
                    slot = "" if match is None else "=" + match
                    ever[slot] = min(ever.get(slot, t), t)
                for jour in journeys.get(trig.name, []):
                    self._mark_exit(trig, jour, t, match)
            st["c"] = recent
            changed = True
        for trig in self.by_entry.get(name, []):
            if all(p.matches(event, props) for p in trig.where):
                state_row = None
                # the user's rows of the marts as of the last build (one publication)
                marts = self.user_state.of(user) if trig.needs_marts else {}
                if trig.state is not None:
                    state_row = self.user_state.entry_row(trig.state, marts, t)
                    if state_row is None:
                        continue
                extras = None
                if trig.has_payload_fields:
                    extras = [
                        self.user_state.payload(step.fields, marts, state_row, props)
                        if step.fields
                        else None
                        for step in trig.steps
                    ]
                self._enter(
                    store,
                    prefix,
                    st,
                    trig,
                    str(event.get("event_id")),
                    t,
                    props,
                    wm,
                    due_now,
                    extras,
                )
                changed = True
        if changed:
            st["j"] = {k: v for k, v in journeys.items() if v}
            store.set(prefix, USER_KEY, st)

    @staticmethod
    def _match_value(trig: Trigger, props: Mapping[str, Any]) -> str | None:
        if not trig.exit_match_property:
            return None
        value = props.get(trig.exit_match_property)
        return None if value is None else _text(value)

    @staticmethod
    def _mark_exit(trig: Trigger, jour: list[Any], t: int, match: str | None) -> None:
        """An exit at t ends every step whose window (entry, due] holds t (same match value);
        with exit since 'ever', every step due at or after t."""
        t0, marks, want = jour[0], jour[2], jour[4]
        if (t <= t0 and trig.exit_since != "ever") or (want is not None and match != want):
            return
        for i, step in enumerate(trig.steps):
            if marks[i] == PENDING and t <= t0 + step.after_seconds * 1000:
                marks[i] = EXITED

    def _enter(
        self,
        store: Store,
        prefix: bytes,
        st: dict[str, Any],
        trig: Trigger,
        entry_id: str,
        t: int,
        props: Mapping[str, Any],
        wm: int,
        due_now: list[list[Any]],
        extras: list[dict[str, Any] | None] | None = None,
    ) -> None:
        journeys = st["j"].setdefault(trig.name, [])
        if any(j[1] == entry_id for j in journeys):
            return  # a duplicate delivery of the same entry event
        jour = [t, entry_id, [PENDING] * len(trig.steps), 0, self._match_value(trig, props)]
        if extras is not None:
            jour.append(extras)  # payload values read from data at the entry, per step
        for tname, ct, cmatch in st.get("c", []):
            if tname == trig.name:
                self._mark_exit(trig, jour, ct, cmatch)
        if trig.exit_since == "ever":
            for slot, ct in st.get("x", {}).get(trig.name, {}).items():
                self._mark_exit(trig, jour, ct, None if slot == "" else slot[1:])
        journeys.append(jour)
        journeys.sort(key=lambda j: (j[0], j[1]))
        # re-entry, greedy in event-time order: entries before the watermark are final; the
        # others are re-decided, so an entry arriving out of order inside the lateness counts
        anchor = st.get("a", {}).get(trig.name)
        for j in journeys:
            if j[0] < wm and j[3]:
                anchor = j[0] if anchor is None else max(anchor, j[0])
        for j in journeys:
            if j[0] < wm and j is not jour:
                continue
            ok = anchor is None or (
                trig.reentry_policy == "every"
                and j[0] - anchor >= (trig.reentry_seconds or 0) * 1000
            )
            j[3] = 1 if ok else 0
            if ok:
                anchor = j[0]
        for i, step in enumerate(trig.steps):
            due = t + step.after_seconds * 1000
            if due <= wm:
                due_now.append([due, prefix.decode(), trig.name, entry_id, i])
            else:
                self._add_timer(store, due, prefix, trig, entry_id, i)

    # -- timers ------------------------------------------------------------------------------------
    def _add_timer(
        self, store: Store, due: int, prefix: bytes, trig: Trigger, entry_id: str, step: int
    ) -> None:
        bkey = str(due // BUCKET_MS).encode()
        timers = list(store.get(TIMER_PREFIX, bkey) or [])
        timers.append([due, prefix.decode(), trig.name, entry_id, step])
        store.set(TIMER_PREFIX, bkey, timers)
        self._new_buckets.add(due // BUCKET_MS)
        if self._added_min is None or due < self._added_min:
            self._added_min = due

    def _advance(
        self, store: Store, buckets: list[int], wm: int, arrival_ms: int, out: list[Output]
    ) -> tuple[list[int], int | None]:
        """Fire the timers due by the watermark; returns (buckets left, next due time)."""
        split = bisect.bisect_right(buckets, wm // BUCKET_MS)
        due_buckets, left = buckets[:split], buckets[split:]
        next_due = left[0] * BUCKET_MS if left else None
        for b in due_buckets:
            bkey = str(b).encode()
            timers = store.get(TIMER_PREFIX, bkey) or []
            keep = []
            for timer in sorted(timers):
                if timer[0] <= wm:
                    self._fire(store, timer, arrival_ms, out)
                else:
                    keep.append(timer)
            if keep:  # only the watermark's own minute can be partly due
                store.set(TIMER_PREFIX, bkey, keep)
                left.insert(0, b)
                next_due = keep[0][0]
            else:
                store.delete(TIMER_PREFIX, bkey)
        if self._cap_batch:
            self._resolve_caps(store, out)
        return left, next_due

    def _fire(self, store: Store, timer: list[Any], arrival_ms: int, out: list[Output]) -> None:
        """Decide one step at its due time: already_entered, exited, suppressed, an arm, or fire."""
        due, user, tname, entry_id, step = timer
        trig = self.triggers.get(tname)
        if trig is None:
            return
        prefix = user.encode()
        st = store.get(prefix, USER_KEY)
        if not st:
            return
        journeys = st.get("j", {}).get(tname, [])
        for jour in journeys:
            if jour[1] != entry_id:
                continue
            marks = jour[2]
            extra = jour[5][step] if len(jour) > 5 else None
            if marks[step] in (PENDING, EXITED):
                arm = self._arm(trig, user)
                if not jour[3]:
                    reason: str | None = "already_entered"
                elif marks[step] == EXITED:
                    reason = "exited"
                elif self._suppressed(user, due):
                    reason = "suppressed"
                elif arm == "global_control":
                    reason = "global_control"
                elif arm == "control":
                    reason = "holdout"
                else:
                    reason = None
                send_at = None
                if reason is None and trig.quiet_hours:
                    reason, send_at = self._quiet_hours(trig, st, due)
                kind = "fire" if reason is None else "skip"
                marks[step] = FIRED if kind == "fire" else SKIPPED
                cap = self.caps.get(trig.steps[step].channel) if kind == "fire" else None
                if cap is not None:
                    # competes for the channel's slots with the other steps of this decision
                    sent = send_at if send_at is not None else due
                    period = self._cap_period(self._user_zone(st, due), sent, cap[1])
                    args = (trig, step, user, entry_id, jour[0], arrival_ms, send_at, extra)
                    self._cap_batch.append((period, sent, args))
                else:
                    record = self._record(
                        kind, trig, step, user, entry_id, jour[0], arrival_ms, reason, extra
                    )
                    if send_at is not None:
                        record.value["send_at"] = iso_ms(send_at)
                    out.append(record)
            if all(m in (FIRED, SKIPPED) for m in marks):
                # a decided journey leaves the state; an accepted one anchors re-entry
                if jour[3]:
                    anchors = st.setdefault("a", {})
                    anchors[tname] = max(anchors.get(tname, jour[0]), jour[0])
                journeys.remove(jour)
            if not journeys:
                st["j"].pop(tname, None)
            store.set(prefix, USER_KEY, st)
            return

    def _note_time_zone(self, store: Store, prefix: bytes, t: int, tz: str) -> None:
        """Keep the user's recent time-zone observations (event time, zone), latest last."""
        st = store.get(prefix, USER_KEY) or {}
        zones = st.get("tz") or []
        if zones and zones[-1][1] == tz and zones[-1][0] <= t:
            return
        zones.append([t, tz])
        zones.sort(key=lambda z: (z[0], z[1]))
        st["tz"] = zones[-8:]
        store.set(prefix, USER_KEY, st)

    def _zone(self, name: str) -> ZoneInfo | None:
        if name not in self._zones:
            try:
                self._zones[name] = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                self._zones[name] = None  # unknown: the default time zone applies
        return self._zones[name]

    def _user_zone(self, st: Mapping[str, Any], due: int) -> ZoneInfo:
        """The user's latest known time zone at the due time, else the default."""
        zone = None
        known = [z for z in st.get("tz") or [] if z[0] <= due and self._zone(z[1]) is not None]
        if known:
            zone = self._zone(max(known, key=lambda z: (z[0], z[1]))[1])
        return zone or self._zone(self.spec.default_timezone) or ZoneInfo("UTC")

    def _quiet_hours(
        self, trig: Trigger, st: Mapping[str, Any], due: int
    ) -> tuple[str | None, int | None]:
        """('quiet_hours', None) to drop, (None, send_at) to delay, (None, None) outside them."""
        qh = trig.quiet_hours or {}
        start, end = int(qh["start_minute"]), int(qh["end_minute"])
        zone = self._user_zone(st, due)
        local = datetime.fromtimestamp(due / 1000, zone)
        minute = local.hour * 60 + local.minute
        quiet = (minute >= start or minute < end) if start > end else (start <= minute < end)
        if not quiet:
            return None, None
        if qh.get("action") == "drop":
            return "quiet_hours", None
        day = local.date() + timedelta(days=1 if start > end and minute >= start else 0)
        wake = datetime(day.year, day.month, day.day, end // 60, end % 60, tzinfo=zone)
        return None, int(wake.timestamp() * 1000)

    @staticmethod
    def _cap_period(zone: ZoneInfo, send_at: int, per: str) -> str:
        """The local day, or the Monday of the ISO week, of the send time."""
        day = datetime.fromtimestamp(send_at / 1000, zone).date()
        if per == "week":
            day = day - timedelta(days=day.weekday())
        return day.isoformat()

    def _resolve_caps(self, store: Store, out: list[Output]) -> None:
        """Frequency caps for the steps decided together, as the warehouse ranks them: what went
        out earlier stays out; then higher priority, earlier send time, fire id."""
        batch, self._cap_batch = self._cap_batch, []
        ranked = []
        for period, sent, args in batch:
            trig, step = args[0], args[1]
            fid = make_fire_id(trig.name, trig.steps[step].name, args[2], args[3])
            ranked.append((-trig.priority, sent, fid, period, args))
        ranked.sort(key=lambda r: r[:3])
        best: dict[tuple[str, str, str], int] = {}
        for neg_priority, _sent, _fid, period, args in ranked:
            trig, step, user, entry_id, t0, arrival_ms, send_at, extra = args
            channel = trig.steps[step].channel
            cap_max = self.caps[channel][0]
            prefix = user.encode()
            st = store.get(prefix, USER_KEY) or {}
            used = st.setdefault("caps", {})
            slot = f"{channel}|{period}"
            if used.get(slot, 0) < cap_max:
                used[slot] = used.get(slot, 0) + 1
                if len(used) > 64:  # keep the latest periods
                    for old_slot in sorted(used, key=lambda k: k.split("|")[1])[:-32]:
                        del used[old_slot]
                store.set(prefix, USER_KEY, st)
                key = (user, channel, period)
                best[key] = max(best.get(key, -neg_priority), -neg_priority)
                record = self._record(
                    "fire", trig, step, user, entry_id, t0, arrival_ms, None, extra
                )
            else:
                higher = best.get((user, channel, period), trig.priority) > trig.priority
                reason = "lower_priority" if higher else "capped"
                record = self._record(
                    "skip", trig, step, user, entry_id, t0, arrival_ms, reason, extra
                )
            if send_at is not None:
                record.value["send_at"] = iso_ms(send_at)
            out.append(record)

    def _suppressed(self, user: str, due: int) -> bool:
        """On a suppression list (any list) added at or before the step's due time."""
        added = self.suppressions.get(user)
        return added is not None and due >= added

    def _arm(self, trig: Trigger, user: str) -> str:
        key = (trig.name, user)
        arm = self._arm_cache.get(key)
        if arm is None:
            arm = holdout_arm(
                user,
                trig.holdout_share,
                trig.holdout_salt,
                self.spec.global_control_share,
                self.spec.global_control_salt,
            )
            if len(self._arm_cache) > 100_000:
                self._arm_cache.clear()
            self._arm_cache[key] = arm
        return arm

    def _record(
        self,
        kind: str,
        trig: Trigger,
        step: int,
        user: str,
        entry_id: str,
        t0: int,
        arrival_ms: int | None,
        reason: str | None,
        extra: Mapping[str, Any] | None = None,
    ) -> Output:
        st = trig.steps[step]
        fid = make_fire_id(trig.name, st.name, user, entry_id)
        value: dict[str, Any] = {
            "fire_id": fid,
            "trigger_name": trig.name,
            "step_name": st.name,
            "step_index": step + 1,
            "user_id": user,
            "entry_event_id": entry_id,
            "entry_at": iso_ms(t0),
            "condition_true_at": iso_ms(t0 + st.after_seconds * 1000),
            "channel": st.channel,
            "payload": {**st.payload, **extra} if extra else dict(st.payload),
            "arm": self._arm(trig, user),
            "priority": trig.priority,
        }
        if kind == "fire":
            self.counters.fires += 1
            self.fire_counts[trig.name] = self.fire_counts.get(trig.name, 0) + 1
            value["window_closed_by_arrival_ms"] = arrival_ms
            value["decided_at_ms"] = int(time.time() * 1000)  # wall clock (latency split)
        else:
            self.counters.skips += 1
            k = (trig.name, reason or "")
            self.skip_counts[k] = self.skip_counts.get(k, 0) + 1
            value["reason"] = reason
        return Output(kind, fid, value)


def evaluate_offline(
    spec: TriggerSpec,
    records: Iterable[tuple[bytes | None, bytes]],
    taxonomy: Iterable[str] | None = None,
    allowed_lateness_ms: int = 10_000,
    now_ms: Any = None,
    suppressions: Mapping[str, int] | None = None,
    user_state: UserState | None = None,
) -> tuple[list[Output], PartitionEngine]:
    """Run the engine over (key, value) records of one partition in memory (tests, tools)."""
    engine = PartitionEngine(
        spec,
        taxonomy,
        allowed_lateness_ms,
        now_ms=now_ms,
        suppressions=suppressions,
        user_state=user_state,
    )
    store = DictStore()
    outputs: list[Output] = []
    for key, value in records:
        outputs.extend(engine.process(store, 0, key, value, 0))
    return outputs, engine


def event_record(
    user_id: str | None,
    event_name: str,
    event_at: str,
    event_id: str,
    properties: Mapping[str, Any] | None = None,
    anonymous_id: str | None = None,
) -> tuple[bytes | None, bytes]:
    """(key, value) of one canonical event as the replay producer writes it."""
    value = {
        "event_id": event_id,
        "event_name": event_name,
        "event_at": event_at,
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "properties": dict(properties or {}),
    }
    key = user_id or anonymous_id
    return (key.encode() if key else None), orjson.dumps(value)


def tick_record(at_ms: int) -> tuple[bytes, bytes]:
    """A watermark tick: advances the partition's event time without being an event."""
    return TICK_KEY, orjson.dumps({"tick": at_ms})


def load_suppressions(path: str | Path) -> dict[str, int]:
    """user id -> earliest added_at (epoch ms) from a CSV with columns user_id, list, added_at
    (the warehouse's seed journey_trigger_suppressions; every list suppresses every trigger)."""
    out: dict[str, int] = {}
    with open(path, newline="") as handle:
        for i, row in enumerate(csv.DictReader(handle), start=2):
            added = parse_time_ms(row.get("added_at"))
            user = row.get("user_id")
            if not user or added is None:
                raise ValueError(f"{path}, line {i}: needs user_id and an added_at time, got {row}")
            out[user] = min(added, out.get(user, added))
    return out
