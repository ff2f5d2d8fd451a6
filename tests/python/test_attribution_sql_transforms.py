"""fractribution's path-transformation unit cases on our path transforms and step limit.

Each transform runs through the macro the models use (journey.attribution_transform_path_ctes,
compiled once by dbt, executed here on DuckDB); the step limit (trim_long_path) runs through
the models. Data: fixtures/attribution_sql/fractribution (Apache-2.0, see its README).
"""

from __future__ import annotations

import csv

import duckdb
import pandas as pd
import pytest
from dbt_harness import DbtProject
from test_attribution_sql_conformance import BASE_VARS, FIXTURES, MODELS, load_fixture_tables

TRANSFORM_CASES = {
    # expected column -> transforms as attribution_config() normalises them
    "unique_path": [("unique", [])],
    "frequency_path": [("frequency", [])],
    "exposure_path": [("exposure", [])],
    "first_path": [("first", [])],
    "remove_if_not_all": [("remove_if_not_all", ["Direct"])],
    "remove_if_last_and_not_all": [("remove_if_last_and_not_all", ["Direct"])],
}


def transform_cases() -> tuple[list[list[str]], pd.DataFrame]:
    """Input paths split into channels ('' is one empty channel, as fractribution splits it)."""
    with (FIXTURES / "test_path_transformations_data.csv").open(newline="") as handle:
        paths = [row["path"] for row in csv.DictReader(handle)]
    expected = pd.read_csv(
        FIXTURES / "test_path_transformations_expected.csv", keep_default_na=False, dtype=str
    )
    assert list(expected["raw_array"]) == paths
    return [path.split(" > ") for path in paths], expected


@pytest.fixture(scope="module")
def steps_projects(tmp_path_factory: pytest.TempPathFactory) -> dict[int, DbtProject]:
    """The paths models run on the unit-test paths with lookback_steps 1 and 2."""
    channels, _ = transform_cases()
    sessions = pd.DataFrame(
        [
            {
                "session_id": f"p{path_id}-{index}",
                "user_id": f"p{path_id}",
                "session_started_at": pd.Timestamp("2022-07-01") + pd.Timedelta(hours=index),
                "channel": channel,
                "traffic_campaign": None,
                "traffic_source": None,
                "traffic_medium": None,
            }
            for path_id, path in enumerate(channels)
            for index, channel in enumerate(path)
        ]
    )
    events = pd.DataFrame(
        {
            "event_id": [f"c{path_id}" for path_id in range(len(channels))],
            "event_name": "transaction",
            "user_id": [f"p{path_id}" for path_id in range(len(channels))],
            "session_id": None,
            "event_at": pd.Timestamp("2022-07-02"),
            "revenue": 1.0,
            "currency": "USD",
        }
    )
    projects = {}
    for steps in (1, 2):
        project = DbtProject(
            workdir=tmp_path_factory.mktemp(f"attr_steps{steps}"),
            base_vars={
                **BASE_VARS,
                "journey__attribution_lookback_steps": steps,
                "journey__attribution_path_transforms": ["unique"],
            },
        )
        load_fixture_tables(project.database_path, sessions, events)
        project.run("run", "-s", *MODELS[:3])
        projects[steps] = project
    return projects


@pytest.mark.parametrize(("steps", "column"), [(1, "trim_long_path"), (2, "trim_long_path2")])
def test_path_lookback_steps(
    steps_projects: dict[int, DbtProject], steps: int, column: str
) -> None:
    """trim_long_path(n): the step limit keeps the last n sessions (through the models)."""
    channels, expected = transform_cases()
    actual = dict(
        steps_projects[steps].query(
            "select conversion_id, transformed_path from fct_attribution_paths"
        )
    )
    assert {f"c{i}": actual[f"c{i}"] for i in range(len(channels))} == {
        f"c{i}": want for i, want in enumerate(expected[column])
    }


def test_path_transforms_macro(steps_projects: dict[int, DbtProject]) -> None:
    """Each transform of the shared macro on fractribution's unit-test paths."""
    channels, expected = transform_cases()
    project = steps_projects[1]  # any parsed workspace: same vars, so dbt parses partially
    statements = []
    for column, transforms in TRANSFORM_CASES.items():
        statements.append(
            "select '" + column + "' as transform_name, path_id, "
            "{{ dbt.listagg('channel', \"' > '\", 'order by touchpoint_index') }} as path "
            "from (with path_channels as (select * from fixture_touchpoints) "
            "{{ journey.attribution_transform_path_ctes('path_channels', "
            + repr(transforms)
            + ") }} select * from transformed_final) as t group by 1, 2"
        )
    result = project.run("compile", "--inline", " union all ".join(statements), "--quiet")
    sql = result.result.results[0].node.compiled_code
    rows = [
        (path_id, index, channel)
        for path_id, path in enumerate(channels)
        for index, channel in enumerate(path, start=1)
    ]
    with duckdb.connect() as con:
        con.execute(
            "create table fixture_touchpoints (path_id integer, touchpoint_index integer, "
            "channel varchar)"
        )
        con.executemany("insert into fixture_touchpoints values (?, ?, ?)", rows)
        actual = con.execute(sql).df()
    mismatches = []
    for column in TRANSFORM_CASES:
        got = actual[actual["transform_name"] == column].set_index("path_id")["path"]
        for path_id, want in enumerate(expected[column]):
            if got.get(path_id) != want:
                mismatches.append((column, expected["raw_array"][path_id], want, got.get(path_id)))
    assert mismatches == []
