"""CLV end to end: purchases simulated from the BG/NBD + Gamma-Gamma story, written as raw
events, run through dbt (fct_events -> int_segments_purchase_days -> the Python models), and
checked against journey_analytics.segments.clv run directly on the simulated purchases.

The holdout tolerance is the one derived in test_clv.test_holdout_calibration_on_model_data
(12%, about 2.4 standard deviations of the holdout total with the model true).
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from dbt_harness import DbtProject
from test_clv import simulated_purchases

from journey_analytics.segments.clv import BgNbdParams, holdout_calibration

START = date(2024, 1, 1)
END = START + timedelta(days=273)
CUT = START + timedelta(days=182)
PARAMS = BgNbdParams(r=0.5, alpha=6.0, a=0.7, b=3.0)


def write_purchase_events(purchases: pd.DataFrame, path: Path) -> None:
    columns = ["event_id", "event_name", "event_timestamp", "user_id", "anonymous_id",
               "revenue", "currency"]  # fmt: skip
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for i, row in enumerate(purchases.itertuples()):
            # every fourth purchase in EUR: the model must convert it back (seed rate 1.08)
            eur = i % 4 == 0
            amount = row.revenue / 1.08 if eur else row.revenue
            writer.writerow(
                [f"p{i}", "purchase", f"{row.purchase_date} 12:00:00", row.user_id,
                 f"a-{row.user_id}", f"{amount:.6f}", "EUR" if eur else "USD"]
            )  # fmt: skip


@pytest.fixture(scope="module")
def clv_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, pd.DataFrame]:
    workdir = tmp_path_factory.mktemp("clv_dbt")
    purchases = simulated_purchases(5000, PARAMS, START, 56, END, seed=21)
    write_purchase_events(purchases, workdir / "events.csv")
    project = DbtProject(
        workdir=workdir,
        base_vars={
            "journey__generic_events_path": str(workdir / "events.csv"),
            "journey__generic_events_format": "csv",
            "journey__segments_as_of_date": END.isoformat(),
            "journey__clv_holdout_days": (END - CUT).days,
            "journey__clv_monthly_discount_rate": 0.0,
            "journey__clv_horizon_days": 182,
        },
    )
    project.run(
        "build", "-s", "+fct_clv_holdout_calibration", "+fct_customer_clv_predicted",
        "--exclude-resource-type", "test", "unit_test",
    )  # fmt: skip
    return project, purchases


def test_holdout_calibration_through_dbt(clv_run: tuple[DbtProject, pd.DataFrame]) -> None:
    project, purchases = clv_run
    ours = project.query_df("select * from fct_clv_holdout_calibration").set_index("bucket")
    direct, _ = holdout_calibration(
        purchases.assign(revenue=purchases["revenue"].round(6)), CUT, END
    )
    direct = direct.set_index("bucket")
    # same customers, same holdout purchases, same fit
    assert (ours["customers"] == direct["customers"]).all()
    assert (ours["actual_purchases"] == direct["actual_purchases"]).all()
    assert ours.loc["all", "predicted_purchases"] == pytest.approx(
        direct.loc["all", "predicted_purchases"], rel=1e-4
    )
    assert ours.loc["all", "actual_purchases"] > 800
    assert abs(ours.loc["all", "relative_error"]) < 0.12
    assert pd.Timestamp(ours.loc["all", "calibration_end_date"]).date() == CUT


def test_predicted_clv_through_dbt(clv_run: tuple[DbtProject, pd.DataFrame]) -> None:
    project, purchases = clv_run
    predicted = project.query_df("select * from fct_customer_clv_predicted").set_index("user_id")
    assert set(predicted.index) == set(purchases["user_id"])
    # revenue survives the currency conversion (EUR rows were divided by the seed rate)
    historical = purchases.groupby("user_id")["revenue"].sum()
    assert predicted.loc[historical.index, "historical_clv"].to_numpy() == pytest.approx(
        historical.to_numpy(), abs=1e-3
    )
    # the vars reach the Python model: a 182-day horizon, no discount
    assert (predicted["horizon_days"] == 182).all()
    assert predicted["as_of_date"].astype(str).eq(END.isoformat()).all()
    # no discount: CLV = expected purchase days x expected spend
    assert predicted["predicted_clv"].to_numpy() == pytest.approx(
        (predicted["predicted_purchases"] * predicted["expected_spend"]).to_numpy(), rel=1e-9
    )
    # customers who bought more often recently are expected to buy more
    recent_heavy = predicted[(predicted["frequency"] >= 5) & (predicted["p_alive"] > 0.9)]
    one_timers = predicted[predicted["frequency"] == 0]
    assert recent_heavy["predicted_purchases"].mean() > 3 * one_timers["predicted_purchases"].mean()
