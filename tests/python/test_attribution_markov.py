"""Markov-chain attribution: hand-solved chains, properties and an exact-rational check.

The independent check below rebuilds the chain with plain dicts and solves the
absorption probabilities with ``fractions.Fraction`` Gaussian elimination, so it
shares no code with the module under test.
"""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from exact_linear import solve_first_unknown

from journey_analytics.attribution import fit_markov_chain, markov_attribution
from journey_analytics.attribution import markov as attribution_markov
from journey_analytics.attribution.markov import absorption_probability, removal_effects

CASES = Path(__file__).parent / "fixtures" / "attribution" / "hand_cases"
START, CONV, NULL = "<start>", "<conversion>", "<null>"


def case(name: str) -> pd.DataFrame:
    return pd.read_csv(CASES / f"{name}.csv")


def shares_check(result, effects: dict, total_conv, total_rev) -> None:
    """Removal effects as given, credit = total x RE / sum(RE) (conversion revenue split)."""
    assert result.details["revenue_split"] == "conversion"
    denominator = sum(effects.values())
    got_effects = dict(zip(result.channels, result.removal_effects.tolist(), strict=True))
    conv, rev = result.as_dict(), result.revenue_dict()
    for channel, effect in effects.items():
        assert got_effects[channel] == pytest.approx(float(effect), abs=1e-12)
        assert conv[channel] == pytest.approx(float(total_conv * effect / denominator), abs=1e-12)
        assert rev[channel] == pytest.approx(float(total_rev * effect / denominator), abs=1e-12)


# two_channels, order 1 (6 journeys, 2 conversions, rate 1/3):
#   start->A 3/6, start->B 3/6; A->B 2/3, A->null 1/3; B->conv 2/5, B->null 3/5
#   P = 1/2 * 2/3 * 2/5 + 1/2 * 2/5 = 2/15 + 3/15 = 1/3
#   without A: P = 1/2 * 2/5 = 1/5 -> RE_A = 1 - (1/5)/(1/3) = 2/5; without B: P = 0 -> RE_B = 1
def test_two_channels_order_1() -> None:
    result = markov_attribution(case("two_channels"), revenue_split="conversion", order=1)
    assert result.details["conversion_probability"] == pytest.approx(1 / 3)
    shares_check(result, {"A": Fraction(2, 5), "B": Fraction(1)}, 2, 30)


# two_channels, order 2: states (), (s,A), (s,B), (A,B)
#   ()->(s,A) 1/2, ()->(s,B) 1/2; (s,A)->(A,B) 2/3, ->null 1/3; (A,B)->conv 1/2; (s,B)->conv 1/3
#   P = 1/2 * 2/3 * 1/2 + 1/2 * 1/3 = 1/3
#   without A: 1/2 * 1/3 = 1/6 -> RE_A = 1/2; without B: 0 -> RE_B = 1
def test_two_channels_order_2() -> None:
    result = markov_attribution(case("two_channels"), revenue_split="conversion", order=2)
    assert result.details["conversion_probability"] == pytest.approx(1 / 3)
    shares_check(result, {"A": Fraction(1, 2), "B": Fraction(1)}, 2, 30)


# three_channels, order 1 (12 journeys, 4 conversions):
#   start->A 8/12, ->B 2/12, ->C 2/12; A->B 1/2, A->C 1/2
#   B->C 4/6, B->conv 1/6, B->null 1/6; C->conv 3/10, C->null 7/10
#   x_C = 3/10, x_B = 2/3*3/10 + 1/6 = 11/30, x_A = 1/2*11/30 + 1/2*3/10 = 1/3
#   P = 2/3*1/3 + 1/6*11/30 + 1/6*3/10 = 1/3
#   no A: 1/6*11/30 + 1/6*3/10 = 1/9          -> RE_A = 2/3
#   no B: x_A = 1/2*3/10 = 3/20; P = 2/3*3/20 + 1/6*3/10 = 3/20 -> RE_B = 11/20
#   no C: x_B = 1/6, x_A = 1/12; P = 2/3*1/12 + 1/6*1/6 = 1/12 -> RE_C = 3/4
#   sum RE = 59/30: A gets 4 * 20/59 = 80/59, B 66/59, C 90/59
def test_three_channels_order_1() -> None:
    result = markov_attribution(case("three_channels"), revenue_split="conversion", order=1)
    shares_check(result, {"A": Fraction(2, 3), "B": Fraction(11, 20), "C": Fraction(3, 4)}, 4, 150)
    assert result.conversions.tolist() == pytest.approx([80 / 59, 66 / 59, 90 / 59])


# three_channels, order 2: ()->(s,A) 8/12, (s,B) 2/12, (s,C) 2/12; (s,A)->(A,B) 1/2, (A,C) 1/2
#   (A,B)->(B,C) 1; (B,C)->conv 1/2; (A,C)->conv 1/4; (s,B)->conv 1/2; (s,C)->conv 0
#   P = 2/3 * (1/2*1/2 + 1/2*1/4) + 1/6 * 1/2 = 1/4 + 1/12 = 1/3
#   no A: 1/6*1/2 = 1/12; no B: 2/3*1/2*1/4 = 1/12; no C: 1/6*1/2 = 1/12 -> all RE = 3/4
def test_three_channels_order_2_and_3() -> None:
    for order in (2, 3):
        result = markov_attribution(case("three_channels"), revenue_split="conversion", order=order)
        assert result.details["conversion_probability"] == pytest.approx(1 / 3)
        shares_check(
            result, {"A": Fraction(3, 4), "B": Fraction(3, 4), "C": Fraction(3, 4)}, 4, 150
        )


# loop (8 journeys, 2 conversions): start->A 4/8, start->B 4/8
#   A->B 4/10, A->conv 2/10, A->null 4/10; B->A 6/8, B->null 2/8
#   x_A = 2/5 x_B + 1/5, x_B = 3/4 x_A -> x_A = 2/7, x_B = 3/14; P = 1/7 + 3/28 = 1/4
#   no A: 0 -> RE_A = 1; no B: x_A = 1/5, P = 1/10 -> RE_B = 1 - (1/10)/(1/4) = 3/5
def test_loop_order_1() -> None:
    result = markov_attribution(case("loop"), revenue_split="conversion", order=1)
    assert result.details["conversion_probability"] == pytest.approx(1 / 4)
    shares_check(result, {"A": Fraction(1), "B": Fraction(3, 5)}, 2, 15)
    assert result.as_dict() == pytest.approx({"A": 5 / 4, "B": 3 / 4})


# repeats (8 journeys, 3 conversions): start->A 6/8, start->B 2/8
#   A->A 2/8, A->B 4/8, A->null 2/8; B->conv 3/6
#   x_A = 1/4 x_A + 1/2 * 1/2 -> x_A = 1/3; P = 3/4*1/3 + 1/4*1/2 = 3/8
#   no A: 1/4 * 1/2 = 1/8 -> RE_A = 2/3; no B: 0 -> RE_B = 1; shares 2/5, 3/5
def test_repeats_order_1_and_collapse() -> None:
    for collapse in (False, True):
        result = markov_attribution(
            case("repeats"), revenue_split="conversion", order=1, collapse_repeats=collapse
        )
        assert result.details["conversion_probability"] == pytest.approx(3 / 8)
        shares_check(result, {"A": Fraction(2, 3), "B": Fraction(1)}, 3, 36)
        assert result.as_dict() == pytest.approx({"A": 6 / 5, "B": 9 / 5})


# repeats, order 2, repeats kept: (s,A)->(A,A) 2/6, (A,B) 2/6, null 2/6; (A,A)->(A,B) 1
#   (A,B)->conv 2/4; (s,B)->conv 1/2
#   P = 3/4 * (1/3*1/2 + 1/3*1/2) + 1/4*1/2 = 1/4 + 1/8 = 3/8
#   no A: 1/8 -> RE_A = 2/3; no B: 0 -> RE_B = 1 (same as order 1 here)
def test_repeats_order_2() -> None:
    result = markov_attribution(case("repeats"), revenue_split="conversion", order=2)
    shares_check(result, {"A": Fraction(2, 3), "B": Fraction(1)}, 3, 36)
    assert result.details["n_states"] == 5  # (), (s,A), (s,B), (A,A), (A,B)
    assert (
        markov_attribution(
            case("repeats"), revenue_split="conversion", order=2, collapse_repeats=True
        ).details["n_states"]
        == 4
    )


# ---------------------------------------------------------------- independent check
def fraction_absorption(transitions: dict, removed: set) -> Fraction:
    """Solve x_s = sum_t P(s,t) x_t, x_conv = 1, x_null = 0 exactly (Gauss-Jordan)."""
    states = [s for s in transitions if s not in removed]
    index = {s: i for i, s in enumerate(states)}
    n = len(states)
    matrix = [[Fraction(0)] * (n + 1) for _ in range(n)]
    for s in states:
        row = matrix[index[s]]
        out = transitions[s]
        total = sum(out.values())
        row[index[s]] += 1
        for t, count in out.items():
            p = Fraction(count) / total
            if t == CONV:
                row[n] += p
            elif t != NULL and t not in removed:
                row[index[t]] -= p
    return solve_first_unknown(matrix)  # states[0] is the start state (dict_chain puts it first)


def dict_chain(rows: list[tuple[list[str], int, int]], order: int) -> dict:
    """Transition counts with states = last `order` symbols, left-padded with START."""
    transitions: dict = {}

    def add(src, dst, count) -> None:
        if count:
            out = transitions.setdefault(src, {})
            out[dst] = out.get(dst, 0) + count

    for path, conv, non in rows:
        history = [START] * order
        state = tuple(history)
        transitions.setdefault(state, {})
        for channel in path:
            history = [*history[1:], channel]
            add(state, tuple(history), conv + non)
            state = tuple(history)
        add(state, CONV, conv)
        add(state, NULL, non)
    start = (START,) * order
    return {start: transitions.pop(start), **transitions}


def random_rows(seed: int, channels: str = "ABCD") -> list[tuple[list[str], int, int]]:
    rng = random.Random(seed)
    rows = {}
    for _ in range(14):
        path = [rng.choice(channels) for _ in range(rng.randint(1, 4))]
        rows[tuple(path)] = (rng.randint(0, 3), rng.randint(0, 4))
    return [(list(p), c, n) for p, (c, n) in rows.items() if c + n > 0]


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_against_exact_rational_solver(order: int, seed: int) -> None:
    rows = random_rows(seed)
    frame = pd.DataFrame(
        {
            "transformed_path": [" > ".join(p) for p, _, _ in rows],
            "conversions": [c for _, c, _ in rows],
            "non_conversions": [n for _, _, n in rows],
            "revenue": [1.0] * len(rows),
        }
    )
    transitions = dict_chain(rows, order)
    base = fraction_absorption(transitions, set())
    # the ML chain reproduces the observed conversion rate, at every order
    total_conv = sum(c for _, c, _ in rows)
    assert base == Fraction(total_conv, sum(c + n for _, c, n in rows))
    result = markov_attribution(frame, order=order)
    assert result.details["conversion_probability"] == pytest.approx(float(base), abs=1e-12)
    for channel, effect in zip(result.channels, result.removal_effects, strict=True):
        removed = {s for s in transitions if isinstance(s, tuple) and channel in s}
        expected = 1 - fraction_absorption(transitions, removed) / base
        assert effect == pytest.approx(float(expected), abs=1e-12)


# ---------------------------------------------------------------- properties
def synthetic_summary(seed: int, n_channels: int = 6, n_paths: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = [f"Channel {i}_x" for i in range(n_channels)]
    paths = {" > ".join(rng.choice(names, size=rng.integers(1, 7))): None for _ in range(n_paths)}
    n = len(paths)
    return pd.DataFrame(
        {
            "transformed_path": list(paths),
            "conversions": rng.integers(0, 5, n),
            "non_conversions": rng.integers(0, 20, n),
            "revenue": rng.uniform(0, 100, n).round(2),
        }
    )


@pytest.mark.parametrize("order", [1, 2, 3])
def test_probability_equals_observed_rate_and_credit_sums(order: int) -> None:
    data = synthetic_summary(seed=order)
    result = markov_attribution(data, order=order)
    observed = data["conversions"].sum() / (data["conversions"] + data["non_conversions"]).sum()
    assert result.details["conversion_probability"] == pytest.approx(observed, rel=1e-10)
    assert result.details["observed_conversion_rate"] == pytest.approx(observed)
    assert result.conversions.sum() == pytest.approx(data["conversions"].sum())
    assert result.revenue.sum() == pytest.approx(data["revenue"].sum())
    assert (result.removal_effects >= -1e-12).all() and (result.removal_effects <= 1 + 1e-12).all()


@pytest.mark.parametrize("order", [1, 2, 3])
def test_dense_and_sparse_solvers_agree(order: int) -> None:
    chain = fit_markov_chain(synthetic_summary(seed=10 + order), order=order)
    dense = removal_effects(chain, solver="dense")
    sparse = removal_effects(chain, solver="sparse")
    assert dense[0] == pytest.approx(sparse[0], rel=1e-12)
    np.testing.assert_allclose(dense[1], sparse[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("order", [1, 3])
def test_lookup_table_and_sorting_paths_agree(order: int, monkeypatch: pytest.MonkeyPatch) -> None:
    data = synthetic_summary(seed=20 + order)
    fast = markov_attribution(data, order=order)
    monkeypatch.setattr(attribution_markov, "LOOKUP_TABLE_LIMIT", 0)
    slow = markov_attribution(data, order=order)
    assert fast.details["n_states"] == slow.details["n_states"]
    assert fast.details["conversion_probability"] == pytest.approx(
        slow.details["conversion_probability"], rel=1e-12
    )
    np.testing.assert_allclose(fast.removal_effects, slow.removal_effects, atol=1e-12)


def test_simulation_loose_cross_check() -> None:
    # walk the fitted order-1 chain 20k times; absorption frequency ~ exact probability
    chain = fit_markov_chain(case("three_channels"), order=1)
    exact = absorption_probability(chain)
    # columns: transient states..., conversion, null
    full = np.hstack(
        [chain.transient.toarray(), chain.to_conversion[:, None], chain.to_null[:, None]]
    )
    cumulative = np.cumsum(full, axis=1)
    n_states, walks = chain.n_states, 20_000
    state = np.zeros(walks, dtype=int)
    rng = np.random.default_rng(7)
    while (state < n_states).any():
        moving = state < n_states
        u = rng.random(moving.sum())
        nxt = np.minimum((u[:, None] >= cumulative[state[moving]]).sum(axis=1), n_states + 1)
        state[moving] = nxt
    assert (state == n_states).mean() == pytest.approx(exact, abs=0.015)


def test_order_1_self_loops_do_not_matter() -> None:
    data = synthetic_summary(seed=5)
    kept = markov_attribution(data, order=1)
    collapsed = markov_attribution(data, order=1, collapse_repeats=True)
    np.testing.assert_allclose(kept.removal_effects, collapsed.removal_effects, atol=1e-12)


def test_symmetric_channels_get_equal_credit() -> None:
    data = [("A > C", 1, 1, 0), ("B > C", 1, 1, 0), ("A", 0, 1, 0), ("B", 0, 1, 0), ("C", 1, 2, 0)]
    result = markov_attribution(data).as_dict()
    assert result["A"] == pytest.approx(result["B"])


def test_no_conversions_gives_zero_credit() -> None:
    result = markov_attribution([("A > B", 0, 3, 0.0), ("B", 0, 2, 0.0)])
    assert result.conversions.tolist() == [0.0, 0.0]
    assert result.removal_effects.tolist() == [0.0, 0.0]


def test_rejects_bad_order() -> None:
    with pytest.raises(ValueError):
        markov_attribution(case("loop"), order=0)
