"""Journeys with a planted causal channel model, for testing attribution models.

Each journey visits ``L`` touches (1 to ``max_length``), each drawn from the channels'
popularity; a channel marked ``assist_only`` never takes the last touch (it is
redrawn there), so last-touch models cannot see it.  A journey with the set ``S`` of
distinct channels converts with ``P(S) = 1 - (1 - base) * prod_{c in S} (1 - lift_c)``
(the causal model of journey_sample.generator).  Converting journeys carry a value
drawn from the channel ``value_channel``'s value when present, else ``base_value``.

The planted truth per channel is the expected Shapley conversions of the causal game
restricted to each journey's own channel set (``v(T) = P(T) - P(empty)``), summed over
the journeys -- the same definition as the generator's ``expected_shapley_conversions``.
It is computed here from the lifts, independently of the attribution package.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Scenario:
    """A planted channel model."""

    name: str
    channels: tuple[str, ...]
    popularity: tuple[float, ...]
    lift: tuple[float, ...]
    assist_only: tuple[str, ...] = ()
    base: float = 0.02
    max_length: int = 5
    n_journeys: int = 20_000


def simulate(scenario: Scenario, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Path summary of simulated journeys and the ``(n_journeys, m)`` presence matrix."""
    rng = np.random.default_rng(seed)
    m = len(scenario.channels)
    popularity = np.asarray(scenario.popularity, dtype=float)
    popularity /= popularity.sum()
    lengths = rng.integers(1, scenario.max_length + 1, scenario.n_journeys)
    width = scenario.max_length
    codes = rng.choice(m, size=(scenario.n_journeys, width), p=popularity)
    assist = [scenario.channels.index(c) for c in scenario.assist_only]
    last = lengths - 1
    rows = np.arange(scenario.n_journeys)
    if assist:
        others = np.setdiff1d(np.arange(m), assist)
        other_p = popularity[others] / popularity[others].sum()
        bad = np.isin(codes[rows, last], assist)
        codes[rows[bad], last[bad]] = rng.choice(others, size=int(bad.sum()), p=other_p)
    codes[np.arange(width)[None, :] >= lengths[:, None]] = -1
    presence = np.zeros((scenario.n_journeys, m), dtype=bool)
    valid = codes >= 0
    presence[np.broadcast_to(rows[:, None], codes.shape)[valid], codes[valid]] = True
    probability = conversion_probability(scenario, presence)
    converted = rng.random(scenario.n_journeys) < probability
    value = np.where(converted, rng.gamma(4.0, 10.0, scenario.n_journeys), 0.0)
    names = np.asarray(scenario.channels, dtype=object)
    paths = [" > ".join(names[row[row >= 0]]) for row in codes]
    frame = pd.DataFrame({"transformed_path": paths, "converted": converted, "value": value})
    summary = frame.groupby("transformed_path", as_index=False).agg(
        conversions=("converted", "sum"),
        journeys=("converted", "size"),
        revenue=("value", "sum"),
    )
    summary["non_conversions"] = summary["journeys"] - summary["conversions"]
    return summary[["transformed_path", "conversions", "non_conversions", "revenue"]], presence


def conversion_probability(scenario: Scenario, presence: np.ndarray) -> np.ndarray:
    """``P(S)`` of the causal model for each row of a presence matrix."""
    keep = np.prod(np.where(presence, 1.0 - np.asarray(scenario.lift), 1.0), axis=1)
    return 1.0 - (1.0 - scenario.base) * keep


def planted_shapley_conversions(scenario: Scenario, presence: np.ndarray) -> dict[str, float]:
    """Expected Shapley conversions per channel (module doc), by enumeration."""
    m = len(scenario.channels)
    totals = np.zeros(m)
    sets, counts = np.unique(presence, axis=0, return_counts=True)
    for members_mask, count in zip(sets, counts, strict=True):
        members = np.flatnonzero(members_mask)
        k = len(members)
        for position, player in enumerate(members):
            rest = np.delete(members, position)
            gain = 0.0
            for size in range(k):
                weight = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
                for coalition in itertools.combinations(rest, size):
                    with_player = np.zeros((1, m), dtype=bool)
                    with_player[0, list(coalition)] = True
                    without = with_player.copy()
                    with_player[0, player] = True
                    gain += weight * float(
                        conversion_probability(scenario, with_player)[0]
                        - conversion_probability(scenario, without)[0]
                    )
            totals[player] += count * gain
    return dict(zip(scenario.channels, totals.tolist(), strict=True))


SCENARIOS = (
    Scenario(
        "dominant_null_assist_rare",
        channels=("Dominant", "Null", "Assist", "Rare", "Other A", "Other B"),
        popularity=(0.30, 0.25, 0.15, 0.002, 0.15, 0.15),
        lift=(0.20, 0.0, 0.06, 0.06, 0.02, 0.02),
        assist_only=("Assist",),
    ),
    Scenario(
        "many_channels_long_tail",
        channels=(
            "Dominant",
            "Null",
            "Assist",
            "Rare",
            "Email",
            "Social",
            "Display",
            "Affiliate",
            "Video",
            "Referral",
            "Podcast",
            "Print",
        ),
        popularity=(0.25, 0.15, 0.10, 0.001, 0.10, 0.10, 0.08, 0.06, 0.05, 0.05, 0.03, 0.03),
        lift=(0.15, 0.0, 0.05, 0.05, 0.02, 0.02, 0.01, 0.02, 0.01, 0.01, 0.02, 0.01),
        assist_only=("Assist",),
        n_journeys=30_000,
    ),
    Scenario(
        "null_is_most_popular",
        channels=("Dominant", "Null", "Assist", "Rare", "Other"),
        popularity=(0.20, 0.45, 0.15, 0.003, 0.20),
        lift=(0.25, 0.0, 0.08, 0.08, 0.03),
        assist_only=("Assist",),
        base=0.01,
    ),
)
