"""Bad attribution settings fail at parse time with a message that names the var."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dbt_harness import DbtProject

CASES = {
    "journey__attribution_path_transforms": (["exposure", "bogus"], "unknown transform 'bogus'"),
    "journey__attribution_time_decay_half_life": ("7 weeks", "'7 days' or '12 hours'"),
    "journey__attribution_position_based_weights": ({"first": 0.7, "last": 0.4}, "x + y <= 1"),
    "journey__attribution_start_date": ("2026-02-30", "must be a date 'YYYY-MM-DD'"),
}


def failure_text(result: Any) -> str:
    parts = [str(result.exception)] if result.exception is not None else []
    for node_result in getattr(result.result, "results", None) or []:
        parts.append(str(node_result.message))
    return "\n".join(parts)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_setting_names_the_var(tmp_path: Path, name: str) -> None:
    value, fragment = CASES[name]
    project = DbtProject(workdir=tmp_path, base_vars={name: value})
    result = project.run("parse", expect_ok=False)
    assert not result.success
    text = failure_text(result)
    assert name in text
    assert fragment in text
