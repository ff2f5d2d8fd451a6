"""Great Expectations suite over the core marts of the built sample.

GE validates the data a BI tool reads with expectations a data team already knows how to read,
beside dbt's own tests: keys, value sets, ranges and row-count relations.
"""

from __future__ import annotations

from typing import Any

import pytest
from dbt_harness import DbtProject

CHANNELS = [
    "Direct", "Cross-network", "Paid Shopping", "Paid Search", "Paid Social", "Paid Video",
    "Display", "Paid Other", "Organic Shopping", "Organic Social", "Organic Video",
    "Organic Search", "Referral", "Email", "Affiliates", "Audio", "SMS",
    "Mobile Push Notifications", "Unassigned",
]  # fmt: skip


def validate(frame: Any, name: str, expectations: list[Any]) -> Any:
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas(name=f"{name}_source")
    asset = source.add_dataframe_asset(name=name)
    batch_definition = asset.add_batch_definition_whole_dataframe(f"{name}_batch")
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    suite = context.suites.add(gx.ExpectationSuite(name=f"{name}_suite"))
    for expectation in expectations:
        suite.add_expectation(expectation)
    return batch.validate(suite)


@pytest.fixture(scope="module")
def sessions(built_sample: DbtProject) -> Any:
    return built_sample.query_df("select * from fct_sessions")


def test_sessions_meet_expectations(sessions: Any, built_sample: DbtProject) -> None:
    import great_expectations.expectations as gxe

    event_rows = built_sample.query("select count(*) from fct_events")[0][0]
    result = validate(
        sessions,
        "fct_sessions",
        [
            gxe.ExpectColumnValuesToBeUnique(column="session_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="user_id"),
            gxe.ExpectColumnValuesToBeInSet(column="channel", value_set=CHANNELS),
            gxe.ExpectColumnValuesToBeBetween(column="duration_seconds", min_value=0),
            gxe.ExpectColumnValuesToBeBetween(column="event_count", min_value=1),
            gxe.ExpectColumnSumToBeBetween(
                column="event_count", min_value=event_rows, max_value=event_rows
            ),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="session_ended_at", column_B="session_started_at", or_equal=True
            ),
            gxe.ExpectColumnMeanToBeBetween(column="is_engaged", min_value=0.05, max_value=1),
        ],
    )
    failed = [r.expectation_config.type for r in result.results if not r.success]
    assert result.success, failed


def test_a_broken_frame_fails_the_suite(sessions: Any) -> None:
    """The suite has teeth: a duplicated key and a negative duration are caught."""
    import great_expectations.expectations as gxe
    import pandas as pd

    broken = pd.concat([sessions.head(3), sessions.head(1)])
    broken.loc[broken.index[0], "duration_seconds"] = -1
    result = validate(
        broken,
        "broken_sessions",
        [
            gxe.ExpectColumnValuesToBeUnique(column="session_id"),
            gxe.ExpectColumnValuesToBeBetween(column="duration_seconds", min_value=0),
        ],
    )
    assert [r.success for r in result.results] == [False, False]
