"""Shapley-value attribution: exact over channel coalitions, sampled, simplified, ordered.

**Game.**  Players are the channels.  A journey "belongs" to coalition ``S`` when its
set of distinct channels is a subset of ``S``.  Two characteristic functions:

* ``"conversion_rate"``: ``v(S) = conversions / (conversions + non_conversions)`` over
  the journeys belonging to ``S`` (0 when there are none); ``v(empty) = 0``.
* ``"conversions"``: ``v(S)`` = conversions of the journeys belonging to ``S``.

**Exact computation.**  Journeys are aggregated by channel-set bitmask, the subset
sums over all ``2**m`` coalitions come from one zeta (subset-sum) transform -- ``m``
vectorised passes ``f[S | bit] += f[S]`` -- and the Shapley value

    phi_i = sum over S not containing i of |S|! (m - |S| - 1)! / m! * (v(S + i) - v(S))

is evaluated for each ``i`` as one vectorised reduction over the ``2**(m-1)`` pairs
``(S, S + i)``.  Memory is a few float arrays of ``2**m`` entries (8 MiB each at
``m = 20``).

**Attribution.**  ``conversions_c = total_conversions * phi_c / sum(phi)`` and the same
for revenue.  Efficiency gives ``sum(phi) = v(N)``: the total conversions for
``"conversions"`` (so the scaling is the identity) and the overall conversion rate
for ``"conversion_rate"``.  With ``"conversion_rate"`` a channel whose presence lowers
the conversion rate of coalitions gets a *negative* value and negative credit.

**Approximation.**  Above ``max_exact_channels`` (default 15) channels, unless
``force_exact``: for ``"conversions"`` the simplified formula below (method
``"simplified"``), which is the closed form of this very game and hence still exact;
for ``"conversion_rate"`` Monte-Carlo permutation sampling (Castro, Gomez & Tejada,
"Polynomial calculation of the Shapley value based on sampling", Computers &
Operations Research 2009) with a fixed seed (method ``"permutation_sampling"``).
Every sampled permutation distributes exactly ``v(N)``, so efficiency still holds.

**Simplified and ordered Shapley** (Zhao, Mahboobi & Bagheri 2018, "Shapley Value
Methods for Attribution Modeling in Online Advertising", arXiv:1804.05327).  With
``R(S)`` the KPI of the journeys whose channel set is exactly ``S`` and
``v(S) = sum of R(T) for T subset of S``, the Shapley value reduces to

    phi_j = sum over S containing j of R(S) / |S|

i.e. each journey's KPI is split equally among its distinct channels.  The ordered
variant keeps the touch position: ``phi_j^i`` is the credit of channel ``j`` at the
``i``-th touch, where a channel met ``n_j`` times in a journey hands ``1 / n_j`` of its
``R(S) / |S|`` to each of its touches.  Summing ``phi_j^i`` over positions gives back
the simplified ``phi_j``.  The KPI is conversions for attributed conversions and
revenue for attributed revenue (the formula is linear in the KPI).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from journey_analytics.attribution_core import (
    AttributionResult,
    PathSummary,
    load_path_summary,
    share_out,
)

ValueFunction = Literal["conversion_rate", "conversions"]
Approximation = Literal["auto", "simplified", "permutation_sampling"]
VALUE_FUNCTIONS: tuple[str, ...] = ("conversion_rate", "conversions")
EXACT_CHANNEL_HARD_LIMIT = 24
_SAMPLING_BLOCK = 1 << 22


def _check_value_function(value_function: str) -> None:
    if value_function not in VALUE_FUNCTIONS:
        raise ValueError(f"value_function must be one of {VALUE_FUNCTIONS}")


def channel_presence(summary: PathSummary) -> np.ndarray:
    """``(n_paths, n_channels)`` boolean matrix: channel appears in the path."""
    presence = np.zeros((summary.n_paths, summary.n_channels), dtype=bool)
    valid = summary.valid_mask()
    rows = np.broadcast_to(np.arange(summary.n_paths)[:, None], summary.codes.shape)
    presence[rows[valid], summary.codes[valid]] = True
    return presence


def channel_set_masks(summary: PathSummary) -> np.ndarray:
    """Bitmask (bit ``c`` = channel code ``c``) of each path's distinct channels."""
    if summary.n_channels > 62:
        raise ValueError("bitmasks support at most 62 channels")
    bits = np.left_shift(np.int64(1), np.arange(summary.n_channels, dtype=np.int64))
    return channel_presence(summary).astype(np.int64) @ bits


def subset_sum_transform(values: np.ndarray) -> np.ndarray:
    """Zeta transform in place: ``values[S] <- sum of values[T] for T subset of S``."""
    size = values.shape[0]
    m = size.bit_length() - 1
    if size != 1 << m:
        raise ValueError("length must be a power of two")
    for bit in range(m):
        view = values.reshape(-1, 2, 1 << bit)
        view[:, 1, :] += view[:, 0, :]
    return values


def coalition_values(summary: PathSummary, value_function: ValueFunction) -> np.ndarray:
    """``v(S)`` for all ``2**m`` coalitions ``S`` (index = bitmask)."""
    _check_value_function(value_function)
    size = 1 << summary.n_channels
    masks = channel_set_masks(summary)
    converted = np.bincount(masks, weights=summary.conversions, minlength=size)
    subset_sum_transform(converted)
    if value_function == "conversions":
        converted[0] = 0.0
        return converted
    journeys = np.bincount(
        masks, weights=summary.conversions + summary.non_conversions, minlength=size
    )
    subset_sum_transform(journeys)
    np.divide(converted, journeys, out=converted, where=journeys > 0)
    converted[journeys <= 0] = 0.0
    converted[0] = 0.0
    return converted


def _popcounts(m: int) -> np.ndarray:
    counts = np.zeros(1, dtype=np.uint8)
    for _ in range(m):
        counts = np.concatenate([counts, counts + 1])
    return counts


def shapley_from_coalition_values(values: np.ndarray) -> np.ndarray:
    """Exact Shapley values from a table of ``2**m`` coalition values."""
    m = values.shape[0].bit_length() - 1
    # weight of a coalition of size s that does not contain the player: s!(m-s-1)!/m!
    weight_by_size = np.array([1.0 / (m * math.comb(m - 1, s)) for s in range(m)] + [0.0])
    sizes = _popcounts(m)
    phi = np.zeros(m)
    for player in range(m):
        pairs = values.reshape(-1, 2, 1 << player)
        size_without = sizes.reshape(-1, 2, 1 << player)[:, 0, :]
        gain = pairs[:, 1, :] - pairs[:, 0, :]
        phi[player] = float(np.sum(gain * weight_by_size[size_without]))
    return phi


def exact_shapley_values(
    data: object, value_function: ValueFunction = "conversion_rate"
) -> np.ndarray:
    """Exact Shapley value of every channel (aligned with ``summary.channels``)."""
    summary = load_path_summary(data)
    if summary.n_channels > EXACT_CHANNEL_HARD_LIMIT:
        raise ValueError(
            f"exact Shapley needs 2**m coalitions; refusing m > {EXACT_CHANNEL_HARD_LIMIT}"
        )
    if summary.n_channels == 0:
        return np.zeros(0)
    return shapley_from_coalition_values(coalition_values(summary, value_function))


def _distinct_channel_sets(summary: PathSummary) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct channel sets with their conversions and journeys.

    Returns ``(members, converted, journeys)`` where ``members`` is a
    ``(n_sets, max_set_size)`` matrix of channel codes padded with ``n_channels``.
    """
    presence = channel_presence(summary)
    if summary.n_channels <= 62:  # one int64 bitmask per path: fast 1-D unique
        keys = presence.astype(np.int64) @ (np.int64(1) << np.arange(summary.n_channels))
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    else:
        packed = np.packbits(presence, axis=1)
        _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    converted = np.bincount(inverse, weights=summary.conversions)
    journeys = np.bincount(inverse, weights=summary.conversions + summary.non_conversions)
    sets = presence[first]
    sizes = sets.sum(axis=1)
    members = np.full((sets.shape[0], int(sizes.max(initial=1))), summary.n_channels)
    rows, channels = np.nonzero(sets)
    members[rows, np.arange(rows.shape[0]) - np.repeat(np.cumsum(sizes) - sizes, sizes)] = channels
    return members, converted, journeys


def _prefix_values(
    entry_step: np.ndarray,
    converted: np.ndarray,
    journeys: np.ndarray,
    value_function: ValueFunction,
    m: int,
) -> np.ndarray:
    """``v`` of every permutation prefix; ``entry_step[p, u]`` = step set ``u`` joins."""
    n_perm = entry_step.shape[0]
    offset = (np.arange(n_perm, dtype=np.int64) * m)[:, None]
    flat = (entry_step + offset).ravel()
    conv = np.bincount(flat, weights=np.tile(converted, n_perm), minlength=n_perm * m)
    conv = np.cumsum(conv.reshape(n_perm, m), axis=1)
    if value_function == "conversions":
        return conv
    total = np.bincount(flat, weights=np.tile(journeys, n_perm), minlength=n_perm * m)
    total = np.cumsum(total.reshape(n_perm, m), axis=1)
    return np.divide(conv, total, out=np.zeros_like(conv), where=total > 0)


def permutation_shapley_values(
    data: object,
    value_function: ValueFunction = "conversion_rate",
    *,
    n_permutations: int = 1000,
    seed: int = 0,
) -> np.ndarray:
    """Monte-Carlo Shapley values from ``n_permutations`` uniformly drawn orders.

    For each permutation the marginal gain of every channel is read off the prefix
    values: a channel set joins the growing coalition at the step of its latest
    channel in the permutation.  Cost is ``n_permutations * n_sets * max_set_size``
    gathers for ``n_sets`` distinct channel sets.  Deterministic for a given ``seed``.
    """
    _check_value_function(value_function)
    summary = load_path_summary(data)
    m = summary.n_channels
    if m == 0:
        return np.zeros(0)
    members, converted, journeys = _distinct_channel_sets(summary)
    rng = np.random.default_rng(seed)
    phi = np.zeros(m)
    block = max(1, _SAMPLING_BLOCK // members.size)
    done = 0
    while done < n_permutations:
        n_perm = min(block, n_permutations - done)
        order = rng.permuted(np.tile(np.arange(m), (n_perm, 1)), axis=1)
        # step at which each channel joins; the padding channel m "joins" at -1
        step_of = np.hstack([np.argsort(order, axis=1), np.full((n_perm, 1), -1)])
        entry = step_of[:, members].max(axis=2)
        prefix = _prefix_values(entry, converted, journeys, value_function, m)
        gains = np.diff(prefix, axis=1, prepend=0.0)
        phi += np.bincount(order.ravel(), weights=gains.ravel(), minlength=m)
        done += n_perm
    return phi / n_permutations


def touch_credit_shares(summary: PathSummary) -> np.ndarray:
    """Per-touch share of the simplified/ordered Shapley formula.

    A touch of channel ``j`` in a journey with ``|S|`` distinct channels, where ``j``
    occurs ``n_j`` times, gets ``1 / (|S| * n_j)`` of the journey's KPI.
    """
    shares = np.zeros(summary.codes.shape, dtype=float)
    length = summary.codes.shape[1]
    block = max(1, (1 << 22) // max(1, length * length))
    for start in range(0, summary.n_paths, block):
        codes = summary.codes[start : start + block]
        valid = codes >= 0
        same = (codes[:, :, None] == codes[:, None, :]) & valid[:, None, :]
        occurrences = same.sum(axis=2)
        inverse = np.divide(1.0, occurrences, out=np.zeros(codes.shape), where=valid)
        distinct = inverse.sum(axis=1, keepdims=True)
        shares[start : start + block] = np.divide(
            inverse, distinct, out=np.zeros(codes.shape), where=distinct > 0
        )
    return shares


def _ordered_table(summary: PathSummary, shares: np.ndarray) -> pd.DataFrame:
    valid = summary.valid_mask()
    positions = np.broadcast_to(np.arange(1, shares.shape[1] + 1), shares.shape)
    frame = pd.DataFrame(
        {
            "channel": np.asarray(summary.channels, dtype=object)[summary.codes[valid]],
            "touch_position": positions[valid],
            "attributed_conversions": (shares * summary.conversions[:, None])[valid],
            "attributed_revenue": (shares * summary.revenue[:, None])[valid],
        }
    )
    grouped = frame.groupby(["channel", "touch_position"], as_index=False).sum()
    return grouped.sort_values(["channel", "touch_position"], ignore_index=True)


def simplified_shapley(data: object) -> AttributionResult:
    """Zhao et al. simplified Shapley: each journey split equally over its channels."""
    summary = load_path_summary(data)
    shares = touch_credit_shares(summary)
    conversions, revenue = _aggregate(summary, shares)
    return AttributionResult("shapley_simplified", "exact", summary.channels, conversions, revenue)


def ordered_shapley(data: object) -> AttributionResult:
    """Zhao et al. ordered Shapley; ``details["by_position"]`` holds ``phi_j^i``.

    The per-channel totals equal :func:`simplified_shapley` by construction; the
    position table (columns ``channel``, ``touch_position`` (1-based),
    ``attributed_conversions``, ``attributed_revenue``) is the added information.
    """
    summary = load_path_summary(data)
    shares = touch_credit_shares(summary)
    conversions, revenue = _aggregate(summary, shares)
    return AttributionResult(
        "shapley_ordered",
        "exact",
        summary.channels,
        conversions,
        revenue,
        details={"by_position": _ordered_table(summary, shares)},
    )


def _aggregate(summary: PathSummary, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    valid = summary.valid_mask()
    m = summary.n_channels
    channel = summary.codes[valid]
    conv = np.bincount(channel, (shares * summary.conversions[:, None])[valid], minlength=m)
    rev = np.bincount(channel, (shares * summary.revenue[:, None])[valid], minlength=m)
    return conv.astype(float), rev.astype(float)


def _choose_method(
    n_channels: int,
    value_function: ValueFunction,
    max_exact_channels: int,
    force_exact: bool,
    approximation: Approximation,
) -> str:
    if force_exact or n_channels <= max_exact_channels:
        return "exact"
    if approximation != "auto":
        return approximation
    return "simplified" if value_function == "conversions" else "permutation_sampling"


def shapley_attribution(
    data: object,
    *,
    value_function: ValueFunction = "conversion_rate",
    max_exact_channels: int = 15,
    force_exact: bool = False,
    approximation: Approximation = "auto",
    n_permutations: int = 1000,
    seed: int = 0,
) -> AttributionResult:
    """Shapley attribution over channel coalitions (model ``shapley_exact``).

    Args:
        data: path summary (see :func:`load_path_summary`).
        value_function: ``"conversion_rate"`` or ``"conversions"`` (module doc).
        max_exact_channels: above this many channels an approximation is used.
        force_exact: always use the exact ``2**m`` computation (up to 24 channels).
        approximation: ``"auto"``, ``"simplified"`` or ``"permutation_sampling"``.
        n_permutations: permutations drawn by the sampling approximation.
        seed: random seed of the sampling approximation.

    Returns:
        An :class:`AttributionResult` whose ``method`` says how it was computed and
        whose ``details["shapley_values"]`` holds the raw ``phi``.  Revenue follows
        the conversion shares, except with method ``"simplified"`` where the
        simplified formula is applied to revenue directly.
    """
    _check_value_function(value_function)
    summary = load_path_summary(data)
    method = _choose_method(
        summary.n_channels, value_function, max_exact_channels, force_exact, approximation
    )
    if method == "simplified":
        simple = simplified_shapley(summary)
        return AttributionResult(
            "shapley_exact",
            "simplified",
            summary.channels,
            simple.conversions,
            simple.revenue,
            details={"shapley_values": simple.conversions, "value_function": value_function},
        )
    if method == "exact":
        phi = exact_shapley_values(summary, value_function)
    elif method == "permutation_sampling":
        phi = permutation_shapley_values(
            summary, value_function, n_permutations=n_permutations, seed=seed
        )
    else:
        raise ValueError(f"unknown approximation {method!r}")
    return AttributionResult(
        "shapley_exact",
        method,
        summary.channels,
        share_out(summary.total_conversions, phi),
        share_out(summary.total_revenue, phi),
        details={"shapley_values": phi, "value_function": value_function},
    )
