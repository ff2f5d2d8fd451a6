"""Power-user comparison on outcomes measured after the cohorts are defined
(journey__power_user_outcome_days): activity and revenue in the N days after the as-of date,
recomputed in pandas from fct_events, with p-values checked against scipy, BH-adjusted
p-values against scipy.stats.false_discovery_control, and relative differences."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dbt_harness import DbtProject
from scipy import stats

AS_OF = "2026-01-12"  # the shared sample runs 21 days from 2026-01-01
DAYS = 7


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> DbtProject:
    project = DbtProject(
        workdir=tmp_path_factory.mktemp("power_outcomes"),
        base_vars={
            "journey__generic_events_path": str(sample_dir / "events" / "*.parquet"),
            "journey__segments_as_of_date": AS_OF,
            "journey__power_user_outcome_days": DAYS,
        },
    )
    project.run("seed")
    project.run("run", "--select", "+fct_power_user_comparison")
    return project


def test_outcomes_after_the_as_of_date_match_a_recomputation(built: DbtProject) -> None:
    project = built
    users = project.query_df("select user_id from int_segments_user_metrics")
    cohorts = project.query_df("select cohort_name, user_id from dim_power_user_cohorts")
    events = project.query_df(
        "select e.user_id, e.event_date, e.revenue * r.rate_to_reporting_currency as revenue "
        "from fct_events e left join journey_currency_rates r "
        "on coalesce(e.currency, 'USD') = r.currency"
    )
    assert events["event_date"].max() >= pd.Timestamp(AS_OF) + pd.Timedelta(days=DAYS)
    after = events[
        (events["event_date"] > pd.Timestamp(AS_OF))
        & (events["event_date"] <= pd.Timestamp(AS_OF) + pd.Timedelta(days=DAYS))
    ]
    users["active"] = users["user_id"].isin(after["user_id"]).astype(float)
    revenue = after.groupby("user_id")["revenue"].sum()
    users["revenue"] = users["user_id"].map(revenue).fillna(0.0).astype(float)
    result = project.query_df("select * from fct_power_user_comparison").set_index("comparison_id")
    checked = 0
    for cohort in sorted(set(cohorts["cohort_name"])):
        inside = users["user_id"].isin(cohorts.loc[cohorts["cohort_name"] == cohort, "user_id"])
        a_active, b_active = users.loc[inside, "active"], users.loc[~inside, "active"]
        row = result.loc[f"{cohort}|active_next_{DAYS}d"]
        assert (row["cohort_n"], row["rest_n"]) == (len(a_active), len(b_active))
        assert row["difference"] == pytest.approx(a_active.mean() - b_active.mean())
        table = np.array(
            [
                [a_active.sum(), len(a_active) - a_active.sum()],
                [b_active.sum(), len(b_active) - b_active.sum()],
            ]
        )
        if (table.sum(axis=0) > 0).all():
            chi2 = stats.chi2_contingency(table, correction=False)
            assert row["p_value"] == pytest.approx(chi2.pvalue, rel=1e-6, abs=1e-12)
        assert row["relative_difference"] == pytest.approx(row["difference"] / row["rest_value"])
        a_rev, b_rev = users.loc[inside, "revenue"], users.loc[~inside, "revenue"]
        row = result.loc[f"{cohort}|revenue_next_{DAYS}d"]
        assert row["cohort_value"] == pytest.approx(a_rev.mean())
        if len(a_rev) >= 2 and (a_rev.var() > 0 or b_rev.var() > 0):
            welch = stats.ttest_ind(a_rev, b_rev, equal_var=False)
            assert row["p_value"] == pytest.approx(welch.pvalue, rel=1e-6, abs=1e-12)
            assert (
                row["relative_ci_lower"] <= row["relative_difference"] <= row["relative_ci_upper"]
            )
        checked += 1
    assert checked >= 2
    p = result["p_value"].astype(float)
    ok = p.notna()
    expected = stats.false_discovery_control(p[ok].to_numpy())
    np.testing.assert_allclose(
        result.loc[ok, "p_value_adjusted"].astype(float), expected, rtol=1e-9
    )
    assert (result.loc[ok, "p_value_adjusted"] >= p[ok] - 1e-15).all()
