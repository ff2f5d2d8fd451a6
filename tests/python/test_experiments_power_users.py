"""Power-user comparison on outcomes measured after the cohorts are defined, the default
(journey__power_user_outcome_days = 28): what happens when the N days after the as-of date are
not in the data. By default the as-of date is the data end minus 28 days; a window longer than the
data, or an as-of date set too close to the data end, must flag the post-cohort rows (naming
the var) instead of returning a number. The values on data long
enough are checked against pandas/scipy in test_segments_dbt.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from dbt_harness import DbtProject

SELECT = ("--select", "+fct_power_user_comparison")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> DbtProject:
    project = DbtProject(
        workdir=tmp_path_factory.mktemp("power_outcomes"),
        base_vars={"journey__generic_events_path": str(sample_dir / "events" / "*.parquet")},
    )
    project.run("seed")
    project.run("run", *SELECT)  # the defaults
    return project


def data_bounds(project: DbtProject) -> tuple[pd.Timestamp, pd.Timestamp]:
    start, end = project.query("select min(event_date), max(event_date) from fct_events")[0]
    return pd.Timestamp(start), pd.Timestamp(end)


def comparison(project: DbtProject) -> pd.DataFrame:
    return project.query_df("select * from fct_power_user_comparison").set_index("comparison_id")


def test_default_as_of_date_leaves_28_days_of_outcomes(project: DbtProject) -> None:
    _, end = data_bounds(project)
    as_of = end - timedelta(days=28)  # the rule: newest event_date minus the outcome days
    dates = project.query("select distinct as_of_date from int_segments_user_metrics")
    assert [pd.Timestamp(d[0]) for d in dates] == [as_of]
    result = comparison(project)
    post = result[result["comparison_role"] == "post_cohort_outcome"]
    assert set(post["metric_name"]) == {"active_next_28d", "revenue_next_28d"}
    assert post["note"].isna().all()  # measured: all 28 days are in the data
    assert (post["cohort_n"] + post["rest_n"] > 0).all()
    assert post["test_name"].isin(["two_proportion_z", "welch_t"]).all()
    described = result[result["comparison_role"] == "descriptive"]
    assert set(described["metric_name"]) == {
        "retention_d29_56",
        "conversion_rate",
        "revenue_per_user",
        "feature_events_per_user",
    }
    assert described["note"].str.startswith("Descriptive, not tested").all()
    assert described["p_value"].isna().all() and described["ci_lower"].isna().all()
    assert described["p_value_adjusted"].isna().all()


def test_window_longer_than_the_data_is_flagged_not_computed(project: DbtProject) -> None:
    start, end = data_bounds(project)
    days = (end - start).days + 1  # one day more than the data: no as-of date leaves N days
    project.run("run", *SELECT, vars={"journey__power_user_outcome_days": days})
    # the as-of date (data end - N) is before the first day: nobody to compare
    assert project.query("select count(*) from int_segments_user_metrics")[0][0] == 0
    assert project.query("select count(*) from dim_power_user_cohorts")[0][0] == 0
    result = comparison(project)
    post = result[result["comparison_role"] == "post_cohort_outcome"]
    assert set(post["metric_name"]) == {f"active_next_{days}d", f"revenue_next_{days}d"}
    assert "l28_top_share" in set(post["cohort_name"])
    assert (post["cohort_n"] == 0).all() and (post["rest_n"] == 0).all()
    assert post["difference"].isna().all() and post["p_value"].isna().all()
    as_of = (end - timedelta(days=days)).date().isoformat()
    for note in post["note"]:
        assert note.startswith(f"Not measured: the data ({start.date()} to {end.date()})")
        assert f"{days}-day outcome window of var journey__power_user_outcome_days" in note
        assert as_of in note


def test_as_of_date_too_close_to_the_data_end_is_flagged(project: DbtProject) -> None:
    _, end = data_bounds(project)
    as_of = end - timedelta(days=3)
    project.run(
        "run",
        *SELECT,
        vars={
            "journey__segments_as_of_date": as_of.date().isoformat(),
            "journey__power_user_outcome_days": 7,
        },
    )
    population = project.query("select count(*), max(as_of_date) from int_segments_user_metrics")
    assert population[0][0] > 0 and pd.Timestamp(population[0][1]) == as_of
    result = comparison(project)
    post = result[result["comparison_role"] == "post_cohort_outcome"]
    assert set(post["metric_name"]) == {"active_next_7d", "revenue_next_7d"}
    assert (post["cohort_n"] == 0).all() and (post["rest_n"] == 0).all()
    assert post["p_value"].isna().all()
    for note in post["note"]:
        assert note.startswith(
            f"Not measured: only 3 of the 7 days after the as-of date {as_of.date()}"
        )
        assert "journey__segments_as_of_date" in note
        assert "journey__power_user_outcome_days" in note
    # the descriptive rows are still measured, on the population of the as-of date
    described = result[result["comparison_role"] == "descriptive"]
    assert (described["cohort_n"] + described["rest_n"] > 0).any()
    assert described["test_name"].eq("none_descriptive").all()


@pytest.mark.parametrize("bad", [0, 2.5, "soon"])
def test_bad_outcome_days_raise_an_error_naming_the_var(project: DbtProject, bad: object) -> None:
    result = project.run(
        "compile",
        *SELECT,
        vars={"journey__power_user_outcome_days": bad},
        expect_ok=False,
    )
    assert not result.success
    assert "journey__power_user_outcome_days" in str(result.exception)
