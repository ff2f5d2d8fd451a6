"""Incremental runs equal a full refresh after every load of a hand-made schedule.

Each batch is a raw file with its own load time. After each batch the project is built
incrementally on everything loaded so far, and a second, fresh project is built with a full
refresh on the same files; every core table must match both ways (EXCEPT ALL). The schedule
plants each case a scheduled build meets: rows out of order inside a file, a late event that
bridges two sessions, duplicates re-sent with the same and with other content, an identify that
arrives eleven days late, a shared device switching user, a catch-up after a pause much longer
than any lookback window, an event older than the device's first session, a rerun with no new
data, and right-to-erasure requests. The expected sessions and users are also checked by hand.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_harness import DbtProject, compare_tables

CORE_SELECTION = ("--select", "+dim_users", "+fct_quarantined_events", "+fct_unmapped_event_names")
CORE_TABLES = (
    "fct_events",
    "fct_sessions",
    "dim_users",
    "int_identity_map",
    "int_identity_pairs_daily",
    "int_erased_identities",
    "fct_quarantined_events",
    "fct_unmapped_event_names",
)
TECHNICAL_COLUMNS = ("processed_at",)
COLUMNS = (
    "event_id",
    "event_name",
    "event_timestamp",
    "user_id",
    "anonymous_id",
    "page_url",
    "properties",
    "loaded_at",
)


@dataclass
class Batch:
    """One raw file: its load time and rows (event id, name, time, user id, anonymous id)."""

    name: str
    loaded_at: str
    rows: list[tuple[str, str, str, str | None, str | None]] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)

    def write(self, folder: Path) -> None:
        records = [
            (
                eid,
                name,
                ts,
                uid,
                aid,
                f"https://shop.example.com/{name}",
                self.properties.get(eid, "{}"),
            )
            for eid, name, ts, uid, aid in self.rows
        ]
        random.Random(self.name).shuffle(records)  # rows out of order inside the file
        with duckdb.connect() as con:
            con.execute(
                "create table batch (event_id varchar, event_name varchar, event_timestamp timestamp, "
                "user_id varchar, anonymous_id varchar, page_url varchar, properties varchar, "
                "loaded_at timestamp)"
            )
            con.executemany(
                "insert into batch values (?, ?, ?, ?, ?, ?, ?, ?)",
                [(*record, self.loaded_at) for record in records],
            )
            con.execute(f"copy batch to '{folder / (self.name + '.parquet')}' (format parquet)")


def schedule() -> list[Batch]:
    day1 = Batch("b1-day1", "2026-03-01 23:00:00")
    day1.rows += [
        # a1: one session of three events
        ("a1-1", "page_view", "2026-03-01 10:00:00", None, "a1"),
        ("a1-2", "page_view", "2026-03-01 10:10:00", None, "a1"),
        ("a1-3", "page_view", "2026-03-01 10:20:00", None, "a1"),
        # a2: two sessions an hour apart (a late event will bridge them)
        ("a2-1", "page_view", "2026-03-01 10:00:00", None, "a2"),
        ("a2-2", "page_view", "2026-03-01 10:25:00", None, "a2"),
        ("a2-4", "page_view", "2026-03-01 11:20:00", None, "a2"),
        # a3: a shared device, u1 then u2 within minutes
        ("a3-1", "sign_in", "2026-03-01 12:00:00", "u1", "a3"),
        ("a3-2", "page_view", "2026-03-01 12:05:00", None, "a3"),
        ("a3-3", "sign_in", "2026-03-01 12:10:00", "u2", "a3"),
        ("a3-4", "page_view", "2026-03-01 12:12:00", None, "a3"),
        # a4: events that will be re-sent
        ("a4-1", "page_view", "2026-03-01 13:00:00", None, "a4"),
        ("a4-2", "cart_viewed", "2026-03-01 13:02:00", None, "a4"),
        # a server-side event of u1 (no anonymous id)
        ("u1-s1", "order_completed", "2026-03-01 14:00:00", "u1", None),
        # a5: a device only ever seen anonymously
        ("a5-1", "page_view", "2026-03-01 15:00:00", None, "a5"),
    ]
    day2 = Batch("b2-day2", "2026-03-02 23:00:00")
    day2.rows += [
        ("a2-3", "page_view", "2026-03-01 10:50:00", None, "a2"),  # late: bridges a2's sessions
        ("a1-4", "page_view", "2026-03-02 09:00:00", None, "a1"),
        ("a4-1", "page_view", "2026-03-01 13:00:00", None, "a4"),  # re-sent, same content
        ("a4-2", "cart_viewed", "2026-03-01 19:45:00", None, "a4"),  # re-sent, other content
        ("a6-1", "page_view", "2026-03-02 16:00:00", None, "a6"),
        ("a6-2", "product_viewed", "2026-03-02 16:03:00", None, "a6"),
        ("a6-3", "page_view", "2026-03-03 08:00:00", None, "a6"),
    ]
    day2.properties["a4-2"] = '{"changed": true}'
    after_pause = Batch("b3-after-pause", "2026-03-12 23:00:00")
    after_pause.rows += [
        ("a6-4", "sign_in", "2026-03-12 09:00:00", "u6", "a6"),  # identify 10 days after browsing
        ("a1-0", "page_view", "2026-03-01 09:50:00", None, "a1"),  # older than a1's first event
        ("a1-2b", "page_view", "2026-03-01 10:05:00", None, "a1"),  # 11 days late, mid-session
        ("a7-1", "page_view", "2026-03-04 10:00:00", None, "a7"),  # an offline device catching up
        ("a7-2", "page_view", "2026-03-04 10:40:00", None, "a7"),
        ("a7-3", "page_view", "2026-03-05 10:00:00", "u7", "a7"),
        ("a8-1", "page_view", "2026-03-12 10:00:00", None, "a8"),
    ]
    return [day1, day2, after_pause]


@dataclass
class Step:
    batch: Batch | None  # None: a rerun with no new data
    erasures: list[tuple[str | None, str | None]] = field(default_factory=list)


STEPS = [
    Step(schedule()[0]),
    Step(schedule()[1]),
    Step(None),
    Step(schedule()[2]),
    Step(None, erasures=[("u1", None), (None, "a5")]),
]


def erasure_relation(folder: Path, erasures: list[tuple[str | None, str | None]]) -> str:
    path = folder / "erasure_requests.csv"
    lines = ["user_id,anonymous_id,requested_at"]
    lines += [f"{u or ''},{a or ''},2026-03-13 00:00:00" for u, a in erasures]
    path.write_text("\n".join(lines) + "\n")
    return (
        f"read_csv('{path}', header = true, columns = "
        "{'user_id': 'varchar', 'anonymous_id': 'varchar', 'requested_at': 'timestamp'})"
    )


def table_names(project: DbtProject) -> list[str]:
    return [
        row[0]
        for row in project.query(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE' "
            "and table_name not like 'journey_%' order by 1"
        )
    ]


def differences(full: DbtProject, incremental: DbtProject) -> dict[str, tuple[int, int]]:
    found = {}
    for table in table_names(full):
        only_full, only_incremental = compare_tables(full, incremental, table, TECHNICAL_COLUMNS)
        if only_full or only_incremental:
            found[table] = (only_full, only_incremental)
    return found


@pytest.fixture(scope="module")
def schedule_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Runs the schedule once; returns per-step comparisons and the final projects."""
    root = tmp_path_factory.mktemp("schedule")
    live = root / "live"
    live.mkdir()
    incremental = DbtProject(
        workdir=root / "incremental",
        base_vars={"journey__generic_events_path": f"{live}/*.parquet"},
    )
    incremental.run("seed")
    results: list[dict[str, Any]] = []
    full = incremental
    for index, step in enumerate(STEPS):
        if step.batch is not None:
            step.batch.write(live)
        step_vars = {"journey__erasure_relation": erasure_relation(root, step.erasures)}
        written_before = incremental.query("select count(*) from information_schema.tables")
        incremental.run("run", *CORE_SELECTION, vars=step_vars)
        full = DbtProject(
            workdir=root / f"full-{index}",
            base_vars={"journey__generic_events_path": f"{live}/*.parquet"},
        )
        full.run("seed")
        full.run("run", "--full-refresh", *CORE_SELECTION, vars=step_vars)
        results.append(
            {
                "tables": set(table_names(full)),
                "differences": differences(full, incremental),
                "runs": incremental.query("select count(distinct processed_at) from fct_events")[0][
                    0
                ],
                "latest_rows": incremental.query(
                    "select count(*) from fct_events "
                    "where processed_at = (select max(processed_at) from fct_events)"
                )[0][0],
                "had_tables": written_before[0][0] > 0,
            }
        )
    return {"steps": results, "incremental": incremental, "full": full, "live": live}


@pytest.mark.parametrize("step", range(len(STEPS)))
def test_each_load_equals_a_full_refresh(schedule_run: dict[str, Any], step: int) -> None:
    result = schedule_run["steps"][step]
    assert set(CORE_TABLES) <= result["tables"]
    assert result["differences"] == {}


def test_runs_were_incremental_and_a_rerun_writes_nothing(schedule_run: dict[str, Any]) -> None:
    steps = schedule_run["steps"]
    assert steps[-1]["runs"] > 1
    # the rerun with no new data (step 3) rewrote no event: its newest rows are step 2's
    assert steps[2]["latest_rows"] == steps[1]["latest_rows"]


def sessions_of(project: DbtProject, actor: str) -> list[tuple[Any, ...]]:
    return project.query(
        "select session_started_at::varchar, event_count, user_id from fct_sessions "
        f"where actor_id = '{actor}' order by session_started_at"
    )


def test_planted_cases_by_hand(schedule_run: dict[str, Any]) -> None:
    project: DbtProject = schedule_run["incremental"]
    # the 10:50 event that arrived a day late bridges a2's two sessions (gaps 25, 25, 30 min)
    assert sessions_of(project, "a2") == [("2026-03-01 10:00:00", 4, "a2")]
    # a1's events 09:50 and 10:05 arrived eleven days late; one session of five events
    assert sessions_of(project, "a1")[0] == ("2026-03-01 09:50:00", 5, "a1")
    # the re-sent a4-2 with other content lost to the first loaded copy
    assert project.query(
        "select event_at::varchar, properties from fct_events where event_id = 'a4-2'"
    ) == [("2026-03-01 13:02:00", "{}")]
    # the identify ten days after browsing stitched a6's whole history to u6
    assert project.query("select distinct user_id from fct_events where anonymous_id = 'a6'") == [
        ("u6",)
    ]
    # a7 caught up after the pause: 10:00 and 10:40 are two sessions (40 min gap), then u7's
    assert [row[:2] for row in sessions_of(project, "a7")] == [
        ("2026-03-04 10:00:00", 1),
        ("2026-03-04 10:40:00", 1),
        ("2026-03-05 10:00:00", 1),
    ]


def test_shared_device_switching_user_starts_a_session(tmp_path: Path) -> None:
    """Before erasure: a3's u1 and u2 each get their own session, anonymous events included."""
    live = tmp_path / "live"
    live.mkdir()
    schedule()[0].write(live)
    project = DbtProject(
        workdir=tmp_path / "p", base_vars={"journey__generic_events_path": f"{live}/*.parquet"}
    )
    project.run("seed")
    project.run("run", *CORE_SELECTION)
    assert sessions_of(project, "a3") == [
        ("2026-03-01 12:00:00", 2, "u1"),
        ("2026-03-01 12:10:00", 2, "u2"),
    ]
    assert project.query(
        "select event_id, user_id, identity_source from fct_events where anonymous_id = 'a3' order by event_at"
    ) == [
        ("a3-1", "u1", "tracked"),
        ("a3-2", "u1", "session"),
        ("a3-3", "u2", "tracked"),
        ("a3-4", "u2", "session"),
    ]
    # every user key of the events is a user in dim_users
    assert project.query(
        "select count(*) from fct_events where user_id not in (select user_id from dim_users)"
    ) == [(0,)]


def test_erasure_removes_the_people_and_nothing_else(schedule_run: dict[str, Any]) -> None:
    project: DbtProject = schedule_run["incremental"]
    for table, columns in {
        "fct_events": ("user_id", "tracked_user_id", "anonymous_id"),
        "fct_sessions": ("user_id", "tracked_user_id", "anonymous_id"),
        "dim_users": ("user_id",),
        "int_identity_map": ("user_id", "anonymous_id"),
        "int_identity_pairs_daily": ("user_id", "anonymous_id"),
    }.items():
        for column in columns:
            found = project.query(f"select count(*) from {table} where {column} in ('u1', 'a5')")[
                0
            ][0]
            assert found == 0, f"{table}.{column} still holds an erased identity"
    # u1's tracked events and the device's anonymous events are gone; u2's own event stays
    assert project.query("select event_id, user_id from fct_events where anonymous_id = 'a3'") == [
        ("a3-3", "u2")
    ]
    # everyone else is untouched: the same rows as before the erasure
    before = schedule_run["steps"][3]
    assert before["differences"] == {}
    remaining = project.query("select count(*) from fct_events")[0][0]
    loaded = len({row[0] for batch in schedule() for row in batch.rows})
    erased = {"a3-1", "a3-2", "a3-4", "u1-s1", "a5-1"}
    assert remaining == loaded - len(erased)


def test_changed_history_setting_is_refused(schedule_run: dict[str, Any]) -> None:
    project: DbtProject = schedule_run["incremental"]
    result = project.run(
        "run",
        "--select",
        "fct_events",
        vars={"journey__session_timeout_minutes": 45},
        expect_ok=False,
    )
    assert not result.success
    message = " ".join(str(r.message) for r in result.result.results)
    assert "journey__session_timeout_minutes" in message
    assert "--full-refresh" in message


def test_comparison_catches_a_missing_late_event(
    schedule_run: dict[str, Any], tmp_path: Path
) -> None:
    """Negative control: the same schedule without the late a1 events differs from the full build."""
    live = tmp_path / "live"
    live.mkdir()
    batches = schedule()
    batches[2].rows = [row for row in batches[2].rows if row[0] not in {"a1-0", "a1-2b"}]
    for batch in batches:
        batch.write(live)
    project = DbtProject(
        workdir=tmp_path / "p", base_vars={"journey__generic_events_path": f"{live}/*.parquet"}
    )
    project.run("seed")
    project.run(
        "run",
        "--full-refresh",
        *CORE_SELECTION,
        vars={"journey__erasure_relation": erasure_relation(tmp_path, STEPS[-1].erasures)},
    )
    found = differences(schedule_run["full"], project)
    # the two missing rows, and a1-1..a1-3 whose session then starts at 10:00, not 09:50
    assert found.get("fct_events", (0, 0))[0] == 5
    assert "fct_sessions" in found


def test_removed_lookback_var_is_refused(schedule_run: dict[str, Any]) -> None:
    project: DbtProject = schedule_run["incremental"]
    result = project.run(
        "run", "--select", "fct_events", vars={"journey__lookback_hours": 72}, expect_ok=False
    )
    assert not result.success
    # refused while dbt parses the project, before any model runs
    message = str(result.exception)
    assert "journey__lookback_hours" in message and "removed" in message
