"""Heuristic attribution models on hand-checked path summaries.

Fixtures live in ``fixtures/attribution/hand_cases``; every expected number below is
worked out by hand in the comments.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from journey_analytics.attribution import (
    first_touch,
    last_non_direct,
    last_touch,
    linear,
    position_based,
    time_decay,
)

CASES = Path(__file__).parent / "fixtures" / "attribution" / "hand_cases"


def case(name: str) -> pd.DataFrame:
    return pd.read_csv(CASES / f"{name}.csv")


def check(result, conversions: dict, revenue: dict) -> None:
    got_conv, got_rev = result.as_dict(), result.revenue_dict()
    assert set(got_conv) == set(conversions)
    for channel, value in conversions.items():
        assert got_conv[channel] == pytest.approx(float(value), abs=1e-12)
    for channel, value in revenue.items():
        assert got_rev[channel] == pytest.approx(float(value), abs=1e-12)


# two_channels: A > B (1 conv, rev 10), B (1 conv, rev 20), A (0 conv)
def test_two_channels_all_heuristics() -> None:
    data = case("two_channels")
    check(first_touch(data), {"A": 1, "B": 1}, {"A": 10, "B": 20})
    check(last_touch(data), {"A": 0, "B": 2}, {"A": 0, "B": 30})
    check(last_non_direct(data), {"A": 0, "B": 2}, {"A": 0, "B": 30})
    # linear: A > B gives 1/2 each; B gives B 1 -> A 1/2, B 3/2; revenue A 5, B 5 + 20
    check(linear(data), {"A": Fraction(1, 2), "B": Fraction(3, 2)}, {"A": 5, "B": 25})
    # two touches: 40 + 20/2 = 50% each, same as linear
    check(position_based(data), {"A": Fraction(1, 2), "B": Fraction(3, 2)}, {"A": 5, "B": 25})


def test_position_based_two_touches_custom_weights() -> None:
    # first 0.3, last 0.5, middle 0.2 split over both ends: A 0.4, B 0.6 of A > B
    result = position_based(case("two_channels"), first_weight=0.3, last_weight=0.5)
    check(result, {"A": Fraction(2, 5), "B": Fraction(1) + Fraction(3, 5)}, {"A": 4, "B": 26})


# three_channels: A > B > C (2 conv, rev 100), A > C (1, 30), B (1, 20), C (0)
def test_three_channels_all_heuristics() -> None:
    data = case("three_channels")
    check(first_touch(data), {"A": 3, "B": 1, "C": 0}, {"A": 130, "B": 20, "C": 0})
    check(last_touch(data), {"A": 0, "B": 1, "C": 3}, {"A": 0, "B": 20, "C": 130})
    check(last_non_direct(data), {"A": 0, "B": 1, "C": 3}, {"A": 0, "B": 20, "C": 130})
    # linear: ABC 2 conv -> 2/3 each; AC 1 conv -> 1/2 each; B -> 1
    # A = 2/3 + 1/2 = 7/6, B = 2/3 + 1 = 5/3, C = 2/3 + 1/2 = 7/6
    # revenue: ABC 100/3 each; AC 15 each; B 20
    check(
        linear(data),
        {"A": Fraction(7, 6), "B": Fraction(5, 3), "C": Fraction(7, 6)},
        {"A": Fraction(100, 3) + 15, "B": Fraction(100, 3) + 20, "C": Fraction(100, 3) + 15},
    )
    # position: ABC -> A .4, B .2, C .4 (x2 conv); AC -> .5/.5; B -> 1
    # A = .8 + .5 = 1.3, B = .4 + 1 = 1.4, C = .8 + .5 = 1.3
    check(
        position_based(data),
        {"A": Fraction(13, 10), "B": Fraction(14, 10), "C": Fraction(13, 10)},
        {"A": 40 + 15, "B": 20 + 20, "C": 40 + 15},
    )


# loop: A > B > A (1 conv, rev 10), B > A (1, 5), A > B (0)
def test_loop_all_heuristics() -> None:
    data = case("loop")
    check(first_touch(data), {"A": 1, "B": 1}, {"A": 10, "B": 5})
    check(last_touch(data), {"A": 2, "B": 0}, {"A": 15, "B": 0})
    # linear: ABA -> A 2/3, B 1/3; BA -> 1/2 each => A 7/6, B 5/6
    # revenue: A 20/3 + 5/2 = 55/6, B 10/3 + 5/2 = 35/6
    check(
        linear(data),
        {"A": Fraction(7, 6), "B": Fraction(5, 6)},
        {"A": Fraction(55, 6), "B": Fraction(35, 6)},
    )
    # position: ABA -> first A .4 + last A .4, B .2; BA -> .5/.5 => A 1.3, B .7
    check(
        position_based(data),
        {"A": Fraction(13, 10), "B": Fraction(7, 10)},
        {"A": Fraction(21, 2), "B": Fraction(9, 2)},
    )


# repeats: A > A > B (1 conv, rev 10), A > B (1, 20), A (0), B (1, 6)
def test_repeats_all_heuristics() -> None:
    data = case("repeats")
    check(first_touch(data), {"A": 2, "B": 1}, {"A": 30, "B": 6})
    check(last_touch(data), {"A": 0, "B": 3}, {"A": 0, "B": 36})
    # linear keeps repeats: AAB -> A 2/3, B 1/3; AB -> 1/2 each; B -> 1
    # A = 7/6, B = 11/6; revenue A 20/3 + 10 = 50/3, B 10/3 + 10 + 6 = 58/3
    check(
        linear(data),
        {"A": Fraction(7, 6), "B": Fraction(11, 6)},
        {"A": Fraction(50, 3), "B": Fraction(58, 3)},
    )
    # position: AAB -> A .4 (first) + .2 (middle), B .4; AB .5/.5; B 1
    # A = .6 + .5 = 1.1, B = .4 + .5 + 1 = 1.9; revenue A 6 + 10, B 4 + 10 + 6
    check(position_based(data), {"A": Fraction(11, 10), "B": Fraction(19, 10)}, {"A": 16, "B": 20})
    # custom 0.3 / 0.5 on AAB: A .3 + .2, B .5; AB: A .3 + .1, B .5 + .1; B: 1
    check(
        position_based(data, first_weight=0.3, last_weight=0.5),
        {"A": Fraction(1, 2) + Fraction(2, 5), "B": Fraction(1, 2) + Fraction(3, 5) + 1},
        {"A": 5 + 8, "B": 5 + 12 + 6},
    )


# direct: Direct > Paid Search > Direct (2 conv, 50), Direct (1, 10),
#         Email_Newsletter > Direct > Direct (1, 40), Paid Search (0)
def test_last_non_direct_and_names_with_spaces() -> None:
    data = case("direct")
    check(
        last_non_direct(data),
        {"Direct": 1, "Paid Search": 2, "Email_Newsletter": 1},
        {"Direct": 10, "Paid Search": 50, "Email_Newsletter": 40},
    )
    check(
        last_touch(data),
        {"Direct": 4, "Paid Search": 0, "Email_Newsletter": 0},
        {"Direct": 100, "Paid Search": 0, "Email_Newsletter": 0},
    )
    # linear: path1 Direct 2/3 x 2, Paid 1/3 x 2; Direct 1; path3 Email 1/3, Direct 2/3
    check(
        linear(data),
        {
            "Direct": Fraction(4, 3) + 1 + Fraction(2, 3),
            "Paid Search": Fraction(2, 3),
            "Email_Newsletter": Fraction(1, 3),
        },
        {"Direct": 70, "Paid Search": Fraction(50, 3), "Email_Newsletter": Fraction(40, 3)},
    )


def test_last_non_direct_custom_direct_set() -> None:
    # treating "Paid Search" as direct too: path1 is then all "direct" -> last touch Direct
    result = last_non_direct(case("direct"), direct_channels=["Direct", "Paid Search"])
    check(
        result,
        {"Direct": 3, "Paid Search": 0, "Email_Newsletter": 1},
        {"Direct": 60, "Paid Search": 0, "Email_Newsletter": 40},
    )


def test_time_decay_half_life() -> None:
    # conversion 1: A at 0 h (weight 1), B at 24 h (weight 1/2) -> A 2/3, B 1/3
    # conversion 2: B at 48 h and B at 0 h -> B 1
    conversions = [[("A", 0.0), ("B", 24.0)], [("B", 48.0), ("B", 0.0)]]
    result = time_decay(conversions, half_life_hours=24.0, revenue=[30.0, 10.0])
    check(result, {"A": Fraction(2, 3), "B": Fraction(4, 3)}, {"A": 20, "B": 20})


def test_time_decay_three_touches() -> None:
    # weights 2^0, 2^-1, 2^-2 = 4/7, 2/7, 1/7 with half-life 7 h at 0, 7, 14 h
    result = time_decay([[("X", 0), ("Y", 7), ("Z", 14)]], half_life_hours=7)
    check(result, {"X": Fraction(4, 7), "Y": Fraction(2, 7), "Z": Fraction(1, 7)}, {})


def test_time_decay_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        time_decay([[("A", 1.0)]], half_life_hours=0)
    with pytest.raises(ValueError):
        time_decay([[("A", -1.0)]])
    with pytest.raises(ValueError):
        time_decay([[("A", 1.0)]], revenue=[1.0, 2.0])


@pytest.mark.parametrize("name", ["two_channels", "three_channels", "loop", "repeats", "direct"])
def test_heuristics_sum_to_observed(name: str) -> None:
    data = case(name)
    total_conv = data["conversions"].sum()
    total_rev = data["revenue"].fillna(0).sum()
    for model in (first_touch, last_touch, last_non_direct, linear, position_based):
        result = model(data)
        assert result.conversions.sum() == pytest.approx(total_conv)
        assert result.revenue.sum() == pytest.approx(total_rev)
