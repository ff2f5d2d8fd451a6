"""Shapley attribution: hand-computed games, brute force over permutations, properties.

These tests check the plain coalition game, so ``shapley_attribution`` is called with
``min_support=0`` throughout; minimum support and the path-level game are tested in
test_attribution_shapley_robust.py.
"""

from __future__ import annotations

import itertools
import math
import time
from fractions import Fraction
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from journey_analytics.attribution import (
    exact_shapley_values,
    ordered_shapley,
    permutation_shapley_values,
    simplified_shapley,
)
from journey_analytics.attribution import shapley_attribution as robust_shapley_attribution
from journey_analytics.attribution.shapley import subset_sum_transform

shapley_attribution = partial(robust_shapley_attribution, min_support=0)
CASES = Path(__file__).parent / "fixtures" / "attribution" / "hand_cases"


def case(name: str) -> pd.DataFrame:
    return pd.read_csv(CASES / f"{name}.csv")


def approx_dict(expected: dict) -> dict:
    return pytest.approx({k: float(v) for k, v in expected.items()}, abs=1e-12)


# two_channels: sets {A,B} 1 conv of 2, {B} 1 of 3, {A} 0 of 1
#   conversions:     v(A)=0, v(B)=1, v(AB)=2
#     phi_A = 1/2[(0-0) + (2-1)] = 1/2, phi_B = 1/2[(1-0) + (2-0)] = 3/2
#   conversion_rate: v(A)=0/1, v(B)=1/3, v(AB)=2/6
#     phi_A = 1/2[0 + (1/3-1/3)] = 0, phi_B = 1/2[1/3 + 1/3] = 1/3 -> B gets all 2
def test_two_channels() -> None:
    data = case("two_channels")
    conversions = shapley_attribution(data, value_function="conversions")
    assert conversions.as_dict() == approx_dict({"A": Fraction(1, 2), "B": Fraction(3, 2)})
    assert conversions.method == "exact"
    rate = shapley_attribution(data, value_function="conversion_rate")
    assert rate.details["shapley_values"].tolist() == pytest.approx([0, 1 / 3])
    assert rate.as_dict() == approx_dict({"A": 0, "B": 2})
    assert rate.revenue_dict() == approx_dict({"A": 0, "B": 30})
    assert simplified_shapley(data).as_dict() == approx_dict(
        {"A": Fraction(1, 2), "B": Fraction(3, 2)}
    )
    # simplified revenue: A > B's 10 split 5/5, B's 20 to B
    assert simplified_shapley(data).revenue_dict() == approx_dict({"A": 5, "B": 25})


# three_channels: {A,B,C} 2 of 4, {A,C} 1 of 4, {B} 1 of 2, {C} 0 of 2
#   conversions: simplified = A 2/3 + 1/2 = 7/6, B 2/3 + 1 = 5/3, C 2/3 + 1/2 = 7/6
#   conversion_rate: v(A)=0, v(B)=1/2, v(C)=0, v(AB)=1/2, v(AC)=1/6, v(BC)=1/4, v(ABC)=1/3
#     phi_A = 1/3*0 + 1/6*(1/2-1/2) + 1/6*(1/6-0) + 1/3*(1/3-1/4) = 1/36 + 1/36 = 1/18
#     phi_B = 1/3*1/2 + 1/6*(1/2-0) + 1/6*(1/4-0) + 1/3*(1/3-1/6) = 25/72
#     phi_C = 1/3*0 + 1/6*(1/6-0) + 1/6*(1/4-1/2) + 1/3*(1/3-1/2) = -5/72
#     sum = 24/72 = 1/3 = v(ABC); credit = 4 * phi / (1/3): A 2/3, B 25/6, C -5/6
def test_three_channels() -> None:
    data = case("three_channels")
    expected_simplified = {"A": Fraction(7, 6), "B": Fraction(5, 3), "C": Fraction(7, 6)}
    assert shapley_attribution(data, value_function="conversions").as_dict() == approx_dict(
        expected_simplified
    )
    assert simplified_shapley(data).as_dict() == approx_dict(expected_simplified)
    phi = exact_shapley_values(data, "conversion_rate")
    assert phi.tolist() == pytest.approx([1 / 18, 25 / 72, -5 / 72], abs=1e-12)
    rate = shapley_attribution(data)
    assert rate.as_dict() == approx_dict(
        {"A": Fraction(2, 3), "B": Fraction(25, 6), "C": Fraction(-5, 6)}
    )
    assert rate.revenue.sum() == pytest.approx(150)


# loop: every path has channel set {A,B}: v(A)=v(B)=0 -> A and B are symmetric
#   conversions: v(AB) = 2 -> 1 each; conversion_rate: v(AB) = 2/8 -> 1/8 each -> 1 conv each
def test_loop_symmetric() -> None:
    data = case("loop")
    for value_function in ("conversions", "conversion_rate"):
        result = shapley_attribution(data, value_function=value_function)
        assert result.as_dict() == approx_dict({"A": 1, "B": 1})
    # ordered: A > B > A (|S| = 2, A twice): A@1 1/4, B@2 1/2, A@3 1/4; B > A: B@1 1/2, A@2 1/2
    table = ordered_shapley(data).details["by_position"]
    got = {(r.channel, r.touch_position): r.attributed_conversions for r in table.itertuples()}
    assert got == approx_dict(
        {
            ("A", 1): Fraction(1, 4),
            ("A", 2): Fraction(1, 2),
            ("A", 3): Fraction(1, 4),
            ("B", 1): Fraction(1, 2),
            ("B", 2): Fraction(1, 2),
        }
    )
    revenue = {(r.channel, r.touch_position): r.attributed_revenue for r in table.itertuples()}
    # A > B > A revenue 10: A@1 2.5, B@2 5, A@3 2.5; B > A revenue 5: B@1 2.5, A@2 2.5
    assert revenue == approx_dict(
        {("A", 1): 2.5, ("A", 2): 2.5, ("A", 3): 2.5, ("B", 1): 2.5, ("B", 2): 5}
    )


# repeats: {A,B} 2 of 4 (A > A > B, A > B), {A} 0 of 2, {B} 1 of 2
#   conversions: v(A)=0, v(B)=1, v(AB)=3 -> phi_A = 1/2[0 + 2] = 1, phi_B = 1/2[1 + 3] = 2
#   conversion_rate: v(A)=0, v(B)=1/2, v(AB)=3/8
#     phi_A = 1/2[0 + (3/8-1/2)] = -1/16, phi_B = 1/2[1/2 + 3/8] = 7/16
#     credit = 3 * phi / (3/8): A -1/2, B 7/2
def test_repeats() -> None:
    data = case("repeats")
    assert shapley_attribution(data, value_function="conversions").as_dict() == approx_dict(
        {"A": 1, "B": 2}
    )
    assert shapley_attribution(data).as_dict() == approx_dict(
        {"A": Fraction(-1, 2), "B": Fraction(7, 2)}
    )
    # ordered: A > A > B: A@1 1/4, A@2 1/4, B@3 1/2; A > B: A@1 1/2, B@2 1/2; B: B@1 1
    table = ordered_shapley(data).details["by_position"]
    got = {(r.channel, r.touch_position): r.attributed_conversions for r in table.itertuples()}
    assert got == approx_dict(
        {
            ("A", 1): Fraction(3, 4),
            ("A", 2): Fraction(1, 4),
            ("B", 1): 1,
            ("B", 2): Fraction(1, 2),
            ("B", 3): Fraction(1, 2),
        }
    )
    assert ordered_shapley(data).as_dict() == approx_dict({"A": 1, "B": 2})


# ---------------------------------------------------------------- brute force
def brute_force_shapley(rows, value_function: str) -> dict:
    """Average marginal contribution over all orderings, with exact fractions."""
    channels = sorted({c for path, _, _ in rows for c in path})

    def value(coalition: frozenset) -> Fraction:
        inside = [(c, n) for path, c, n in rows if set(path) <= coalition]
        conv = sum(c for c, _ in inside)
        if not coalition:
            return Fraction(0)
        if value_function == "conversions":
            return Fraction(conv)
        total = sum(c + n for c, n in inside)
        return Fraction(conv, total) if total else Fraction(0)

    totals = dict.fromkeys(channels, Fraction(0))
    for order in itertools.permutations(channels):
        coalition: frozenset = frozenset()
        for channel in order:
            bigger = coalition | {channel}
            totals[channel] += value(bigger) - value(coalition)
            coalition = bigger
    count = math.factorial(len(channels))
    return {c: v / count for c, v in totals.items()}


def random_rows(seed: int, n_channels: int):
    rng = np.random.default_rng(seed)
    names = [f"ch_{i} x" for i in range(n_channels)]
    rows = {}
    for _ in range(25):
        path = tuple(rng.choice(names, size=rng.integers(1, 5)))
        rows[path] = (int(rng.integers(0, 4)), int(rng.integers(0, 6)))
    return [(p, c, n) for p, (c, n) in rows.items() if c + n > 0]


def as_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "transformed_path": [" > ".join(p) for p, _, _ in rows],
            "conversions": [c for _, c, _ in rows],
            "non_conversions": [n for _, _, n in rows],
            "revenue": [10.0 * c for _, c, _ in rows],
        }
    )


@pytest.mark.parametrize("value_function", ["conversions", "conversion_rate"])
@pytest.mark.parametrize(("seed", "n_channels"), [(1, 3), (2, 4), (3, 5), (4, 6)])
def test_exact_matches_permutation_brute_force(seed, n_channels, value_function) -> None:
    rows = random_rows(seed, n_channels)
    expected = brute_force_shapley(rows, value_function)
    frame = as_frame(rows)
    phi = exact_shapley_values(frame, value_function)
    channels = sorted(expected)
    assert phi.tolist() == pytest.approx([float(expected[c]) for c in channels], abs=1e-12)


# ---------------------------------------------------------------- properties
def test_efficiency_and_credit_sums() -> None:
    frame = as_frame(random_rows(11, 7))
    total_conv = frame["conversions"].sum()
    rate = total_conv / (frame["conversions"] + frame["non_conversions"]).sum()
    assert exact_shapley_values(frame, "conversion_rate").sum() == pytest.approx(rate)
    assert exact_shapley_values(frame, "conversions").sum() == pytest.approx(total_conv)
    for model in (shapley_attribution, simplified_shapley, ordered_shapley):
        result = model(frame)
        assert result.conversions.sum() == pytest.approx(total_conv)
        assert result.revenue.sum() == pytest.approx(frame["revenue"].sum())


def test_symmetric_channels_get_equal_credit() -> None:
    # X and Y appear in mirror-image paths with identical counts
    rows = [
        ("X > Z", 2, 3, 5.0),
        ("Y > Z", 2, 3, 5.0),
        ("X", 1, 4, 1.0),
        ("Y", 1, 4, 1.0),
        ("X > Y", 1, 1, 2.0),
        ("Z", 0, 5, 0.0),
    ]
    for value_function in ("conversions", "conversion_rate"):
        phi = exact_shapley_values(rows, value_function)  # channels X, Y, Z
        assert phi[0] == pytest.approx(phi[1], abs=1e-15)


def test_dummy_channel_gets_nothing_under_conversions() -> None:
    # D never converts and appears only alone: v(S + D) = v(S) for every S
    rows = [("A > B", 3, 1, 0.0), ("B", 1, 1, 0.0), ("D", 0, 9, 0.0)]
    phi = exact_shapley_values(rows, "conversions")
    assert phi[2] == 0.0


def test_simplified_equals_exact_conversions_game() -> None:
    frame = as_frame(random_rows(21, 8))
    exact = shapley_attribution(frame, value_function="conversions")
    simple = simplified_shapley(frame)
    np.testing.assert_allclose(exact.conversions, simple.conversions, atol=1e-10)
    ordered = ordered_shapley(frame)
    np.testing.assert_allclose(ordered.conversions, simple.conversions, atol=1e-12)
    by_position = ordered.details["by_position"]
    assert by_position["attributed_conversions"].sum() == pytest.approx(frame["conversions"].sum())


def test_subset_sum_transform() -> None:
    # f = [1, 2, 3, 4] over masks {}, {0}, {1}, {0,1} -> [1, 1+2, 1+3, 1+2+3+4]
    values = np.array([1.0, 2.0, 3.0, 4.0])
    assert subset_sum_transform(values).tolist() == [1.0, 3.0, 4.0, 10.0]
    with pytest.raises(ValueError):
        subset_sum_transform(np.zeros(3))


def many_channel_summary(n_channels: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = [f"c{i:02d}" for i in range(n_channels)]
    paths = {" > ".join(rng.choice(names, size=rng.integers(1, 6))) for _ in range(600)}
    paths |= set(names)  # every channel present
    n = len(paths)
    return pd.DataFrame(
        {
            "transformed_path": sorted(paths),
            "conversions": rng.integers(0, 4, n),
            "non_conversions": rng.integers(1, 9, n),
            "revenue": rng.uniform(0, 50, n),
        }
    )


def test_switches_to_approximation_above_limit() -> None:
    frame = many_channel_summary(17)
    rate = shapley_attribution(frame, n_permutations=200)
    assert rate.method == "permutation_sampling"
    assert rate.conversions.sum() == pytest.approx(frame["conversions"].sum())
    conversions = shapley_attribution(frame, value_function="conversions")
    assert conversions.method == "simplified"
    forced = shapley_attribution(frame, value_function="conversions", force_exact=True)
    assert forced.method == "exact"
    np.testing.assert_allclose(forced.conversions, conversions.conversions, atol=1e-9)
    sampled = shapley_attribution(frame, approximation="permutation_sampling", n_permutations=50)
    assert sampled.method == "permutation_sampling"
    assert shapley_attribution(frame, max_exact_channels=20).method == "exact"


def test_permutation_sampling_is_seeded_and_close() -> None:
    frame = as_frame(random_rows(5, 6))
    exact = exact_shapley_values(frame, "conversion_rate")
    sampled = permutation_shapley_values(frame, "conversion_rate", n_permutations=4000, seed=3)
    again = permutation_shapley_values(frame, "conversion_rate", n_permutations=4000, seed=3)
    assert sampled.tolist() == again.tolist()
    assert sampled.sum() == pytest.approx(exact.sum(), abs=1e-12)  # efficiency per permutation
    np.testing.assert_allclose(sampled, exact, atol=0.01)
    conv_sampled = permutation_shapley_values(frame, "conversions", n_permutations=4000, seed=3)
    np.testing.assert_allclose(conv_sampled, exact_shapley_values(frame, "conversions"), atol=0.2)


def test_sampling_beyond_bitmask_width() -> None:
    # 70 channels (more than an int64 bitmask holds): sampling still distributes v(N)
    rows = [(" > ".join(f"c{(7 * i + k) % 70}" for k in range(3)), 1, 2, 3.0) for i in range(90)]
    result = shapley_attribution(rows, n_permutations=30)
    assert result.method == "permutation_sampling"
    assert result.details["shapley_values"].sum() == pytest.approx(1 / 3)
    assert result.conversions.sum() == pytest.approx(90)


def test_twenty_channels_exact_is_fast() -> None:
    frame = many_channel_summary(20, seed=4)
    started = time.perf_counter()
    result = shapley_attribution(frame, force_exact=True)
    elapsed = time.perf_counter() - started
    assert result.method == "exact"
    assert result.details["shapley_values"].sum() == pytest.approx(
        frame["conversions"].sum() / (frame["conversions"] + frame["non_conversions"]).sum()
    )
    assert elapsed < 10


def test_rejects_unknown_value_function() -> None:
    with pytest.raises(ValueError):
        shapley_attribution(case("loop"), value_function="revenue")  # type: ignore[arg-type]
