"""Event-time evaluation of absence and stall triggers for one Kafka partition.

Kafka-free: the engine reads and writes a key-value ``Store`` (the Quix Streams state
transaction of the partition in the processor, a dict in unit tests), so the same code runs in
both. Semantics (the warehouse is the reference, docs/stream.md):

- Watermark per partition: ``W = max event time seen - allowed lateness``. An event with
  ``event time < W`` is late beyond the allowed lateness: it is not applied, it goes to the
  late-events output with a reason and is counted.
- Entry: an event named like the trigger's entry event whose properties satisfy every
  predicate, for an event with a user id. Re-entry: 'once_ever', or 'once_per' a period counted
  from the previous accepted entry (greedy in event-time order, ties by event id); an entry that
  arrives out of order inside the lateness replaces a later pending one.
- Step k of a journey entered at t0 is due at ``t0 + after_k``. It is cancelled ('exited' skip)
  by a cancel event (the step's absent events or the trigger's exit events) with
  ``t0 < t <= due``, also one arriving late inside the allowed lateness, and fires when the
  watermark reaches the due time. Its arm comes from the shared holdout hash; a control or
  global-control arm gives a 'holdout' skip instead of a fire.
- State: per user (prefix = message key) one record; per partition a meta record (max event
  time, timer cursor) and timer buckets by due minute.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson

from journey_analytics.stream.hashing import arm as holdout_arm
from journey_analytics.stream.hashing import fire_id as make_fire_id
from journey_analytics.stream.spec import Trigger, TriggerSpec

PENDING, FIRED, HOLDOUT, EXITED = 0, 1, 2, 3
META_PREFIX = b"__partition__"
TIMER_PREFIX = b"__timers__"
USER_KEY = b"u"
META_KEY = b"m"
BUCKET_MS = 60_000
TICK_KEY = b"__tick__"


class Store(Protocol):
    def get(self, prefix: bytes, key: bytes) -> bytes | None: ...
    def set(self, prefix: bytes, key: bytes, value: bytes) -> None: ...
    def delete(self, prefix: bytes, key: bytes) -> None: ...


class DictStore:
    """In-memory store for tests and offline evaluation."""

    def __init__(self) -> None:
        self.data: dict[tuple[bytes, bytes], bytes] = {}

    def get(self, prefix: bytes, key: bytes) -> bytes | None:
        return self.data.get((prefix, key))

    def set(self, prefix: bytes, key: bytes, value: bytes) -> None:
        self.data[(prefix, key)] = value

    def delete(self, prefix: bytes, key: bytes) -> None:
        self.data.pop((prefix, key), None)


@dataclass(frozen=True)
class Output:
    """One record for an output topic: kind is 'fire', 'skip', 'dlq' or 'late'."""

    kind: str
    key: str
    value: dict[str, Any]


def iso_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_time_ms(value: Any) -> int | None:
    """Epoch milliseconds from an ISO-8601 string (naive means UTC) or a number of ms."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return int(value)
    try:
        ts = datetime.fromisoformat(str(value).replace(" ", "T", 1))
    except ValueError:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return int(ts.timestamp() * 1000)


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
    ) -> None:
        self.spec = spec
        self.triggers: dict[str, Trigger] = {t.name: t for t in spec.streamable}
        self.taxonomy = frozenset(taxonomy) if taxonomy is not None else None
        self.lateness = int(allowed_lateness_ms)
        self.max_future = int(max_future_ms)
        self.now_ms = now_ms or (lambda: int(time.time() * 1000))
        self.by_entry: dict[str, list[Trigger]] = {}
        self.by_cancel: dict[str, list[Trigger]] = {}
        for trig in self.triggers.values():
            self.by_entry.setdefault(trig.entry_event or "", []).append(trig)
            for name in trig.cancel_events:
                self.by_cancel.setdefault(name, []).append(trig)
        self.relevant = frozenset(self.by_entry) | frozenset(self.by_cancel)
        self.counters = Counters()
        self.dlq_counts: dict[str, int] = {}
        self.fire_counts: dict[str, int] = {}
        self.skip_counts: dict[tuple[str, str], int] = {}
        self.watermarks: dict[int, int] = {}
        self._arm_cache: dict[tuple[str, str], str] = {}

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
        meta = self._meta(store, partition)
        max_seen, cursor = meta
        if "tick" in event:
            self.counters.ticks += 1
            t = int(event["tick"])
        else:
            self.counters.events += 1
            t = event["_ms"]
            if max_seen is not None and t < max_seen - self.lateness:
                self.counters.late += 1
                out.append(self._late(event, raw, key, max_seen - self.lateness))
                return out
            user = event.get("user_id")
            name = event["event_name"]
            if user and name in self.relevant:
                wm = (max_seen if max_seen is not None else t) - self.lateness
                self._apply(store, key or user.encode(), user, name, t, event, wm, out)
        if max_seen is None or t > max_seen:
            max_seen = t
            wm = max_seen - self.lateness
            if cursor is None:
                cursor = wm // BUCKET_MS
            cursor = self._advance(store, cursor, wm, arrival_ms, out)
            store.set(META_PREFIX, META_KEY, orjson.dumps([max_seen, cursor]))
            self.watermarks[partition] = wm
        return out

    def _meta(self, store: Store, partition: int) -> list[Any]:
        raw = store.get(META_PREFIX, META_KEY)
        return orjson.loads(raw) if raw is not None else [None, None]

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
                    + self.by_cancel.get(event["event_name"], [])
                ),
            },
        )

    # -- user state ----------------------------------------------------------------------------
    def _apply(
        self,
        store: Store,
        prefix: bytes,
        user: str,
        name: str,
        t: int,
        event: dict[str, Any],
        wm: int,
        out: list[Output],
    ) -> None:
        raw_state = store.get(prefix, USER_KEY)
        st: dict[str, Any] = orjson.loads(raw_state) if raw_state else {}
        journeys: dict[str, list[list[Any]]] = st.setdefault("j", {})
        changed = False
        cancels_for = self.by_cancel.get(name)
        if cancels_for:
            recent = [c for c in st.get("c", []) if c[1] >= wm]
            recent.append([name, t])
            st["c"] = recent
            changed = True
            for trig in cancels_for:
                for jour in journeys.get(trig.name, []):
                    self._cancel(trig, jour, name, t, user, out)
        for trig in self.by_entry.get(name, []):
            props = event.get("properties") or {}
            if isinstance(props, str):
                try:
                    props = orjson.loads(props)
                except orjson.JSONDecodeError:
                    props = {}
            if all(p.matches(props) for p in trig.where):
                self._enter(store, prefix, st, trig, user, str(event.get("event_id")), t, wm, out)
                changed = True
        if changed:
            journeys_left = {k: v for k, v in journeys.items() if v}
            st["j"] = journeys_left
            store.set(prefix, USER_KEY, orjson.dumps(st))

    def _cancel(
        self, trig: Trigger, jour: list[Any], name: str, t: int, user: str, out: list[Output]
    ) -> None:
        t0, entry_id, statuses = jour[0], jour[1], jour[2]
        if t <= t0:
            return
        for i, step in enumerate(trig.steps):
            if statuses[i] != PENDING:
                continue
            if name not in step.absent_events and name not in trig.exit_events:
                continue
            due = t0 + step.after_seconds * 1000
            if t <= due:
                statuses[i] = EXITED
                out.append(self._record("skip", trig, i, user, entry_id, t0, None, "exited"))

    def _enter(
        self,
        store: Store,
        prefix: bytes,
        st: dict[str, Any],
        trig: Trigger,
        user: str,
        entry_id: str,
        t: int,
        wm: int,
        out: list[Output],
    ) -> None:
        entries: dict[str, list[list[Any]]] = st.setdefault("e", {})
        anchors: dict[str, int] = st.setdefault("a", {})
        candidates = entries.get(trig.name, [])
        journeys = st["j"].setdefault(trig.name, [])
        accepted_ids = {j[1] for j in journeys}
        if any(c[1] == entry_id for c in candidates) or entry_id in accepted_ids:
            return  # a duplicate delivery of the same entry event
        # entries older than the watermark are final: keep only the last accepted as anchor
        keep = []
        for cand in sorted(candidates):
            if cand[0] < wm:
                if cand[1] in accepted_ids:
                    anchors[trig.name] = max(anchors.get(trig.name, cand[0]), cand[0])
            else:
                keep.append(cand)
        keep.append([t, entry_id])
        keep.sort()
        last = anchors.get(trig.name)
        accepted: list[list[Any]] = []
        for cand in keep:
            if last is None or (
                trig.reentry_policy == "once_per"
                and cand[0] - last >= (trig.reentry_period_seconds or 0) * 1000
            ):
                accepted.append(cand)
                last = cand[0]
        entries[trig.name] = keep
        wanted = {c[1] for c in accepted}
        # a later pending journey displaced by an out-of-order earlier entry: none of its steps
        # can have fired, since its entry time is at or after the watermark
        pending_ids = {c[1] for c in keep}
        journeys[:] = [j for j in journeys if j[1] in wanted or j[1] not in pending_ids]
        have = {j[1] for j in journeys}
        for cand in accepted:
            if cand[1] in have:
                continue
            jour = [cand[0], cand[1], [PENDING] * len(trig.steps)]
            for cname, ct in st.get("c", []):
                self._cancel(trig, jour, cname, ct, user, out)
            journeys.append(jour)
            for i, step in enumerate(trig.steps):
                if jour[2][i] == PENDING:
                    self._add_timer(
                        store, cand[0] + step.after_seconds * 1000, prefix, trig, cand[1], i
                    )

    # -- timers ------------------------------------------------------------------------------------
    def _add_timer(
        self, store: Store, due: int, prefix: bytes, trig: Trigger, entry_id: str, step: int
    ) -> None:
        bkey = str(due // BUCKET_MS).encode()
        raw = store.get(TIMER_PREFIX, bkey)
        timers = orjson.loads(raw) if raw else []
        timers.append([due, prefix.decode(), trig.name, entry_id, step])
        store.set(TIMER_PREFIX, bkey, orjson.dumps(timers))

    def _advance(
        self, store: Store, cursor: int, wm: int, arrival_ms: int, out: list[Output]
    ) -> int:
        last = wm // BUCKET_MS
        b = cursor
        while b <= last:
            bkey = str(b).encode()
            raw = store.get(TIMER_PREFIX, bkey)
            if raw:
                timers = orjson.loads(raw)
                keep = []
                for timer in sorted(timers):
                    if timer[0] <= wm:
                        self._fire(store, timer, arrival_ms, out)
                    else:
                        keep.append(timer)
                if keep:
                    store.set(TIMER_PREFIX, bkey, orjson.dumps(keep))
                else:
                    store.delete(TIMER_PREFIX, bkey)
            b += 1
        return last

    def _fire(self, store: Store, timer: list[Any], arrival_ms: int, out: list[Output]) -> None:
        _due, user, tname, entry_id, step = timer
        trig = self.triggers.get(tname)
        if trig is None:
            return
        prefix = user.encode()
        raw = store.get(prefix, USER_KEY)
        if not raw:
            return
        st = orjson.loads(raw)
        journeys = st.get("j", {}).get(tname, [])
        changed = False
        for jour in journeys:
            if jour[1] != entry_id:
                continue
            if jour[2][step] == PENDING:
                arm = self._arm(trig, user)
                kind, reason = ("fire", None) if arm == "treatment" else ("skip", "holdout")
                jour[2][step] = FIRED if kind == "fire" else HOLDOUT
                out.append(
                    self._record(kind, trig, step, user, entry_id, jour[0], arrival_ms, reason)
                )
            if PENDING not in jour[2]:
                # finished journeys leave the state; their entry anchors the re-entry policy
                anchors = st.setdefault("a", {})
                anchors[tname] = max(anchors.get(tname, jour[0]), jour[0])
                cands = st.get("e", {}).get(tname, [])
                st.setdefault("e", {})[tname] = [c for c in cands if c[1] != entry_id]
                journeys.remove(jour)
            changed = True
            break
        if changed:
            if not journeys:
                st["j"].pop(tname, None)
            store.set(prefix, USER_KEY, orjson.dumps(st))

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
            "payload": dict(st.payload),
            "arm": self._arm(trig, user),
            "priority": trig.priority,
        }
        if kind == "fire":
            self.counters.fires += 1
            self.fire_counts[trig.name] = self.fire_counts.get(trig.name, 0) + 1
            value["window_closed_by_arrival_ms"] = arrival_ms
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
) -> tuple[list[Output], PartitionEngine]:
    """Run the engine over (key, value) records of one partition in memory (tests, tools)."""
    engine = PartitionEngine(spec, taxonomy, allowed_lateness_ms, now_ms=now_ms)
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
