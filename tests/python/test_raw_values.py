"""Raw values are never silently changed.

A catalogue of bad rows (fixtures/core/bad_values.csv, one realistic case a row) is loaded as
CSV, as Parquet with string columns, and (for the cases where a column type matters) as Parquet
with typed columns. Each case must end as its hand-written outcome in
fixtures/core/bad_values_expected.csv: converted correctly, quarantined with a named reason, or
kept with value_issues naming what was wrong and the value as sent in its *_raw column.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_harness import DbtProject

FIXTURES = Path(__file__).parent / "fixtures" / "core"
CATALOGUE = FIXTURES / "bad_values.csv"
EXPECTED = FIXTURES / "bad_values_expected.csv"

BUILD_ARGS = (
    "build",
    "--select",
    "+fct_events",
    "+fct_quarantined_events",
    "+fct_event_value_issues",
    "--exclude",
    "resource_type:unit_test",
    "--indirect-selection",
    "cautious",
    "--full-refresh",
)

# The typed columns the kept rows are compared on, in the order of the expected table.
VALUE_COLUMNS = (
    "event_at",
    "event_name",
    "user_id",
    "anonymous_id",
    "sequence_number",
    "revenue",
    "currency",
    "properties",
    "loaded_at",
)

RAW_COLUMNS = {
    "user_id_raw": "user_id",
    "anonymous_id_raw": "anonymous_id",
    "sequence_number_raw": "sequence_number",
    "revenue_raw": "revenue",
    "currency_raw": "currency",
    "properties_raw": "properties",
    "loaded_at_raw": "loaded_at",
}


def _catalogue_rows() -> list[dict[str, str]]:
    with CATALOGUE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _expected_rows() -> list[dict[str, str]]:
    with EXPECTED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write_string_parquet(target: Path) -> Path:
    """The catalogue as Parquet, every column VARCHAR and absent values as '' (not null)."""
    with duckdb.connect() as con:
        columns = [
            row[0]
            for row in con.execute(
                f"describe select * from read_csv('{CATALOGUE}', header = true, all_varchar = true)"
            ).fetchall()
        ]
        select = ", ".join(f"coalesce({name}, '') as {name}" for name in columns)
        con.execute(
            f"copy (select {select} from read_csv('{CATALOGUE}', header = true, "
            f"all_varchar = true)) to '{target}' (format parquet)"
        )
    return target


def _build(workdir: Path, path: Path, file_format: str) -> DbtProject:
    project = DbtProject(
        workdir=workdir,
        base_vars={
            "journey__generic_events_path": str(path),
            "journey__generic_events_format": file_format,
        },
    )
    project.run(*BUILD_ARGS)
    return project


@pytest.fixture(scope="module", params=["csv", "parquet_strings"])
def catalogue_project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> DbtProject:
    workdir = tmp_path_factory.mktemp(f"raw_values_{request.param}")
    if request.param == "csv":
        return _build(workdir, CATALOGUE, "csv")
    parquet = _write_string_parquet(workdir / "bad_values.parquet")
    return _build(workdir, parquet, "parquet")


def _issues(text: str | None, separator: str = ",") -> frozenset[str]:
    return frozenset(part for part in (text or "").split(separator) if part)


def _outcomes(project: DbtProject) -> list[tuple[Any, ...]]:
    """(event_id, outcome, reason, issues, *values) for every raw row, read from the marts."""
    kept = project.query(
        """
        select
            events.event_id, 'kept', null, issues.value_issues,
            cast(events.event_at as varchar), events.event_name, events.tracked_user_id,
            events.anonymous_id, events.sequence_number, cast(events.revenue as double),
            events.currency, events.properties, cast(events.loaded_at as varchar)
        from fct_events as events
        left join fct_event_value_issues as issues
            on events.event_id = issues.event_id
        """
    )
    quarantined = project.query(
        "select event_id, 'quarantined', quarantine_reason, value_issues "
        "from fct_quarantined_events"
    )
    rows = [(*row[:3], _issues(row[3]), *row[4:]) for row in kept]
    rows += [(*row[:3], _issues(row[3]), *([None] * len(VALUE_COLUMNS))) for row in quarantined]
    return rows


def _expected_outcomes() -> list[tuple[Any, ...]]:
    rows = []
    for row in _expected_rows():
        values: list[Any] = [row[name] or None for name in VALUE_COLUMNS]
        if values[4] is not None:
            values[4] = int(values[4])
        if values[5] is not None:
            values[5] = float(values[5])
        rows.append(
            (
                row["event_id"],
                row["outcome"],
                row["quarantine_reason"] or None,
                _issues(row["value_issues"], ";"),
                *values,
            )
        )
    return rows


def _key(row: tuple[Any, ...]) -> tuple[str, str]:
    return (str(row[0]), str(row[1]))


def test_catalogue_covers_the_expected_table() -> None:
    """Every raw row has one hand-written outcome (same ids, same multiplicity)."""
    raw_ids = Counter(row["event_id"] for row in _catalogue_rows())
    expected_ids = Counter(row["event_id"] for row in _expected_rows())
    assert raw_ids == expected_ids
    assert len(raw_ids) >= 33


def test_every_case_has_its_outcome(catalogue_project: DbtProject) -> None:
    actual = sorted(_outcomes(catalogue_project), key=_key)
    expected = sorted(_expected_outcomes(), key=_key)
    assert [_key(row) for row in actual] == [_key(row) for row in expected]
    mismatches = []
    for got, want in zip(actual, expected, strict=True):
        names = ("event_id", "outcome", "quarantine_reason", "value_issues", *VALUE_COLUMNS)
        for name, got_value, want_value in zip(names, got, want, strict=True):
            if name == "revenue" and got_value is not None and want_value is not None:
                same = math.isclose(got_value, want_value, abs_tol=1e-9)
            else:
                same = got_value == want_value
            if not same:
                mismatches.append(f"{got[0]} {name}: got {got_value!r}, expected {want_value!r}")
    assert not mismatches, "\n".join(mismatches)


def test_rows_are_conserved(catalogue_project: DbtProject) -> None:
    raw_rows = len(_catalogue_rows())
    kept = catalogue_project.query("select count(*) from fct_events")[0][0]
    quarantined = catalogue_project.query("select count(*) from fct_quarantined_events")[0][0]
    assert kept + quarantined == raw_rows


def test_flagged_values_are_kept_as_sent(catalogue_project: DbtProject) -> None:
    """Each flagged event's *_raw columns hold exactly the text of the raw row."""
    sent = {row["event_id"]: row for row in _catalogue_rows() if row["event_id"] != "r56"}
    columns = ", ".join(RAW_COLUMNS)
    flagged = catalogue_project.query(f"select event_id, {columns} from fct_event_value_issues")
    assert len(flagged) >= 20
    for event_id, *raw_values in flagged:
        for (raw_column, source_column), value in zip(RAW_COLUMNS.items(), raw_values, strict=True):
            # an absent value is null in the CSV and '' in the string Parquet
            assert (value or "") == sent[event_id][source_column], (event_id, raw_column)


# ---- typed Parquet: the cases where a column's type changes what staging receives ----------

# (event_id, event_timestamp as TIMESTAMPTZ text, revenue DOUBLE, sequence_number DOUBLE,
#  expected event_at UTC, expected revenue, expected sequence_number, expected value_issues)
TYPED_CASES = [
    ("t1", "2026-01-05 10:00:00+05:00", 12.5, 2.0, "2026-01-05 05:00:00", 12.5, 2, set()),
    (
        "t2",
        "2026-01-05 10:00:00-08:00",
        float("nan"),
        1.5,
        "2026-01-05 18:00:00",
        None,
        None,
        {"revenue_not_finite", "sequence_number_not_an_integer"},
    ),
    (
        "t3",
        "2026-01-05 10:00:00+00:00",
        float("inf"),
        3.0,
        "2026-01-05 10:00:00",
        None,
        3,
        {"revenue_not_finite"},
    ),
    (
        "t4",
        "2026-01-05 23:00:00-02:00",
        1e30,
        None,
        "2026-01-06 01:00:00",
        None,
        None,
        {"revenue_out_of_range"},
    ),
    ("t5", "2026-01-05 10:00:00+01:00", -3.0, None, "2026-01-05 09:00:00", -3.0, None, set()),
]


@pytest.fixture(scope="module")
def typed_project(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    workdir = tmp_path_factory.mktemp("raw_values_typed")
    target = workdir / "typed.parquet"
    with duckdb.connect() as con:
        con.execute(
            "create table typed (event_id varchar, event_name varchar, "
            "event_timestamp timestamptz, user_id varchar, anonymous_id varchar, "
            "sequence_number double, revenue double, currency varchar, loaded_at timestamp)"
        )
        for event_id, stamp, revenue, sequence, *_ in TYPED_CASES:
            con.execute(
                "insert into typed values (?, 'purchase', cast(? as timestamptz), null, ?, ?, ?, "
                "'USD', timestamp '2026-01-06 12:00:00')",
                [event_id, stamp, f"a_{event_id}", sequence, revenue],
            )
        con.execute(f"copy typed to '{target}' (format parquet)")
    return _build(workdir, target, "parquet")


def test_typed_parquet_cases(typed_project: DbtProject) -> None:
    rows = typed_project.query(
        """
        select
            events.event_id, cast(events.event_at as varchar), cast(events.revenue as double),
            events.sequence_number, issues.value_issues
        from fct_events as events
        left join fct_event_value_issues as issues
            on events.event_id = issues.event_id
        order by 1
        """
    )
    expected = [
        (event_id, event_at, revenue, sequence, issues)
        for event_id, _, _, _, event_at, revenue, sequence, issues in TYPED_CASES
    ]
    assert [(r[0], r[1], r[2], r[3], set(_issues(r[4]))) for r in rows] == expected


def test_typed_timestamps_do_not_depend_on_the_session_time_zone(
    typed_project: DbtProject,
) -> None:
    """The staging view gives the same UTC instants when read in another time zone."""
    with duckdb.connect(str(typed_project.database_path), read_only=True) as con:
        con.execute("set TimeZone = 'Asia/Kolkata'")
        rows = con.execute(
            "select event_id, cast(event_at as varchar) from stg_generic__events order by 1"
        ).fetchall()
    assert rows == [(case[0], case[4]) for case in TYPED_CASES]


def test_expected_instants_agree_with_python() -> None:
    """The expected UTC instants of the catalogue's offset timestamps, rechecked with Python's
    own ISO-8601 parser (an independent implementation of the offset arithmetic)."""
    expected = {row["event_id"]: row["event_at"] for row in _expected_rows()}
    checked = 0
    for row in _catalogue_rows():
        text = row["event_timestamp"].strip()
        if not expected.get(row["event_id"]) or not re.search(
            r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)$", text
        ):
            continue
        parsed = datetime.fromisoformat(text)
        instant = parsed.astimezone(UTC).replace(tzinfo=None)
        assert instant == datetime.fromisoformat(expected[row["event_id"]]), row["case_name"]
        checked += 1
    assert checked >= 6


# ---- tracker sources: the identity rules apply to them too ------------------------------------


def test_tracker_identities_follow_the_same_rules(tmp_path: Path) -> None:
    """A Snowplow export with a blank user id, placeholder ids and a padded user id."""
    events = tmp_path / "snowplow.csv"
    header = "event_id,event,event_name,collector_tstamp,user_id,domain_userid,domain_sessionid"
    rows = [
        "sp1,page_view,page_view,2024-03-01 08:00:00,   ,d1,s1",
        "sp2,page_view,page_view,2024-03-01 08:00:00,null,undefined,s2",
        "sp3,page_view,page_view,2024-03-01 08:00:00, u-9 ,d3,s3",
    ]
    events.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    project = DbtProject(
        workdir=tmp_path / "dbt",
        base_vars={
            "journey__source_generic_enabled": False,
            "journey__source_snowplow_enabled": True,
            "journey__snowplow_events_path": str(events),
            "journey__snowplow_events_format": "csv",
        },
    )
    project.run(*BUILD_ARGS)
    kept = project.query(
        "select events.event_id, events.tracked_user_id, events.anonymous_id, issues.value_issues,"
        " issues.user_id_raw from fct_events as events left join fct_event_value_issues as issues"
        " on events.event_id = issues.event_id order by 1"
    )
    assert kept == [
        ("sp1", None, "d1", "user_id_blank", "   "),
        ("sp3", "u-9", "d3", "user_id_trimmed", " u-9 "),
    ]
    quarantined = project.query(
        "select event_id, quarantine_reason, user_id, anonymous_id, value_issues"
        " from fct_quarantined_events"
    )
    assert quarantined == [
        (
            "sp2",
            "missing_identity",
            "null",
            "undefined",
            "user_id_placeholder,anonymous_id_placeholder",
        )
    ]
