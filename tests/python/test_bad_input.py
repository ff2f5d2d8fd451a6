"""Bad input never disappears: each bad row is quarantined with its reason, and a missing
required column stops the run with a message that names it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from dbt_harness import DbtProject

FIXTURE = Path(__file__).parent / "fixtures" / "core" / "messy_events.csv"

# Hand-labelled from the fixture: raw row -> why it cannot be used (None: kept).
EXPECTED_REASONS = {
    "e7": "missing_timestamp",
    "e8": "unparseable_timestamp",
    "e9": "missing_identity",
    "e10": "timestamp_in_future",  # 2031, five years after its load time
    None: "missing_event_id",
    "e11": "missing_event_name",
    "e12": "timestamp_too_old",  # before journey__min_event_date (2000-01-01)
    "e5": "duplicate_event_id",  # the second copy, loaded later
}


@pytest.fixture(scope="module")
def messy_project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = DbtProject(
        workdir=tmp_path_factory.mktemp("messy"),
        base_vars={
            "journey__generic_events_path": str(FIXTURE),
            "journey__generic_events_format": "csv",
        },
    )
    project.run(
        "build",
        "--select",
        "+fct_quarantined_events",
        "+dim_users",
        "--indirect-selection",
        "cautious",
        "--full-refresh",
    )
    return project


def test_each_bad_row_is_quarantined_with_its_reason(messy_project: DbtProject) -> None:
    rows = messy_project.query(
        "select event_id, quarantine_reason from fct_quarantined_events order by 1"
    )
    assert {event_id: reason for event_id, reason in rows} == EXPECTED_REASONS


def test_rows_are_conserved(messy_project: DbtProject) -> None:
    with FIXTURE.open() as handle:
        raw_rows = sum(1 for _ in csv.DictReader(handle))
    kept = messy_project.query("select count(*) from fct_events")[0][0]
    quarantined = messy_project.query("select count(*) from fct_quarantined_events")[0][0]
    assert kept + quarantined == raw_rows
    assert kept == raw_rows - len(EXPECTED_REASONS)


def test_iso_timestamp_and_missing_load_time_are_valid(messy_project: DbtProject) -> None:
    rows = dict(
        messy_project.query(
            "select event_id, cast(event_at as varchar) from fct_events "
            "where event_id in ('e13', 'e14')"
        )
    )
    assert rows == {"e13": "2026-01-01 12:30:00", "e14": "2026-01-01 12:30:00"}


def test_missing_required_column_names_it(tmp_path: Path) -> None:
    broken = tmp_path / "no_anonymous_id.csv"
    with FIXTURE.open() as source, broken.open("w", newline="") as target:
        reader = csv.DictReader(source)
        fields = [name for name in reader.fieldnames or [] if name != "anonymous_id"]
        writer = csv.DictWriter(target, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(reader)
    project = DbtProject(
        workdir=tmp_path / "dbt",
        base_vars={
            "journey__generic_events_path": str(broken),
            "journey__generic_events_format": "csv",
        },
    )
    result = project.run("run", "--select", "stg_generic__events", expect_ok=False)
    assert not result.success
    messages = " ".join(str(r.message) for r in (result.result.results or []))
    messages += repr(result.exception)
    assert "lacks required column(s): anonymous_id" in messages
