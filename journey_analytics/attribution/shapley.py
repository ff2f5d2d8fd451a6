"""Shapley-value attribution: coalition and path-level games, sampled, simplified, ordered.

**Game.**  Players are the channels.  A journey "belongs" to coalition ``S`` when its
set of distinct channels is a subset of ``S``; ``n(S)`` is the number of journeys that
belong to ``S`` (its *support*).  Two characteristic functions:

* ``"conversion_rate"``: ``v(S) = conversions / (conversions + non_conversions)`` over
  the journeys belonging to ``S`` (0 when there are none); ``v(empty) = 0``.
* ``"conversions"``: ``v(S)`` = conversions of the journeys belonging to ``S``.

**Minimum support** (``min_support``, default :data:`DEFAULT_MIN_SUPPORT` journeys).  On
long-tailed data the rate of a coalition seen on a handful of journeys is noise: a
channel seen alone on two converting journeys has ``v({c}) = 1`` and, through the
``v({c}) - v(empty)`` term alone, takes ``1 / m`` of the total.  So a coalition whose
support ``n(S)`` is below ``min_support`` is valued as the empty coalition
(``v(S) = 0``).  Support only grows with ``S``, so the coalitions set to 0 are exactly
the small, rarely seen ones, and every coalition seen on ``min_support`` journeys or
more keeps its observed value.  ``min_support <= 1`` gives the plain game.  If fewer
than ``min_support`` journeys exist in total the plain game is used, with a
:class:`UserWarning`.

**Two games on the same values.**

* *Coalition game* (:func:`shapley_attribution`, model ``shapley_exact``): one game
  over all ``m`` channels; ``conversions_c = total_conversions * phi_c / sum(phi)``.
  With ``"conversion_rate"`` the credit follows rate effects, not volume: a channel's
  ``phi`` does not grow with the number of journeys it is on.
* *Path-level game* (:func:`path_shapley_attribution`, model ``shapley_path``): each
  converting path shares its conversions (and revenue) among the channels on it in
  proportion to their Shapley values in the ``"conversion_rate"`` game restricted to
  the path's own channel set ``S_P`` (players ``S_P``, values ``v(T)`` for
  ``T`` subset of ``S_P``).  It is the exact counterpart of fractribution's
  leave-one-out (which compares a path only with the paths one touch shorter): every
  sub-coalition of the path's channels is used, with Shapley weights.  Negative values
  are clipped to 0 as fractribution clips its leave-one-out gains; when no channel of
  the set has a positive value the path is split equally among its channels.  A
  channel's credit is bounded by the conversions of the paths it is on, so rare
  channels get little.  Cost: ``2**|S_P|`` values per distinct channel set (exact for
  paths with up to :data:`PATH_GAME_CHANNEL_LIMIT` distinct channels, whatever ``m``).

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
``force_exact``: for ``"conversions"`` without minimum support the simplified formula
below (method ``"simplified"``), which is the closed form of this very game and hence
still exact; otherwise Monte-Carlo permutation sampling (Castro, Gomez & Tejada,
"Polynomial calculation of the Shapley value based on sampling", Computers &
Operations Research 2009) with a fixed seed (method ``"permutation_sampling"``).
Every sampled permutation distributes exactly ``v(N)``, so efficiency still holds.
The estimate of ``phi_i`` is a mean of ``P`` independent marginal contributions, so
the result's ``details`` carry its standard error ``shapley_standard_error`` (sample
standard deviation / ``sqrt(P)``) and ``shapley_error_bound`` =
``z * standard error`` with ``z = Phi^-1(1 - delta / (2 m))``: by the central limit
theorem and a union (Bonferroni) bound over the ``m`` channels, all channels are within
their bound at once with probability about ``1 - delta`` (``delta = 0.05``).
``credit_error_bound`` is that bound in conversions (scaled like the credit).  A
distribution-free bound is given too (``shapley_hoeffding_bound``): with marginal
contributions in ``[a, b]`` (``[-1, 1]`` for rates, ``[-total, total]`` for
conversions), Hoeffding's inequality gives ``(b - a) * sqrt(ln(2 m / delta) / (2 P))``
for all channels at once with probability ``1 - delta``; it is guaranteed but loose
(the range is far wider than the contributions usually are).  With minimum support the
marginal contributions jump when a coalition crosses the threshold; such rare large
values make the standard error itself noisy at a few hundred permutations, so treat
the CLT bound as approximate there (checked in the tests: deviations up to about 4
standard errors at 400 permutations) and raise ``n_permutations`` for a tight figure.

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
import warnings
from statistics import NormalDist
from typing import Literal

import numpy as np
import pandas as pd

from journey_analytics.attribution.core import (
    AttributionResult,
    PathSummary,
    load_path_summary,
    share_out,
)

ValueFunction = Literal["conversion_rate", "conversions"]
Approximation = Literal["auto", "simplified", "permutation_sampling"]
VALUE_FUNCTIONS: tuple[str, ...] = ("conversion_rate", "conversions")
EXACT_CHANNEL_HARD_LIMIT = 24
PATH_GAME_CHANNEL_LIMIT = 20
DEFAULT_MIN_SUPPORT = 30
ERROR_BOUND_DELTA = 0.05
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


def effective_min_support(summary: PathSummary, min_support: float) -> float:
    """``min_support``, or 0 (with a warning) when fewer journeys exist in total."""
    if min_support < 0:
        raise ValueError(f"min_support must be >= 0; got {min_support}")
    if summary.total_journeys == 0:
        return 0.0
    if min_support > 1 and summary.total_journeys < min_support:
        warnings.warn(
            f"only {summary.total_journeys:g} journeys, fewer than min_support={min_support:g}: "
            "using the plain Shapley game (no minimum support)",
            UserWarning,
            stacklevel=3,
        )
        return 0.0
    return float(min_support)


def _values_from_sums(
    converted: np.ndarray, journeys: np.ndarray, value_function: str, min_support: float
) -> np.ndarray:
    """Game values from subset sums (``converted``/``journeys`` over coalitions)."""
    if value_function == "conversions":
        values = converted.copy()
    else:
        values = np.divide(converted, journeys, out=np.zeros_like(converted), where=journeys > 0)
    values[journeys < min_support] = 0.0
    return values


def coalition_values(
    summary: PathSummary, value_function: ValueFunction, min_support: float = 0.0
) -> np.ndarray:
    """``v(S)`` for all ``2**m`` coalitions ``S`` (index = bitmask), see module doc."""
    _check_value_function(value_function)
    size = 1 << summary.n_channels
    masks = channel_set_masks(summary)
    converted = np.bincount(masks, weights=summary.conversions, minlength=size)
    subset_sum_transform(converted)
    journeys = np.bincount(
        masks, weights=summary.conversions + summary.non_conversions, minlength=size
    )
    subset_sum_transform(journeys)
    values = _values_from_sums(converted, journeys, value_function, min_support)
    values[0] = 0.0
    return values


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
    data: object, value_function: ValueFunction = "conversion_rate", min_support: float = 0.0
) -> np.ndarray:
    """Exact Shapley value of every channel (aligned with ``summary.channels``).

    ``min_support`` is applied as given (see :func:`effective_min_support` for the
    fallback that :func:`shapley_attribution` adds).
    """
    summary = load_path_summary(data)
    if summary.n_channels > EXACT_CHANNEL_HARD_LIMIT:
        raise ValueError(
            f"exact Shapley needs 2**m coalitions; refusing m > {EXACT_CHANNEL_HARD_LIMIT}"
        )
    if summary.n_channels == 0:
        return np.zeros(0)
    return shapley_from_coalition_values(coalition_values(summary, value_function, min_support))


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
    min_support: float = 0.0,
) -> np.ndarray:
    """``v`` of every permutation prefix; ``entry_step[p, u]`` = step set ``u`` joins."""
    n_perm = entry_step.shape[0]
    offset = (np.arange(n_perm, dtype=np.int64) * m)[:, None]
    flat = (entry_step + offset).ravel()
    conv = np.bincount(flat, weights=np.tile(converted, n_perm), minlength=n_perm * m)
    conv = np.cumsum(conv.reshape(n_perm, m), axis=1)
    total = np.bincount(flat, weights=np.tile(journeys, n_perm), minlength=n_perm * m)
    total = np.cumsum(total.reshape(n_perm, m), axis=1)
    return _values_from_sums(conv, total, value_function, min_support)


def permutation_shapley_estimate(
    data: object,
    value_function: ValueFunction = "conversion_rate",
    *,
    n_permutations: int = 1000,
    seed: int = 0,
    min_support: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monte-Carlo Shapley values with their standard errors and a Hoeffding bound.

    For each permutation the marginal gain of every channel is read off the prefix
    values: a channel set joins the growing coalition at the step of its latest
    channel in the permutation.  Cost is ``n_permutations * n_sets * max_set_size``
    gathers for ``n_sets`` distinct channel sets.  Deterministic for a given ``seed``.

    Returns:
        ``(phi, standard_error, hoeffding_bound)``; the bound holds for all channels at
        once with probability ``1 - ERROR_BOUND_DELTA`` (module doc).
    """
    _check_value_function(value_function)
    summary = load_path_summary(data)
    m = summary.n_channels
    if m == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    if n_permutations < 2:
        raise ValueError("n_permutations must be >= 2")
    members, converted, journeys = _distinct_channel_sets(summary)
    rng = np.random.default_rng(seed)
    phi = np.zeros(m)
    squares = np.zeros(m)
    block = max(1, _SAMPLING_BLOCK // members.size)
    done = 0
    while done < n_permutations:
        n_perm = min(block, n_permutations - done)
        order = rng.permuted(np.tile(np.arange(m), (n_perm, 1)), axis=1)
        # step at which each channel joins; the padding channel m "joins" at -1
        step_of = np.hstack([np.argsort(order, axis=1), np.full((n_perm, 1), -1)])
        entry = step_of[:, members].max(axis=2)
        prefix = _prefix_values(entry, converted, journeys, value_function, m, min_support)
        gains = np.diff(prefix, axis=1, prepend=0.0)
        phi += np.bincount(order.ravel(), weights=gains.ravel(), minlength=m)
        squares += np.bincount(order.ravel(), weights=(gains**2).ravel(), minlength=m)
        done += n_perm
    mean = phi / n_permutations
    variance = np.maximum(squares / n_permutations - mean**2, 0.0)
    standard_error = np.sqrt(variance * n_permutations / (n_permutations - 1) / n_permutations)
    # range of one marginal contribution: rates lie in [0, 1]; conversions in [0, total]
    spread = 2.0 * (1.0 if value_function == "conversion_rate" else summary.total_conversions)
    bound = spread * math.sqrt(math.log(2 * m / ERROR_BOUND_DELTA) / (2 * n_permutations))
    return mean, standard_error, np.full(m, bound)


def permutation_shapley_values(
    data: object,
    value_function: ValueFunction = "conversion_rate",
    *,
    n_permutations: int = 1000,
    seed: int = 0,
    min_support: float = 0.0,
) -> np.ndarray:
    """Monte-Carlo Shapley values, see :func:`permutation_shapley_estimate`."""
    return permutation_shapley_estimate(
        data, value_function, n_permutations=n_permutations, seed=seed, min_support=min_support
    )[0]


def batched_shapley(values: np.ndarray) -> np.ndarray:
    """Exact Shapley values of many games at once: ``values`` is ``(B, 2**k)``."""
    batch, size = values.shape
    k = size.bit_length() - 1
    if k == 0:
        return np.zeros((batch, 0))
    weight_by_size = np.array([1.0 / (k * math.comb(k - 1, s)) for s in range(k)] + [0.0])
    sizes = _popcounts(k)
    phi = np.zeros((batch, k))
    for player in range(k):
        pairs = values.reshape(batch, -1, 2, 1 << player)
        size_without = sizes.reshape(-1, 2, 1 << player)[:, 0, :]
        gain = pairs[:, :, 1, :] - pairs[:, :, 0, :]
        phi[:, player] = (gain * weight_by_size[size_without]).sum(axis=(1, 2))
    return phi


def _batched_subset_sums(table: np.ndarray) -> np.ndarray:
    """Zeta transform along the last axis of a ``(B, 2**k)`` table (in place)."""
    batch, size = table.shape
    for bit in range(size.bit_length() - 1):
        view = table.reshape(batch, -1, 2, 1 << bit)
        view[:, :, 1, :] += view[:, :, 0, :]
    return table


def path_game_shares(summary: PathSummary, min_support: float = 0.0) -> np.ndarray:
    """Path-level game: ``(n_paths, n_channels)`` share of each channel in each path.

    Rows of converting paths sum to 1 (see module doc); other rows are 0.  Distinct
    channel sets of the same size are solved together: their ``2**k`` sub-coalitions
    are looked up among the observed sets, summed by a zeta transform, valued, and
    their Shapley values computed in one batched reduction.
    """
    m = summary.n_channels
    shares = np.zeros((summary.n_paths, m))
    if summary.n_paths == 0 or m == 0:
        return shares
    if m > 62:
        raise ValueError("the path-level game supports at most 62 channels (bitmasks)")
    masks = channel_set_masks(summary)
    distinct, inverse = np.unique(masks, return_inverse=True)
    inverse = inverse.ravel()
    cell_conv = np.bincount(inverse, weights=summary.conversions)
    cell_journeys = np.bincount(inverse, weights=summary.conversions + summary.non_conversions)
    converting = np.flatnonzero(cell_conv > 0)
    bits = (distinct[converting, None] >> np.arange(m, dtype=np.int64)) & 1
    set_size = bits.sum(axis=1)
    too_big = set_size > PATH_GAME_CHANNEL_LIMIT
    if too_big.any():
        raise ValueError(
            f"the path-level game is exact for paths with up to {PATH_GAME_CHANNEL_LIMIT} "
            f"distinct channels; {int(too_big.sum())} converting channel set(s) have more"
        )
    set_shares = np.zeros((distinct.shape[0], m))
    for k in np.unique(set_size):
        group = converting[set_size == k]
        members = np.nonzero(bits[set_size == k])[1].reshape(-1, k)
        local = np.arange(1 << k, dtype=np.int64)
        local_bits = (local[:, None] >> np.arange(k, dtype=np.int64)) & 1
        block = max(1, (1 << 21) >> k)
        for start in range(0, group.shape[0], block):
            rows = group[start : start + block]
            chosen = members[start : start + block]
            # global mask of every sub-coalition of every set: (B, 2**k)
            sub = local_bits @ (np.int64(1) << chosen.T)
            sub = sub.T
            at = np.minimum(np.searchsorted(distinct, sub), distinct.shape[0] - 1)
            found = distinct[at] == sub
            conv = _batched_subset_sums(np.where(found, cell_conv[at], 0.0))
            journeys = _batched_subset_sums(np.where(found, cell_journeys[at], 0.0))
            values = _values_from_sums(conv, journeys, "conversion_rate", min_support)
            values[:, 0] = 0.0
            phi = np.maximum(batched_shapley(values), 0.0)
            total = phi.sum(axis=1, keepdims=True)
            local_shares = np.divide(phi, total, out=np.full_like(phi, 1.0 / k), where=total > 0)
            target = set_shares[rows]
            np.put_along_axis(target, chosen, local_shares, axis=1)
            set_shares[rows] = target
    shares = set_shares[inverse]
    shares[summary.conversions <= 0] = 0.0
    return shares


def path_shapley_attribution(
    data: object, *, min_support: float = DEFAULT_MIN_SUPPORT
) -> AttributionResult:
    """Path-level Shapley attribution (model ``shapley_path``), see module doc.

    Args:
        data: path summary (see :func:`load_path_summary`).
        min_support: coalitions seen on fewer journeys are valued 0 (module doc).

    Returns:
        An :class:`AttributionResult`; ``details["path_shares"]`` holds the
        ``(n_paths, n_channels)`` shares and ``details["min_support"]`` the threshold
        used.
    """
    summary = load_path_summary(data)
    support = effective_min_support(summary, min_support)
    shares = path_game_shares(summary, support)
    conversions = shares.T @ summary.conversions if summary.n_paths else np.zeros(0)
    revenue = shares.T @ summary.revenue if summary.n_paths else np.zeros(0)
    return AttributionResult(
        "shapley_path",
        "exact",
        summary.channels,
        np.asarray(conversions, dtype=float).reshape(summary.n_channels),
        np.asarray(revenue, dtype=float).reshape(summary.n_channels),
        details={"path_shares": shares, "min_support": support},
    )


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
    min_support: float,
) -> str:
    if force_exact or n_channels <= max_exact_channels:
        return "exact"
    if approximation != "auto":
        return approximation
    if value_function == "conversions" and min_support <= 1:
        return "simplified"
    return "permutation_sampling"


def shapley_attribution(
    data: object,
    *,
    value_function: ValueFunction = "conversion_rate",
    min_support: float = DEFAULT_MIN_SUPPORT,
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
        min_support: coalitions seen on fewer journeys are valued 0 (module doc);
            0 gives the plain game.
        max_exact_channels: above this many channels an approximation is used.
        force_exact: always use the exact ``2**m`` computation (up to 24 channels).
        approximation: ``"auto"``, ``"simplified"`` or ``"permutation_sampling"``.
        n_permutations: permutations drawn by the sampling approximation.
        seed: random seed of the sampling approximation.

    Returns:
        An :class:`AttributionResult` whose ``method`` says how it was computed and
        whose ``details`` hold the raw ``shapley_values``, ``value_function``,
        ``min_support`` (as used) and, for sampling, ``shapley_standard_error``,
        ``shapley_error_bound``, ``shapley_hoeffding_bound`` and
        ``credit_error_bound``.  Revenue follows the
        conversion shares, except with method ``"simplified"`` where the simplified
        formula is applied to revenue directly.
    """
    _check_value_function(value_function)
    summary = load_path_summary(data)
    support = effective_min_support(summary, min_support)
    method = _choose_method(
        summary.n_channels, value_function, max_exact_channels, force_exact, approximation, support
    )
    details: dict = {"value_function": value_function, "min_support": support}
    if method == "simplified":
        simple = simplified_shapley(summary)
        return AttributionResult(
            "shapley_exact",
            "simplified",
            summary.channels,
            simple.conversions,
            simple.revenue,
            details={"shapley_values": simple.conversions, **details},
        )
    if method == "exact":
        phi = exact_shapley_values(summary, value_function, support)
    elif method == "permutation_sampling":
        phi, standard_error, hoeffding = permutation_shapley_estimate(
            summary,
            value_function,
            n_permutations=n_permutations,
            seed=seed,
            min_support=support,
        )
        z = NormalDist().inv_cdf(1 - ERROR_BOUND_DELTA / (2 * max(summary.n_channels, 1)))
        bound = z * standard_error
        scale = summary.total_conversions / phi.sum() if phi.sum() else 0.0
        details.update(
            shapley_standard_error=standard_error,
            shapley_error_bound=bound,
            shapley_hoeffding_bound=hoeffding,
            credit_error_bound=np.abs(scale) * bound,
            n_permutations=n_permutations,
        )
    else:
        raise ValueError(f"unknown approximation {method!r}")
    return AttributionResult(
        "shapley_exact",
        method,
        summary.channels,
        share_out(summary.total_conversions, phi),
        share_out(summary.total_revenue, phi),
        details={"shapley_values": phi, **details},
    )
