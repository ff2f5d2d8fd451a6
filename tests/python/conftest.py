"""Shared pytest fixtures: a generated sample and a dbt workspace built on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dbt_harness import PROJECT_DIR, DbtProject

SAMPLE_ARGS = {"users": 600, "days": 21, "seed": 7}


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated sample (events + truth), made once per test session."""
    out = tmp_path_factory.mktemp("sample")
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_DIR / "scripts" / "generate_events.py"),
            "--users",
            str(SAMPLE_ARGS["users"]),
            "--days",
            str(SAMPLE_ARGS["days"]),
            "--seed",
            str(SAMPLE_ARGS["seed"]),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="session")
def sample_truth(sample_dir: Path) -> dict[str, Any]:
    return json.loads((sample_dir / "truth.json").read_text())


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> DbtProject:
    """The whole project built (seeds, models, unit and data tests) on the sample."""
    project = DbtProject(
        workdir=tmp_path_factory.mktemp("built"),
        base_vars={
            "journey__generic_events_path": str(sample_dir / "events" / "*.parquet"),
            # the sample's CRM table, as `make build` passes it (the win-back trigger's clusters)
            "journey__crm_cancellation_survey_path": str(sample_dir / "cancellation_survey.csv"),
            # the test sample spans 21 days: power users as of day 14, outcomes over the last 7
            # (the default 28-day window needs 29 days of data)
            "journey__power_user_outcome_days": 7,
        },
    )
    project.run("build", "--full-refresh", *extra_selection())
    return project


def extra_selection() -> list[str]:
    """Optional `--exclude` from JOURNEY_TEST_EXCLUDE (space-separated selectors), for local runs."""
    excluded = os.environ.get("JOURNEY_TEST_EXCLUDE", "").split()
    return ["--exclude", *excluded] if excluded else []
