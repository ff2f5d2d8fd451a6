"""A tracker table that is missing, or is not the tracker's table, stops the run with a message
that names the source (and the table or file); and the tracker staging models follow the
project's structure rules (one source each, no model read) when they are switched on."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from dbt_harness import DbtProject

FIXTURES = Path(__file__).parent / "fixtures"
SEGMENT = FIXTURES / "segment" / "synthetic"
GA4 = FIXTURES / "ga4" / "synthetic"
SNOWPLOW = FIXTURES / "snowplow" / "synthetic"
TRACKER_MODELS = [
    "stg_segment__tracks",
    "stg_segment__pages",
    "stg_segment__screens",
    "stg_segment__identifies",
    "stg_ga4__events",
    "stg_snowplow__events",
]


def drop_column(source: Path, target: Path, column: str) -> None:
    with source.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields = [name for name in reader.fieldnames or [] if name != column]
        rows = list(reader)
    with target.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def messages(result: Any) -> dict[str, str]:
    """Model name -> error message of each failed node."""
    found = {}
    for node_result in result.result.results or []:
        if str(node_result.status).lower() == "error":
            found[node_result.node.name] = str(node_result.message)
    return found


def run_models(workdir: Path, variables: dict[str, Any]) -> tuple[DbtProject, dict[str, str]]:
    project = DbtProject(
        workdir=workdir,
        base_vars={
            "journey__source_generic_enabled": False,
            "journey__source_segment_enabled": True,
            "journey__source_ga4_enabled": True,
            "journey__source_snowplow_enabled": True,
            "journey__segment_format": "csv",
            "journey__snowplow_events_format": "csv",
            **variables,
        },
    )
    result = project.run("run", "--select", *TRACKER_MODELS, expect_ok=False)
    assert not result.success
    return project, messages(result)


@pytest.fixture(scope="module")
def missing_tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, dict[str, str]]:
    """Segment: tracks and identifies exist, but the listed pages table and per-event table
    order_completed have no files; Snowplow: the configured file does not exist; GA4: the start
    date var is not a shard date (GA4's missing files take the same check as Snowplow's)."""
    workdir = tmp_path_factory.mktemp("missing")
    segment = workdir / "segment"
    segment.mkdir()
    for table in ["tracks", "identifies"]:
        (segment / f"{table}.csv").write_bytes((SEGMENT / f"{table}.csv").read_bytes())
    nowhere = workdir / "nowhere"
    return run_models(
        workdir,
        {
            "journey__segment_path": str(segment / "{table}.csv"),
            "journey__segment_tables": ["tracks", "pages", "identifies"],
            "journey__segment_event_tables": ["order_completed"],
            "journey__ga4_events_path": str(nowhere / "events_*.json"),
            "journey__ga4_start_date": "2024-03-01",
            "journey__snowplow_events_path": str(nowhere / "events.csv"),
        },
    )


@pytest.fixture(scope="module")
def wrong_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Each tracker pointed at a table that lacks a column the tracker always has."""
    workdir = tmp_path_factory.mktemp("wrong")
    segment = workdir / "segment"
    segment.mkdir()
    drop_column(SEGMENT / "tracks.csv", segment / "tracks.csv", "event")
    for table in ["pages", "identifies"]:
        (segment / f"{table}.csv").write_bytes((SEGMENT / f"{table}.csv").read_bytes())
    ga4 = workdir / "not_ga4.jsonl"
    ga4.write_text(json.dumps({"name": "page_view", "time": "2024-03-01T10:00:00Z"}) + "\n")
    snowplow = workdir / "snowplow.csv"
    drop_column(SNOWPLOW / "events.csv", snowplow, "domain_sessionid")
    _, found = run_models(
        workdir,
        {
            "journey__segment_path": str(segment / "{table}.csv"),
            "journey__ga4_events_path": str(ga4),
            "journey__snowplow_events_path": str(snowplow),
        },
    )
    return found


def test_missing_tables_are_named(missing_tables: tuple[DbtProject, dict[str, str]]) -> None:
    _, found = missing_tables
    assert set(found) == {
        "stg_segment__tracks",
        "stg_segment__pages",
        "stg_ga4__events",
        "stg_snowplow__events",
    }
    assert (
        "the source segment.order_completed (per-event table) was not found"
        in found["stg_segment__tracks"]
    )
    assert "order_completed.csv" in found["stg_segment__tracks"]
    assert "journey__segment_event_tables" in found["stg_segment__tracks"]
    assert "the source segment.pages was not found" in found["stg_segment__pages"]
    assert "pages.csv" in found["stg_segment__pages"]
    assert (
        "journey__ga4_start_date must be a date as YYYYMMDD (the shard suffix), got '2024-03-01'"
        in found["stg_ga4__events"]
    )
    assert (
        "the source snowplow.events was not found: no file matches" in found["stg_snowplow__events"]
    )
    assert "journey__snowplow_events_path" in found["stg_snowplow__events"]


def test_wrong_tables_name_the_missing_columns(wrong_tables: dict[str, str]) -> None:
    assert set(wrong_tables) == {"stg_segment__tracks", "stg_ga4__events", "stg_snowplow__events"}
    assert "segment.tracks" in wrong_tables["stg_segment__tracks"]
    assert "lacks required column(s): event." in wrong_tables["stg_segment__tracks"]
    assert "ga4.events" in wrong_tables["stg_ga4__events"]
    assert (
        "lacks required column(s): event_name, event_timestamp" in wrong_tables["stg_ga4__events"]
    )
    assert "snowplow.events" in wrong_tables["stg_snowplow__events"]
    assert "lacks required column(s): domain_sessionid" in wrong_tables["stg_snowplow__events"]


def test_tracker_models_follow_the_structure_rules(
    missing_tables: tuple[DbtProject, dict[str, str]],
) -> None:
    project, _ = missing_tables
    manifest = json.loads((project.workdir / "target" / "manifest.json").read_text())
    nodes = manifest["nodes"]
    for name in TRACKER_MODELS:
        node = nodes[f"model.journey.{name}"]
        parents = node["depends_on"]["nodes"]
        sources = [p for p in parents if p.startswith("source.")]
        models = [p for p in parents if p.startswith("model.")]
        assert models == [], name
        # a Segment table left out of journey__segment_tables reads nothing (no rows)
        assert len(sources) == (0 if name == "stg_segment__screens" else 1), name
        assert node["description"].strip(), name
        assert all(c["description"].strip() for c in node["columns"].values()), name
    unioned = nodes["model.journey.int_events_unioned"]["depends_on"]["nodes"]
    assert sorted(unioned) == sorted(f"model.journey.{name}" for name in TRACKER_MODELS)
