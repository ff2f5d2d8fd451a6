"""Value-based Markov removal effects: hand-solved chains and an exact-rational check.

The expected value of a chain is ``sum_s N[start, s] r_s value_s``: it solves
``y_s = sum_t P(s, t) y_t + P(s, conversion) value_s`` where ``value_s`` is the mean value
of the conversions whose path ends in state ``s``.  The independent check rebuilds the
chain with dicts and solves that system with ``fractions.Fraction`` elimination.
"""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from exact_linear import solve_first_unknown

from journey_analytics.attribution import markov_attribution
from journey_analytics.attribution.markov import expected_value, fit_markov_chain

CASES = Path(__file__).parent / "fixtures" / "attribution" / "hand_cases"
START, CONV, NULL = "<start>", "<conversion>", "<null>"


def case(name: str) -> pd.DataFrame:
    return pd.read_csv(CASES / f"{name}.csv")


def value_effects(result) -> dict[str, float]:
    effects = result.details["value_removal_effects"].tolist()
    return dict(zip(result.channels, effects, strict=True))


# values.csv, order 1 (5 journeys, 3 conversions, revenue 120):
#   start->A 3/5, start->B 2/5; A->conv 1/3, A->null 1/3, A->B 1/3; B->conv 2/3, B->null 1/3
#   value_A = 100 / 1 = 100 (path A), value_B = (10 + 10) / 2 = 10 (paths B and A > B)
#   y_B = 2/3 * 10 = 20/3; y_A = 1/3 * 100 + 1/3 * 20/3 = 320/9
#   E = 3/5 * 320/9 + 2/5 * 20/3 = 24 = 120 / 5
#   no A: E = 2/5 * 20/3 = 8/3 -> VRE_A = 8/9;  no B: y_A = 100/3, E = 20 -> VRE_B = 1/6
#   revenue: A = 120 * (8/9) / (19/18) = 1920/19, B = 360/19
#   (conversion split: RE_A = 5/9, RE_B = 2/3 -> A = 600/11, B = 720/11)
def test_values_order_1() -> None:
    result = markov_attribution(case("values"), order=1)
    assert result.details["expected_value"] == pytest.approx(24.0)
    assert value_effects(result) == pytest.approx({"A": 8 / 9, "B": 1 / 6})
    assert result.revenue_dict() == pytest.approx({"A": 1920 / 19, "B": 360 / 19})
    assert result.as_dict() == pytest.approx({"A": 3 * 5 / 11, "B": 3 * 6 / 11})
    by_conversions = markov_attribution(case("values"), order=1, revenue_split="conversion")
    assert by_conversions.revenue_dict() == pytest.approx({"A": 600 / 11, "B": 720 / 11})
    assert by_conversions.as_dict() == pytest.approx(result.as_dict())


# values.csv, order 2 (order 3 has the same chain, one more start symbol):
#   start->(s,A) 3/5, ->(s,B) 2/5; (s,A)->conv 1/3, null 1/3, (A,B) 1/3; (A,B)->conv 1
#   (s,B)->conv 1/2, null 1/2; value (s,A) = 100, (A,B) = 10, (s,B) = 10
#   y_(A,B) = 10, y_(s,A) = 100/3 + 10/3 = 110/3, y_(s,B) = 5; E = 22 + 2 = 24
#   no A (drops (s,A), (A,B)): E = 2/5 * 5 = 2 -> VRE_A = 11/12
#   no B (drops (s,B), (A,B)): E = 3/5 * 100/3 = 20 -> VRE_B = 1/6
#   revenue: A = 120 * 11/13 = 1320/13, B = 240/13
@pytest.mark.parametrize("order", [2, 3])
def test_values_order_2_and_3(order: int) -> None:
    result = markov_attribution(case("values"), order=order)
    assert result.details["expected_value"] == pytest.approx(24.0)
    assert value_effects(result) == pytest.approx({"A": 11 / 12, "B": 1 / 6})
    assert result.revenue_dict() == pytest.approx({"A": 1320 / 13, "B": 240 / 13})


# two_channels.csv, order 2: value (A,B) = 10, (s,B) = 20
#   E = 1/2 * 2/3 * 1/2 * 10 + 1/2 * 1/3 * 20 = 5 = 30 / 6
#   no A: 1/2 * 1/3 * 20 = 10/3 -> VRE_A = 1/3; no B: 0 -> VRE_B = 1
#   revenue A = 30 * (1/3) / (4/3) = 7.5, B = 22.5 (conversion split gives 10 / 20)
def test_two_channels_order_2_value() -> None:
    result = markov_attribution(case("two_channels"), order=2)
    assert value_effects(result) == pytest.approx({"A": 1 / 3, "B": 1.0})
    assert result.revenue_dict() == pytest.approx({"A": 7.5, "B": 22.5})


def test_equal_values_give_the_conversion_split() -> None:
    # every conversion is worth 7: value removal effects equal conversion removal effects
    rows = [("A > B", 2, 3, 14.0), ("B > C", 1, 1, 7.0), ("A", 1, 4, 7.0), ("C > A", 3, 0, 21.0)]
    for order in (1, 2, 3):
        result = markov_attribution(rows, order=order)
        np.testing.assert_allclose(
            result.details["value_removal_effects"], result.removal_effects, atol=1e-12
        )


def test_zero_revenue_gives_zero_revenue_credit() -> None:
    result = markov_attribution([("A > B", 1, 1, 0.0), ("B", 1, 0, 0.0)])
    assert result.revenue.tolist() == [0.0, 0.0]
    assert result.conversions.sum() == pytest.approx(2.0)


def test_rejects_unknown_revenue_split() -> None:
    with pytest.raises(ValueError, match="revenue_split"):
        markov_attribution(case("values"), revenue_split="revenue")  # type: ignore[arg-type]


# ---------------------------------------------------------------- independent check
def dict_chain_with_values(rows: list, order: int) -> tuple[dict, dict]:
    """Transition counts and, per state, the summed revenue/conversions ending there."""
    transitions: dict = {}
    ending: dict = {}

    def add(src, dst, count) -> None:
        if count:
            out = transitions.setdefault(src, {})
            out[dst] = out.get(dst, 0) + count

    for path, conv, non, revenue in rows:
        history = [START] * order
        state = tuple(history)
        transitions.setdefault(state, {})
        for channel in path:
            history = [*history[1:], channel]
            add(state, tuple(history), conv + non)
            state = tuple(history)
        add(state, CONV, conv)
        add(state, NULL, non)
        money, count = ending.get(state, (Fraction(0), 0))
        ending[state] = (money + revenue, count + conv)
    values = {s: (m / c if c else Fraction(0)) for s, (m, c) in ending.items()}
    start = (START,) * order
    return {start: transitions.pop(start), **transitions}, values


def fraction_expected_value(transitions: dict, values: dict, removed: set) -> Fraction:
    """y_s = sum_t P(s,t) y_t + P(s, conv) value_s, removed states go to null."""
    states = [s for s in transitions if s not in removed]
    if not states or states[0] != next(iter(transitions)):
        return Fraction(0)
    index = {s: i for i, s in enumerate(states)}
    n = len(states)
    matrix = [[Fraction(0)] * (n + 1) for _ in range(n)]
    for s in states:
        row = matrix[index[s]]
        total = sum(transitions[s].values())
        row[index[s]] += 1
        for t, count in transitions[s].items():
            p = Fraction(count) / total
            if t == CONV:
                row[n] += p * values.get(s, Fraction(0))
            elif t != NULL and t not in removed:
                row[index[t]] -= p
    return solve_first_unknown(matrix)


def random_rows(seed: int, channels: str = "ABCD") -> list:
    rng = random.Random(seed)
    rows = {}
    for _ in range(14):
        path = tuple(rng.choice(channels) for _ in range(rng.randint(1, 4)))
        conv, non = rng.randint(0, 3), rng.randint(0, 4)
        rows[path] = (conv, non, Fraction(rng.randint(0, 50) * conv))
    return [(list(p), c, n, r) for p, (c, n, r) in rows.items() if c + n > 0]


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_value_effects_against_exact_rational_solver(order: int, seed: int) -> None:
    rows = random_rows(seed)
    frame = pd.DataFrame(
        {
            "transformed_path": [" > ".join(p) for p, _, _, _ in rows],
            "conversions": [c for _, c, _, _ in rows],
            "non_conversions": [n for _, _, n, _ in rows],
            "revenue": [float(r) for _, _, _, r in rows],
        }
    )
    transitions, values = dict_chain_with_values(rows, order)
    base = fraction_expected_value(transitions, values, set())
    # the ML chain reproduces the observed value per journey
    assert base == sum(r for *_, r in rows) / sum(c + n for _, c, n, _ in rows)
    result = markov_attribution(frame, order=order)
    assert result.details["expected_value"] == pytest.approx(float(base), rel=1e-12)
    expected = {}
    for channel in result.channels:
        removed = {s for s in transitions if channel in s}
        expected[channel] = 1 - fraction_expected_value(transitions, values, removed) / base
    assert value_effects(result) == pytest.approx({c: float(v) for c, v in expected.items()})
    total = sum(expected.values())
    revenue = float(sum(r for *_, r in rows))
    assert result.revenue_dict() == pytest.approx(
        {c: revenue * float(v / total) for c, v in expected.items()}
    )


def test_expected_value_helper_matches_details() -> None:
    chain = fit_markov_chain(case("values"), order=1)
    assert expected_value(chain) == pytest.approx(24.0)
