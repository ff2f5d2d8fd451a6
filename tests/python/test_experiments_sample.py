"""The sample project's shipped experiments (dbt_project.yml) recover what the generator planted
(truth.json["experiments"], from tools/sample/journey_sample/scenarios/experiment.py)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from dbt_harness import DbtProject
from scipy import stats as st

#: Coverage is checked at 99.9% (|effect - truth| <= z * se, se from the mart's 95% interval):
#: 16 intervals at 95% would fail somewhere one time in two by chance alone.
Z_CHECK = float(st.norm.ppf(0.9995))
Z_95 = float(st.norm.ppf(0.975))


def _results(project: DbtProject) -> pd.DataFrame:
    return project.query_df(
        "select * from fct_experiment_results where experiment_name in "
        "('onboarding_offer', 'pricing_page')"
    )


def test_assignments_are_the_planted_ones(
    built_sample: DbtProject, sample_truth: dict[str, Any]
) -> None:
    rows = built_sample.query_df(
        "select experiment_name, user_id, variant, is_excluded from fct_experiment_assignments"
    )
    for name, truth in sample_truth["experiments"].items():
        mine = rows[rows["experiment_name"] == name]
        kept = mine[~mine["is_excluded"]]
        assert dict(zip(kept["user_id"], kept["variant"], strict=True)) == truth["assignments"]
        excluded = sorted(mine[mine["is_excluded"]]["user_id"])
        assert excluded == truth["multi_variant_units"]


def test_intervals_cover_the_planted_effects(
    built_sample: DbtProject, sample_truth: dict[str, Any]
) -> None:
    results = _results(built_sample)
    declared = {(e, m) for e, t in sample_truth["experiments"].items() for m in t["metric_effects"]}
    assert set(zip(results["experiment_name"], results["metric_name"], strict=True)) == declared
    assert set(results["status"]) == {"ok"}
    for row in results.itertuples():
        truth = sample_truth["experiments"][row.experiment_name]
        true_effect = truth["metric_effects"][row.metric_name][row.variant]
        se = (row.absolute_ci_upper - row.absolute_ci_lower) / (2 * Z_95)
        assert row.absolute_ci_lower < row.absolute_effect < row.absolute_ci_upper
        assert abs(row.absolute_effect - true_effect) <= Z_CHECK * se, (
            row.experiment_name,
            row.metric_name,
            row.absolute_effect,
            true_effect,
        )


def test_planted_lift_is_found_and_guardrail_holds(built_sample: DbtProject) -> None:
    results = _results(built_sample).set_index(["experiment_name", "metric_name"])
    offer = results.loc["onboarding_offer"]
    # the large planted lifts (conversion +10 points, orders +30%) are significant after BH
    for metric in ("converted_7d", "orders_7d", "orders_7d_cuped", "revenue_7d"):
        assert offer.loc[metric, "is_significant"], metric
    assert offer["is_trustworthy"].all() and not offer["is_srm_flagged"].any()
    # orders went up: the guardrail (orders must not fall) is not breached, nothing else is one
    assert not results["is_guardrail_breach"].any()
    assert offer.loc["orders_guardrail_7d", "absolute_ci_lower"] > 0
    # CUPED with the planted pre-exposure orders narrows the interval of the same measure: the
    # covariate (orders in the 7 days before) correlates with the outcome by var(lambda) /
    # (E lambda + var(lambda)) = 0.5 / 1.5, so the width shrinks by sqrt(1 - 1/9) = 0.94
    width = offer["absolute_ci_upper"] - offer["absolute_ci_lower"]
    assert width["orders_7d_cuped"] < 0.97 * width["orders_7d"]


def test_srm_flag_matches_the_planted_split(
    built_sample: DbtProject, sample_truth: dict[str, Any]
) -> None:
    srm = built_sample.query_df(
        "select experiment_name, variant, units, p_value, is_srm from fct_experiment_srm"
    )
    for name, truth in sample_truth["experiments"].items():
        mine = srm[srm["experiment_name"] == name].set_index("variant")
        planted = pd.Series(truth["assignments"]).value_counts()
        assert mine["units"].to_dict() == planted.to_dict()
        _, p = st.chisquare(planted.reindex(mine.index).to_numpy())
        assert mine["p_value"].iloc[0] == pytest.approx(p)
        planted_srm = truth["srm_dropped_exposures"] > 0
        assert bool(mine["is_srm"].all()) is planted_srm and bool(p < 0.001) is planted_srm, name
    flagged = _results(built_sample).groupby("experiment_name")["is_srm_flagged"].all()
    assert flagged.to_dict() == {"onboarding_offer": False, "pricing_page": True}
