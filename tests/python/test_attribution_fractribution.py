"""Fractribution compatibility: conformance with dbt-snowplow-fractribution and hand cases."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from journey_analytics.attribution import fractribution as attribution_fractribution
from journey_analytics.attribution import (
    fractribution_attribution,
    fractribution_path_shares,
    last_touch,
    load_path_summary,
)
from journey_analytics.attribution.fractribution import leave_one_out_touch_shares

FIXTURES = Path(__file__).parent / "fixtures" / "attribution"
UPSTREAM = FIXTURES / "fractribution"
CASES = FIXTURES / "hand_cases"


def case(name: str) -> pd.DataFrame:
    return pd.read_csv(CASES / f"{name}.csv")


def upstream_summary() -> pd.DataFrame:
    return pd.read_csv(UPSTREAM / "snowplow_fractribution_path_summary_expected.csv")


def upstream_channels(attribution_type: str) -> pd.DataFrame:
    expected = pd.read_csv(UPSTREAM / "snowplow_fractribution_channel_attribution_expected.csv")
    return expected.loc[expected["ATTRIBUTION_TYPE"] == attribution_type].set_index("CHANNEL")


def test_conformance_shapley_channel_attribution() -> None:
    expected = upstream_channels("shapley")
    result = fractribution_attribution(upstream_summary())
    assert set(result.channels) == set(expected.index)
    conversions, revenue = result.as_dict(), result.revenue_dict()
    for channel, row in expected.iterrows():
        assert conversions[channel] == pytest.approx(row["CONVERSIONS"], abs=1e-6)
        assert revenue[channel] == pytest.approx(row["REVENUE"], abs=1e-6)


def test_conformance_last_touch_channel_attribution() -> None:
    expected = upstream_channels("last_touch")
    result = last_touch(upstream_summary())
    assert set(result.channels) == set(expected.index)
    for channel, row in expected.iterrows():
        assert result.as_dict()[channel] == pytest.approx(row["CONVERSIONS"], abs=1e-6)
        assert result.revenue_dict()[channel] == pytest.approx(row["REVENUE"], abs=1e-6)


def test_conformance_per_path_shares() -> None:
    # upstream rounds the per-path shares to 3 decimals; empty cell = channel not in path
    wide = pd.read_csv(UPSTREAM / "snowplow_fractribution_path_summary_with_channels_expected.csv")
    wide = wide.loc[wide["ATTRIBUTION_TYPE"] == "shapley"]
    shares = fractribution_path_shares(upstream_summary())
    got = {(r.transformed_path, r.channel): r.share for r in shares.itertuples()}
    by_upper = {c.upper(): c for c in shares["channel"].unique()}
    measures = {"REVENUE", "CONVERSIONS", "NON_CONVERSIONS", "TRANSFORMED_PATH", "ATTRIBUTION_TYPE"}
    expected = {}
    for record in wide.to_dict("records"):
        for column in set(wide.columns) - measures:
            if pd.notna(record[column]):
                expected[(record["TRANSFORMED_PATH"], by_upper[column])] = record[column]
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=5e-4)


# Upstream data worked by hand: Organic_Search > Direct has p = 1/2 (1 of 2 journeys).
#   drop Organic_Search -> "Direct": p = 3/28 -> gain 1/2 - 3/28 = 11/28
#   drop Direct -> "Organic_Search": p = 1/27 -> gain 1/2 - 1/27 = 25/54
#   Direct share = (25/54) / (11/28 + 25/54) = 350/647
#   Direct = 3 (own path) + 350/647, Organic_Search = 1 + 297/647, Video = 1
def test_upstream_by_hand() -> None:
    result = fractribution_attribution(upstream_summary()).as_dict()
    assert result["Direct"] == pytest.approx(float(3 + Fraction(350, 647)), abs=1e-12)
    assert result["Organic_Search"] == pytest.approx(float(1 + Fraction(297, 647)), abs=1e-12)
    assert result["Video"] == pytest.approx(1.0)


# two_channels: A > B p = 1/2; drop A -> "B" p = 1/3 (gain 1/6); drop B -> "A" p = 0 (gain 1/2)
#   shares A 1/4, B 3/4 -> A 1/4, B 1 + 3/4; revenue A 10/4, B 20 + 30/4
def test_two_channels() -> None:
    result = fractribution_attribution(case("two_channels"))
    assert result.as_dict() == pytest.approx({"A": 0.25, "B": 1.75})
    assert result.revenue_dict() == pytest.approx({"A": 2.5, "B": 27.5})


# three_channels: A > B > C p = 1/2; "B > C" absent -> gain A 1/2; "A > C" p = 1/4 -> B 1/4;
#   "A > B" absent -> C 1/2; shares 2/5, 1/5, 2/5 of 2 conv / 100 revenue
#   A > C p = 1/4; "C" p = 0 -> A 1/4; "A" absent -> C 1/4; 1/2 each of 1 conv / 30
#   B -> B. Totals: A 4/5 + 1/2, B 2/5 + 1, C 4/5 + 1/2; revenue A 40+15, B 20+20, C 40+15
def test_three_channels_with_absent_counterfactuals() -> None:
    result = fractribution_attribution(case("three_channels"))
    assert result.as_dict() == pytest.approx({"A": 1.3, "B": 1.4, "C": 1.3})
    assert result.revenue_dict() == pytest.approx({"A": 55, "B": 40, "C": 55})


# loop: A > B > A p = 1/2; drop touch 1 -> "B > A" p = 1/4 (gain 1/4); drop touch 2 ->
#   "A > A" absent (gain 1/2); drop touch 3 -> "A > B" p = 0 (gain 1/2); total 5/4
#   touch shares 1/5, 2/5, 2/5 -> A 3/5, B 2/5 (revenue 10: 6 / 4)
#   B > A p = 1/4; "A" and "B" absent -> 1/4 each -> 1/2, 1/2 (revenue 5: 2.5 / 2.5)
def test_loop() -> None:
    result = fractribution_attribution(case("loop"))
    assert result.as_dict() == pytest.approx({"A": 1.1, "B": 0.9})
    assert result.revenue_dict() == pytest.approx({"A": 8.5, "B": 6.5})


# repeats: A > A > B p = 1/2; dropping either A gives "A > B" p = 1/2 (gain 0);
#   dropping B gives "A > A" absent (gain 1/2) -> B gets all.  A > B p = 1/2: "B" p = 1/2
#   (gain 0), "A" p = 0 (gain 1/2) -> B gets all.  B -> B.
def test_repeats() -> None:
    result = fractribution_attribution(case("repeats"))
    assert result.as_dict() == pytest.approx({"A": 0.0, "B": 3.0})
    assert result.revenue_dict() == pytest.approx({"A": 0.0, "B": 36.0})


def test_all_zero_gains_fall_back_to_last_touch() -> None:
    # A > B p = 1/2, "A" p = 1/2 and "B" p = 1/2 -> both gains 0 -> last touch B
    rows = [("A > B", 1, 1, 8.0), ("A", 1, 1, 0.0), ("B", 1, 1, 0.0)]
    shares = fractribution_path_shares(rows)
    ab = shares.loc[shares["transformed_path"] == "A > B"].set_index("channel")["share"]
    assert ab.to_dict() == {"A": 0.0, "B": 1.0}
    assert fractribution_attribution(rows).revenue_dict() == {"A": 0.0, "B": 8.0}


def test_negative_gains_are_clipped() -> None:
    # A > B p = 1/4, "B" p = 1/2 -> gain of A = max(1/4 - 1/2, 0) = 0; "A" absent -> B 1/4
    rows = [("A > B", 1, 3, 0.0), ("B", 1, 1, 0.0)]
    shares = fractribution_path_shares(rows)
    ab = shares.loc[shares["transformed_path"] == "A > B"].set_index("channel")["share"]
    assert ab.to_dict() == {"A": 0.0, "B": 1.0}


def test_count_suffix_is_merged() -> None:
    # frequency transform names: Direct(2) and Direct(1) both count as Direct
    rows = [("Direct(2) > Email(1)", 1, 0, 10.0), ("Direct(1)", 1, 1, 4.0)]
    result = fractribution_attribution(rows)
    assert result.channels == ("Direct", "Email")
    kept = fractribution_attribution(rows, strip_count_suffix=False)
    assert kept.channels == ("Direct(1)", "Direct(2)", "Email(1)")
    assert result.conversions.sum() == pytest.approx(2.0)


def test_vectorised_and_lookup_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    # random summary with loops, repeats and absent counterfactuals
    rng = np.random.default_rng(3)
    paths = {" > ".join(rng.choice(list("ABCDE"), size=rng.integers(1, 6))) for _ in range(300)}
    frame = pd.DataFrame(
        {
            "transformed_path": sorted(paths),
            "conversions": rng.integers(0, 4, len(paths)),
            "non_conversions": rng.integers(0, 6, len(paths)),
            "revenue": rng.uniform(0, 9, len(paths)),
        }
    )
    summary = load_path_summary(frame)
    vectorised = leave_one_out_touch_shares(summary)
    monkeypatch.setattr(attribution_fractribution, "MAX_KEY_BITS", 0)
    by_lookup = leave_one_out_touch_shares(summary)
    np.testing.assert_allclose(vectorised, by_lookup, atol=1e-15)
    np.testing.assert_allclose(by_lookup.sum(axis=1), 1.0)
