"""Journey triggers on a hand-made fixture: exact fires, skips, outcomes and audiences, and
the same decisions whatever the build cadence.

The fixture (tests/python/fixtures/triggers/, expected values worked out by hand in its
README) is loaded in five steps by load time. After each step one project runs incrementally
on everything loaded so far and a second one rebuilds it with --full-refresh; every trigger
table must match both ways (the run that found a row aside). The steps cut through the cases a
scheduled build meets: windows still open (pending), a conversion that arrives late but
before the window's decision (cancels the fire) and one that arrives after it (the fire stays),
and a long catch-up. The last full build is then checked against the hand-worked decisions.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import trigger_fixture as fx
from dbt_harness import DbtProject, compare_tables

SELECTION = (
    "--select",
    "+fct_trigger_fires",
    "+fct_trigger_skips",
    "+fct_trigger_outcomes",
    "+fct_trigger_audience_changes",
    "dim_trigger_steps",
)
TRIGGER_TABLES = (
    "dim_trigger_steps",
    "int_trigger_entries",
    "int_trigger_decisions",
    "fct_trigger_fires",
    "fct_trigger_skips",
    "fct_trigger_outcomes",
    "fct_trigger_audiences",
)
# the load watermarks are compared too (their rows carry no user)
COMPARED_TABLES = (*TRIGGER_TABLES, "int_trigger_load_watermarks")
RUN_COLUMNS = ("run_id", "found_at", "processed_at", "recomputed_from_at")
# load-time cut-offs of the five steps
CUTOFFS = (
    "2026-03-03 00:00:00",  # the cart windows (closing 03-03 10:00) are open: pending
    "2026-03-03 10:00:30",  # ce's late order (loaded 09:59) is in, the windows still open
    "2026-03-04 00:00:00",  # the cart windows closed at the 10:01 load: ce exited, ck fired
    "2026-03-06 00:00:00",  # ck's order (event 03-02 20:00) arrives on 03-05: too late
    "2026-04-01 00:00:00",  # everything else, in one catch-up
)
# a row without a load time (it counts as loaded at its event time) that arrives with the
# catch-up: it raises the watermark at 03-05 12:00:30, so the windows ending in
# (03-05 11:00, 12:00:30] that the 12:01 load closed in step 4 close earlier; the decisions
# stored by step 4 must move with it (nothing else changes: no exit, cap or time zone moves)
LATE_UNSTAMPED = {
    "event_id": "zz-late-1",
    "event_name": "page_viewed",
    "event_timestamp": "2026-03-05 12:00:30",
    "user_id": "zz_late",
    "properties": "{}",
    "revenue": "",
    "currency": "",
    "loaded_at": None,
}
LATE_UNSTAMPED_STEP = 4


def decisions(project: DbtProject, table: str, columns: str) -> set[tuple[Any, ...]]:
    return set(project.query(f"select {columns} from {table}"))


@pytest.fixture(scope="module")
def cadence(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("triggers")
    live = root / "live"
    live.mkdir()
    base_vars = fx.project_vars(root, live)
    stepwise = DbtProject(workdir=root / "stepwise", base_vars=base_vars)
    full = DbtProject(workdir=root / "full", base_vars=base_vars)
    stepwise.run("seed")
    full.run("seed")
    rows = fx.events()
    previous = ""
    steps: list[dict[str, Any]] = []
    for index, cutoff in enumerate(CUTOFFS):
        earlier_cutoff = previous
        batch = [r for r in rows if previous < r["loaded_at"] <= cutoff]
        if index == LATE_UNSTAMPED_STEP:
            batch.append(LATE_UNSTAMPED)
        fx.write_batch(batch, live / f"batch-{index}.parquet")
        previous = cutoff
        stepwise.run("run", *SELECTION)
        full.run("run", "--full-refresh", *SELECTION)
        differences = {}
        for table in COMPARED_TABLES:
            only_full, only_stepwise = compare_tables(full, stepwise, table, RUN_COLUMNS)
            if only_full or only_stepwise:
                differences[table] = (only_full, only_stepwise)
        steps.append(
            {
                "run_ids": decisions(stepwise, "fct_trigger_fires", "fire_id, run_id"),
                "fires": decisions(stepwise, "fct_trigger_fires", "user_id, entry_event_id"),
                "skips": decisions(
                    stepwise, "fct_trigger_skips", "user_id, entry_event_id, skip_reason"
                ),
                "pending": decisions(
                    stepwise,
                    "int_trigger_decisions",
                    "user_id, entry_event_id, step_name, status",
                ),
                "moments": decisions(
                    stepwise,
                    "int_trigger_decisions",
                    "user_id, step_name, strftime(decided_at_load, '%Y-%m-%d %H:%M:%S')",
                ),
                "differences": differences,
                # where this run's watermark rows were recomputed from, and how many fct_events
                # rows loaded before the previous cut-off this run wrote again
                "recomputed_from": stepwise.query(
                    "select strftime(min(recomputed_from_at), '%Y-%m-%d %H:%M:%S') "
                    "from int_trigger_load_watermarks where processed_at = "
                    "(select max(processed_at) from int_trigger_load_watermarks)"
                )[0][0],
                "rewritten_old_rows": stepwise.query(
                    "select count(*) from fct_events where processed_at = "
                    "(select max(processed_at) from fct_events) "
                    f"and loaded_at <= '{earlier_cutoff or '0001-01-01'}'"
                )[0][0],
            }
        )
    return {"steps": steps, "stepwise": stepwise, "full": full, "root": root}


@pytest.mark.parametrize("step", range(len(CUTOFFS)))
def test_each_step_equals_a_full_rebuild(cadence: dict[str, Any], step: int) -> None:
    assert cadence["steps"][step]["differences"] == {}


def test_late_conversion_before_the_decision_cancels_and_after_it_does_not(
    cadence: dict[str, Any],
) -> None:
    steps = cadence["steps"]
    # steps 1-2: the cart windows closing 03-03 10:00 are pending, neither fired nor skipped
    for step in steps[:2]:
        assert ("ca", "ca-1") not in step["fires"]
        assert ("ce", "ce-1", "exited") not in step["skips"]
        assert ("ca", "ca-1", "email", "pending") in step["pending"]
    # step 2 already holds ce's late order (loaded 09:59): the window closes at the 10:01 load
    assert ("ce", "ce-1", "exited") in steps[2]["skips"]
    assert ("ck", "ck-1") in steps[2]["fires"]
    # ck's order (event 03-02 20:00) loaded on 03-05, after the decision: the fire stays, with
    # the id and the run that first found it
    ck_fire = fx.fire_id("cart_abandoned_high_value", "email", "ck", "ck-1")
    found_by = {run for fid, run in steps[2]["run_ids"] if fid == ck_fire}
    assert len(found_by) == 1
    for step in steps[3:]:
        assert ("ck", "ck-1") in step["fires"]
        assert {run for fid, run in step["run_ids"] if fid == ck_fire} == found_by
    # and a run after the late event still does not exit it
    assert not any(u == "ck" for u, _, _ in steps[-1]["skips"])


def test_the_watermark_closes_windows_of_users_without_new_rows(
    cadence: dict[str, Any],
) -> None:
    """ca's cart window (closing 03-03 10:00) is decided in step 3, whose batch holds no row of
    ca: only the clock's loads move the watermark past it."""
    steps = cadence["steps"]
    step_three = [r for r in fx.events() if CUTOFFS[1] < r["loaded_at"] <= CUTOFFS[2]]
    assert step_three and not [r for r in step_three if r["user_id"] == "ca"]
    assert ("ca", "ca-1", "email", "pending") in steps[1]["pending"]
    assert ("ca", "ca-1", "email", "fired") in steps[2]["pending"]
    assert ("ca", "email", "2026-03-03 10:01:00") in steps[2]["moments"]


def test_a_late_unstamped_row_moves_stored_decision_moments(cadence: dict[str, Any]) -> None:
    """Step 4 decided the windows ending at 03-05 12:00 at the 12:01 load; the catch-up brings a
    row without load time at 12:00:30 (loaded then), which closes them at 12:00:30 instead."""
    steps = cadence["steps"]
    for user, step in (("ta", "case_study"), ("tb", "case_study"), ("ka", "offer")):
        assert (user, step, "2026-03-05 12:01:00") in steps[3]["moments"]
        assert (user, step, "2026-03-05 12:00:30") in steps[4]["moments"]
    # a window ending before the rewritten range keeps its moment
    assert ("sa", "email", "2026-03-02 11:01:00") in steps[4]["moments"]


def test_rows_written_again_recompute_no_watermark(cadence: dict[str, Any]) -> None:
    """Steps 2 and 4 make fct_events write older rows again (devices re-sessionised or
    re-stitched: their load and event times unchanged); the watermark rows are recomputed from
    the step's first new load moment, not from those rows' old loads. Step 5's row without a
    load time (03-05 12:00:30, before step 4's cut-off) is a real change: recomputed from it."""
    steps = cadence["steps"]
    assert steps[0]["recomputed_from"] == "0001-01-01 00:00:00"  # the first build: everything
    for index in (1, 3):
        assert steps[index]["rewritten_old_rows"] > 0
        assert steps[index]["recomputed_from"] > CUTOFFS[index - 1]
    assert steps[4]["recomputed_from"] == "2026-03-05 12:00:30"


def test_fires_exactly(cadence: dict[str, Any]) -> None:
    found = decisions(
        cadence["full"],
        "fct_trigger_fires",
        "trigger_name, step_name, user_id, entry_event_id, strftime(send_at, '%Y-%m-%d %H:%M:%S')",
    )
    probe = {row for row in found if row[0] == "holdout_probe"}
    assert found - probe == fx.EXPECTED_FIRES


def test_skips_exactly(cadence: dict[str, Any]) -> None:
    found = decisions(
        cadence["full"],
        "fct_trigger_skips",
        "trigger_name, step_name, user_id, entry_event_id, skip_reason",
    )
    probe = {row for row in found if row[0] == "holdout_probe"}
    assert found - probe == fx.EXPECTED_SKIPS


def test_fire_ids_and_columns(cadence: dict[str, Any]) -> None:
    rows = cadence["full"].query(
        "select fire_id, trigger_name, step_name, user_id, entry_event_id, arm, payload, "
        "strftime(condition_true_at, '%Y-%m-%d %H:%M:%S'), strftime(decided_at_load, '%Y-%m-%d %H:%M:%S'), "
        "time_zone from fct_trigger_fires where user_id in ('ca', 'qa')"
    )
    by_user = {row[3]: row for row in rows}
    for row in rows:
        assert row[0] == fx.fire_id(row[1], row[2], row[3], row[4])
    assert by_user["ca"][5:] == (
        "treatment",
        '{"template_id": "cart_one_click"}',
        "2026-03-03 10:00:00",
        # the clock's 10:00 event, loaded at 10:01, is the first to bring the watermark to 10:00
        "2026-03-03 10:01:00",
        "UTC",
    )
    assert by_user["qa"][7] == "2026-03-08 06:30:00"
    assert by_user["qa"][9] == "America/New_York"


def test_state_entry_immediate_step_and_payloads_from_data(cadence: dict[str, Any]) -> None:
    """winback: only home visits 30 - 60 days after a content-gap cancellation enter; step 1
    (offset 0) is decided at the load that brings the watermark to the visit; payloads read the
    state row (genre, offer tier by title views) and the entry event (page)."""
    full: DbtProject = cadence["full"]
    rows = full.query(
        "select step_name, user_id, entry_event_id, payload from int_trigger_decisions "
        "where trigger_name = 'winback'"
    )
    assert {(step, user, entry): json.loads(p) for step, user, entry, p in rows} == (
        fx.EXPECTED_WINBACK_PAYLOADS
    )
    # kc (price cluster), kd (61 days) and kb's visit 11 days after cancelling: no entry
    assert full.query(
        "select count(*) from int_trigger_entries where trigger_name = 'winback' "
        "and entry_event_id in ('kc-1', 'kd-1', 'kb-1')"
    ) == [(0,)]
    # the immediate step is decided at 12:01, the load of the 12:00 clock event
    assert full.query(
        "select strftime(condition_true_at, '%Y-%m-%d %H:%M'), "
        "strftime(decided_at_load, '%Y-%m-%d %H:%M') from fct_trigger_fires "
        "where trigger_name = 'winback' and user_id = 'ka' and step_name = 'ad'"
    ) == [("2026-03-02 12:00", "2026-03-02 12:01")]
    # the spec mart shows the state, the immediate step and the fixed part of the payload
    ((predicates, offset, payload),) = full.query(
        "select entry_predicates, offset_seconds, payload from dim_trigger_steps "
        "where trigger_name = 'winback' and step_name = 'ad'"
    )
    state = json.loads(predicates)["state"]
    assert (state["relation"], state["within"]) == (
        "dim_user_cancellation_clusters",
        {"column": "cancelled_at", "min_seconds": 30 * 86400, "max_seconds": 60 * 86400},
    )
    assert (offset, json.loads(payload)) == (0, {"template_id": "new_titles"})
    steps = cadence["steps"]
    assert ("ka", "ka-1") in steps[0]["fires"]
    for step in steps[:3]:
        assert ("ka", "ka-1", "offer", "pending") in step["pending"]
    assert ("ka", "ka-1", "offer", "fired") in steps[3]["pending"]


def test_holdout_arms_match_an_independent_hash(cadence: dict[str, Any]) -> None:
    rows = cadence["full"].query(
        "select user_id, arm, 'fired' from fct_trigger_fires "
        "where trigger_name = 'holdout_probe' "
        "union all select user_id, arm, skip_reason from fct_trigger_skips "
        "where trigger_name = 'holdout_probe'"
    )
    expected = {}
    for user in fx.PROBE_USERS:
        arm = fx.expected_arm(user, fx.PROBE_HOLDOUT)
        reason = {"global_control": "global_control", "control": "holdout"}.get(arm, "fired")
        expected[user] = (arm, reason)
    assert {user: (arm, reason) for user, arm, reason in rows} == expected
    # both groups are present, so the comparison is not vacuous
    assert {arm for arm, _ in expected.values()} == {"treatment", "control", "global_control"}
    # the outcome rows carry the same arms, one per fire and per control
    outcomes = cadence["full"].query(
        "select user_id, arm from fct_trigger_outcomes where trigger_name = 'holdout_probe'"
    )
    assert dict(outcomes) == {user: arm for user, (arm, _) in expected.items()}


def test_outcomes(cadence: dict[str, Any]) -> None:
    rows = cadence["full"].query(
        "select user_id, step_name, arm, was_sent, goal_reached, "
        "strftime(goal_at, '%Y-%m-%d %H:%M:%S'), goal_value from fct_trigger_outcomes "
        "where trigger_name in ('cart_abandoned_high_value', 'trial_disengaged') "
        "and user_id in ('cg', 'ck', 'pb', 'tb', 'ta')"
    )
    assert set(rows) == {
        # cg ordered 26 hours after the fire (inside 72 h): 80 USD
        ("cg", "email", "treatment", True, True, "2026-03-04 12:00:00", 80),
        # ck's order came before the fire's moment: no goal after it
        ("ck", "email", "treatment", True, False, None, 0),
        # pb's cart email was capped: still in the treatment arm, not sent
        ("pb", "email", "treatment", False, False, None, 0),
        # trial: the goal defaults to the exit events within 7 days; tb logged in on 03-06
        ("tb", "case_study", "treatment", True, True, "2026-03-06 12:00:00", 0),
        ("ta", "case_study", "treatment", True, False, None, 0),
        ("ta", "demo_offer", "treatment", True, False, None, 0),
        ("ta", "discount", "treatment", True, False, None, 0),
    }


def test_pending_windows_are_neither_fired_nor_skipped(cadence: dict[str, Any]) -> None:
    project = cadence["full"]
    assert project.query(
        "select step_name, status, skip_reason from int_trigger_decisions where user_id = 'pend'"
    ) == [("email", "pending", None)]
    for table in ("fct_trigger_fires", "fct_trigger_skips", "fct_trigger_outcomes"):
        assert project.query(f"select count(*) from {table} where user_id = 'pend'") == [(0,)]


def test_audiences_and_their_changes(cadence: dict[str, Any]) -> None:
    full: DbtProject = cadence["full"]
    stepwise: DbtProject = cadence["stepwise"]
    # as of the watermark (03-31 00:00) only cz's fire (sent 03-29 10:00) is within 7 days
    assert full.query(
        "select trigger_name, channel, user_id, strftime(as_of_at, '%Y-%m-%d %H:%M') "
        "from fct_trigger_audiences"
    ) == [("cart_abandoned_high_value", "email", "cz", "2026-03-31 00:00")]
    # replaying the stepwise project's changes run by run gives each run's audience
    changes = stepwise.query(
        "select run_id, changed_at, trigger_name, channel, user_id, change_type "
        "from fct_trigger_audience_changes order by changed_at, change_type"
    )
    members: set[tuple[str, str, str]] = set()
    for _, _, trigger, channel, user, change in changes:
        key = (trigger, channel, user)
        if change == "added":
            assert key not in members
            members.add(key)
        else:
            assert key in members
            members.remove(key)
    assert members == {("cart_abandoned_high_value", "email", "cz")}
    runs = {row[0] for row in changes}
    assert len(runs) >= 3
    # the last (catch-up) run removed the members of the 03-03..03-05 audiences
    removed_last = {row[4] for row in changes if row[0] == changes[-1][0] and row[5] == "removed"}
    assert {"ca", "ck"} <= removed_last


def test_unmatched_trigger_warns_with_its_name(cadence: dict[str, Any]) -> None:
    log = (cadence["full"].workdir / "logs" / "dbt.log").read_text()
    assert "trigger 'never_matches' matches nobody" in log
    assert "trigger 'promo' matches nobody" not in log


def test_print_trigger_spec_is_the_normalised_declaration(
    cadence: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    cadence["full"].run("run-operation", "print_trigger_spec")
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert len(printed) == 1
    spec = json.loads(printed[0])
    cart = next(t for t in spec["triggers"] if t["name"] == "cart_abandoned_high_value")
    assert cart["steps"][0]["offset_seconds"] == 86400
    assert cart["reentry"] == {"policy": "every", "seconds": 7 * 86400}
    assert cart["entry"]["where"] == [
        {"field": {"kind": "property", "name": "cart_value"}, "op": "gte", "value": 150}
    ]
    assert spec["global_control"] == fx.GLOBAL_CONTROL
    rows = cadence["full"].query(
        "select trigger_name, step_number, step_name, offset_seconds from dim_trigger_steps "
        "where trigger_name = 'trial_disengaged' order by step_number"
    )
    assert rows == [
        ("trial_disengaged", 1, "case_study", 3 * 86400),
        ("trial_disengaged", 2, "demo_offer", 6 * 86400),
        ("trial_disengaged", 3, "discount", 12 * 86400),
    ]


def test_unknown_event_name_is_refused_when_the_model_compiles(cadence: dict[str, Any]) -> None:
    """Not in the taxonomy seed and never seen in fct_events: refused naming trigger and key."""
    project: DbtProject = cadence["full"]
    bad = [
        *fx.TRIGGERS,
        {
            "name": "typo_trigger",
            "entry": "cart_viewed",
            "exit": "order_complete",
            "steps": [{"name": "email", "offset": "1 hour", "channel": "email"}],
        },
    ]
    result = project.run(
        "run", "--select", "int_trigger_entries", vars={"journey__triggers": bad}, expect_ok=False
    )
    assert not result.success
    message = " ".join(str(r.message) for r in result.result.results)
    assert "trigger 'typo_trigger'.exit: unknown event name 'order_complete'" in message
    # a name that is in neither the taxonomy nor the data, but the fixture's events are seen
    assert "document_upload_started" not in message


def test_erased_user_leaves_every_trigger_table(cadence: dict[str, Any]) -> None:
    """Right to erasure: after ca's request no trigger table holds ca; others are untouched.

    Runs last: it rebuilds the full project with the request.
    """
    project: DbtProject = cadence["full"]
    before = decisions(project, "fct_trigger_fires", "fire_id")
    requests = cadence["root"] / "erasure_requests.csv"
    requests.write_text("user_id,anonymous_id,requested_at\nca,,2026-04-01 00:00:00\n")
    relation = (
        f"read_csv('{requests}', header = true, columns = "
        "{'user_id': 'varchar', 'anonymous_id': 'varchar', 'requested_at': 'timestamp'})"
    )
    project.run("run", "--full-refresh", *SELECTION, vars={"journey__erasure_relation": relation})
    for table in TRIGGER_TABLES[1:]:
        assert project.query(f"select count(*) from {table} where user_id = 'ca'") == [(0,)]
    # an incremental run with the request equals it: ca's rows go, and the watermark is
    # recomputed (rows loaded before the run's new ones vanished)
    stepwise: DbtProject = cadence["stepwise"]
    stepwise.run("run", *SELECTION, vars={"journey__erasure_relation": relation})
    for table in COMPARED_TABLES:
        assert compare_tables(project, stepwise, table, RUN_COLUMNS) == (0, 0), table
    after = decisions(project, "fct_trigger_fires", "fire_id")
    assert before - after == {(fx.fire_id("cart_abandoned_high_value", "email", "ca", "ca-1"),)}
    assert after <= before
