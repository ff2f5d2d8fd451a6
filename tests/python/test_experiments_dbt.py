"""The experiment marts on a sample with planted experiments (tools/sample/journey_sample/
experiments.py): assignments equal the planted ones, the sufficient statistics equal an
independent pandas recomputation from the planted events, planted effects are recovered,
the planted sample-ratio mismatch is caught, bad input is flagged, and trigger lift on a
hand-made outcomes table equals hand calculation."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from dbt_harness import PROJECT_DIR, DbtProject
from experiments_scenario import dbt_vars, write_planted_sample, write_trigger_outcomes
from scipy import stats as st

DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> tuple[DbtProject, Any]:
    work = tmp_path_factory.mktemp("experiments")
    planted = write_planted_sample(sample_dir, work / "data")
    project = DbtProject(
        workdir=work, base_vars=dbt_vars(str(work / "data" / "events" / "*.parquet"))
    )
    write_trigger_outcomes(project.database_path)
    selection = "+path:models/marts/experiments"
    project.run("seed")
    project.run("run", "--select", selection)
    project.run(
        "test", "--select", "path:models/marts/experiments path:models/intermediate/experiments"
    )
    return project, planted


def _df(project: DbtProject, sql: str) -> pd.DataFrame:
    return project.query_df(sql)


def _planted_units(project: DbtProject, planted: Any) -> pd.DataFrame:
    """Per planted unit of 'checkout': first exposure, variant, and the planted orders and
    revenue in the 7 days after and before it, from the planted events (not from the marts)."""
    events = planted.events.to_pandas()
    events["unit"] = events["user_id"].fillna(events["anonymous_id"])
    exposures = events[
        (events["event_name"] == "experiment_viewed")
        & events["properties"].str.contains('"experiment_key":"checkout"')
    ]
    first = exposures.sort_values("event_timestamp").groupby("unit")["event_timestamp"].first()
    truth = planted.truth["experiments"]["checkout"]["assignments"]
    units = pd.DataFrame({"exposed_at": first}).loc[list(truth)]
    units["variant"] = pd.Series(truth)
    data_end = _df(project, "select max(event_at) as t from fct_events")["t"].iloc[0]
    units = units[units["exposed_at"] + 7 * DAY <= data_end]
    orders = events[events["event_name"] == "planted_order"].merge(
        units, left_on="unit", right_index=True
    )
    after = (orders["event_timestamp"] >= orders["exposed_at"]) & (
        orders["event_timestamp"] < orders["exposed_at"] + 7 * DAY
    )
    before = (orders["event_timestamp"] < orders["exposed_at"]) & (
        orders["event_timestamp"] >= orders["exposed_at"] - 7 * DAY
    )
    goals = events[events["event_name"] == "trial_started"].merge(
        units, left_on="unit", right_index=True
    )
    goal_in = (goals["event_timestamp"] >= goals["exposed_at"]) & (
        goals["event_timestamp"] < goals["exposed_at"] + 7 * DAY
    )
    units["orders"] = orders[after].groupby("unit").size().reindex(units.index, fill_value=0)
    units["orders_before"] = (
        orders[before].groupby("unit").size().reindex(units.index, fill_value=0)
    )
    units["revenue"] = (
        orders[after].groupby("unit")["revenue"].sum().reindex(units.index, fill_value=0.0)
    )
    units["converted"] = (
        goals[goal_in].groupby("unit").size().reindex(units.index, fill_value=0).clip(upper=1)
    )
    return units


def _stats(project: DbtProject, experiment: str, metric: str) -> pd.DataFrame:
    return _df(
        project,
        "select * from fct_experiment_sufficient_stats "
        f"where experiment_name = '{experiment}' and metric_name = '{metric}'",
    ).set_index("variant")


def test_assignments_equal_the_planted_ones(built: tuple[DbtProject, Any]) -> None:
    project, planted = built
    truth = planted.truth["experiments"]["checkout"]
    marts = _df(
        project, "select * from fct_experiment_assignments where experiment_name = 'checkout'"
    )
    included = marts[~marts["is_excluded"]].set_index("user_id")["variant"].to_dict()
    assert included == truth["assignments"]
    excluded = marts[marts["is_excluded"]]
    assert sorted(excluded["user_id"]) == truth["multi_variant_units"]
    assert set(excluded["exclusion_reason"]) == {"multiple_variants"}
    srm = _df(project, "select * from fct_experiment_srm where experiment_name = 'checkout'")
    assert set(srm["units_excluded_multiple_variants"]) == {len(truth["multi_variant_units"])}


def test_sufficient_stats_equal_an_independent_recomputation(built: tuple[DbtProject, Any]) -> None:
    project, planted = built
    units = _planted_units(project, planted)
    assert len(units) > 400
    for variant, group in units.groupby("variant"):
        y, x = group["orders"].astype(float), group["orders_before"].astype(float)
        cuped = _stats(project, "checkout", "orders_7d_cuped").loc[variant]
        assert cuped["units"] == len(group)
        assert cuped["sum_y"] == pytest.approx(y.sum())
        assert cuped["sum_y2"] == pytest.approx((y * y).sum())
        assert cuped["sum_x"] == pytest.approx(x.sum())
        assert cuped["sum_x2"] == pytest.approx((x * x).sum())
        assert cuped["sum_xy"] == pytest.approx((x * y).sum())
        ratio = _stats(project, "checkout", "revenue_per_order").loc[variant]
        r = group["revenue"]
        assert ratio["sum_y"] == pytest.approx(r.sum())
        assert ratio["sum_x"] == pytest.approx(y.sum())
        assert ratio["sum_xy"] == pytest.approx((r * y).sum())
        conversion = _stats(project, "checkout", "converted_7d").loc[variant]
        assert conversion["sum_y"] == group["converted"].sum()
    # winsorisation: the cap is the 95th percentile (linear interpolation) of all measured units
    cap = float(np.quantile(units["revenue"], 0.95))
    revenue = _stats(project, "checkout", "revenue_7d")
    assert revenue["winsorize_cap"].iloc[0] == pytest.approx(cap)
    for variant, group in units.groupby("variant"):
        capped = group["revenue"].clip(upper=cap)
        assert revenue.loc[variant, "sum_y"] == pytest.approx(capped.sum())
        assert revenue.loc[variant, "sum_y2"] == pytest.approx((capped**2).sum())


def test_retention_day_n_counts_units_active_that_day(built: tuple[DbtProject, Any]) -> None:
    project, _ = built
    expected = _df(
        project,
        """
        select a.variant, count(*) as units, sum(case when exists (
            select 1 from fct_events e
            where e.user_id = a.user_id
              and e.event_at >= a.exposed_at + interval 3 day
              and e.event_at < a.exposed_at + interval 4 day) then 1 else 0 end) as active
        from fct_experiment_assignments a
        where a.experiment_name = 'checkout' and not a.is_excluded
          and a.exposed_at + interval 4 day <= (select max(event_at) from fct_events)
        group by a.variant
        """,
    ).set_index("variant")
    stats = _stats(project, "checkout", "active_day_3")
    for variant in ("control", "treatment"):
        assert stats.loc[variant, "units"] == expected.loc[variant, "units"]
        assert stats.loc[variant, "sum_y"] == expected.loc[variant, "active"]


def _results(project: DbtProject, experiment: str) -> pd.DataFrame:
    return _df(
        project, f"select * from fct_experiment_results where experiment_name = '{experiment}'"
    ).set_index("metric_name")


def test_planted_effects_are_recovered(built: tuple[DbtProject, Any]) -> None:
    project, planted = built
    effects = planted.truth["experiments"]["checkout"]["effects"]["treatment"]
    results = _results(project, "checkout")
    assert set(results["status"]) == {"ok"}
    for metric, true_effect in (
        ("converted_7d", effects["conversion"]),
        ("orders_7d", effects["orders_per_unit"]),
        ("orders_7d_cuped", effects["orders_per_unit"]),
    ):
        row = results.loc[metric]
        assert row["absolute_ci_lower"] <= true_effect <= row["absolute_ci_upper"], metric
        assert row["is_significant"] and row["is_trustworthy"], metric
    # CUPED with the pre-exposure orders narrows the interval of the same metric
    plain, cuped = results.loc["orders_7d"], results.loc["orders_7d_cuped"]
    width = lambda r: r["absolute_ci_upper"] - r["absolute_ci_lower"]  # noqa: E731
    assert width(cuped) < 0.95 * width(plain)
    # the planted lift in orders breaches the guardrail that counts orders as harm, only it
    assert results["is_guardrail_breach"].to_dict() == {
        m: m == "orders_guardrail" for m in results.index
    }
    # the relative effect's point estimate is the absolute one over the control mean
    row = results.loc["orders_7d"]
    assert row["relative_effect"] == pytest.approx(row["absolute_effect"] / row["mean_control"])


def test_adjusted_p_values_follow_bh_and_holm_by_hand(built: tuple[DbtProject, Any]) -> None:
    project, _ = built
    bh = _results(project, "checkout").sort_values("p_value")
    m = len(bh)
    ranked = [p * m / (i + 1) for i, p in enumerate(bh["p_value"])]
    expected = [min(1.0, min(ranked[i:])) for i in range(m)]
    assert list(bh["p_value_adjusted"]) == pytest.approx(expected)
    holm = _results(project, "checkout_holm").sort_values("p_value")
    assert set(holm["correction"]) == {"holm"}
    ranked = [p * (len(holm) - i) for i, p in enumerate(holm["p_value"])]
    expected = [min(1.0, max(ranked[: i + 1])) for i in range(len(holm))]
    assert list(holm["p_value_adjusted"]) == pytest.approx(expected)


def test_sequential_intervals_are_wider_than_fixed_horizon(built: tuple[DbtProject, Any]) -> None:
    project, _ = built
    fixed, sequential = _results(project, "checkout"), _results(project, "checkout_holm")
    for metric in sequential.index:
        assert sequential.loc[metric, "method"].endswith("+msprt")
        assert sequential.loc[metric, "absolute_effect"] == pytest.approx(
            fixed.loc[metric, "absolute_effect"]
        )
        assert sequential.loc[metric, "absolute_ci_lower"] < fixed.loc[metric, "absolute_ci_lower"]
        assert sequential.loc[metric, "p_value"] > fixed.loc[metric, "p_value"]


def test_planted_sample_ratio_mismatch_is_caught(built: tuple[DbtProject, Any]) -> None:
    project, _ = built
    srm = _df(project, "select * from fct_experiment_srm order by experiment_name, variant")
    pricing = srm[srm["experiment_name"] == "pricing"]
    chi2, p = st.chisquare(pricing["units"].to_numpy())
    assert pricing["chi_square"].iloc[0] == pytest.approx(chi2)
    assert pricing["p_value"].iloc[0] == pytest.approx(p)
    assert pricing["is_srm"].all() and p < 0.001
    assert not srm[srm["experiment_name"] == "checkout"]["is_srm"].any()
    results = _results(project, "pricing")
    assert results["is_srm_flagged"].all() and not results["is_trustworthy"].any()


def test_bad_input_gives_flagged_rows(built: tuple[DbtProject, Any]) -> None:
    project, _ = built
    one_arm = _results(project, "one_arm")
    # a declared variant nobody was exposed to: flagged, no numbers
    assert one_arm.loc["converted_7d", "status"] == "no_units"
    assert "treatment" in one_arm.loc["converted_7d", "status_reason"]
    # a 60-day window on 21 days of data: no unit can be measured
    assert one_arm.loc["converted_60d", "status"] == "window_longer_than_data"
    assert one_arm[["absolute_effect", "p_value"]].isna().all().all()
    assert not one_arm["is_trustworthy"].any()
    srm = _df(project, "select * from fct_experiment_srm where experiment_name = 'one_arm'")
    assert set(srm["status"]) == {"one_arm"}


def test_trigger_lift_equals_hand_calculation(built: tuple[DbtProject, Any]) -> None:
    project, _ = built
    lift = _df(project, "select * from fct_trigger_lift").set_index("lift_id")
    row = lift.loc["welcome|step_1|control"]
    pt, pc, nt, nc = 4 / 8, 1 / 6, 8, 6
    se = math.sqrt(pt * (1 - pt) / nt + pc * (1 - pc) / nc)
    assert row["conversion_lift"] == pytest.approx(1 / 3)
    assert row["conversion_lift_ci_lower"] == pytest.approx(1 / 3 - 1.959963984540054 * se)
    assert row["incremental_conversions"] == pytest.approx(8 / 3)
    pooled = 5 / 14
    z = (1 / 3) / math.sqrt(pooled * (1 - pooled) * (1 / 8 + 1 / 6))
    assert row["conversion_p_value"] == pytest.approx(math.erfc(z / math.sqrt(2)))
    welch = st.ttest_ind([10, 20, 30, 40, 0, 0, 0, 0], [10, 0, 0, 0, 0, 0], equal_var=False)
    assert row["value_lift"] == pytest.approx(12.5 - 10 / 6)
    assert row["value_p_value"] == pytest.approx(welch.pvalue)
    assert row["incremental_value"] == pytest.approx(8 * (12.5 - 10 / 6))
    assert lift.loc["welcome|step_1|global_control", "units_control"] == 3
    assert lift.loc["nudge|step_2|control", "status"] == "too_few_units"


def test_script_path_computes_the_marts_from_the_aggregates(
    built: tuple[DbtProject, Any], tmp_path: Path
) -> None:
    """scripts/run_experiments.py (warehouses without Python models) on CSV exports of the
    aggregates gives the same tables as the dbt Python models."""
    project, _ = built
    exports = {}
    for table in (
        "fct_experiment_sufficient_stats",
        "int_experiment_variant_counts",
        "int_trigger_lift_stats",
    ):
        exports[table] = tmp_path / f"{table}.csv"
        project.query_df(f"select * from {table}").to_csv(exports[table], index=False)
    done = subprocess.run(
        [
            sys.executable,
            str(PROJECT_DIR / "scripts" / "run_experiments.py"),
            "--stats-csv",
            str(exports["fct_experiment_sufficient_stats"]),
            "--counts-csv",
            str(exports["int_experiment_variant_counts"]),
            "--trigger-csv",
            str(exports["int_trigger_lift_stats"]),
            "--out-dir",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for name, key in (
        ("fct_experiment_results", "result_id"),
        ("fct_experiment_srm", ["experiment_name", "variant"]),
        ("fct_trigger_lift", "lift_id"),
    ):
        ours = pd.read_csv(tmp_path / "out" / f"{name}.csv").sort_values(key).reset_index(drop=True)
        mart = project.query_df(f"select * from {name}").sort_values(key).reset_index(drop=True)
        assert list(ours.columns) == list(mart.columns)
        assert len(ours) == len(mart) > 0
        for column in mart.columns:
            if pd.api.types.is_float_dtype(mart[column]):
                np.testing.assert_allclose(
                    ours[column].astype(float), mart[column], rtol=1e-9, err_msg=column
                )
            else:
                assert list(ours[column].fillna("")) == list(mart[column].fillna("")), column
