"""Fractribution-compatible leave-one-out attribution.

Reproduces the "shapley" model of Google's fractribution and of Snowplow's
dbt-snowplow-fractribution package, which is a per-path leave-one-out
counterfactual rather than a full Shapley value.  The rules, confirmed against the
package's integration-test data (``tests/python/fixtures/attribution/fractribution``):

1. ``p(path) = conversions / (conversions + non_conversions)`` of that exact
   transformed path in the summary; a path that is **absent from the summary**, or
   has no journeys, has ``p = 0``.
2. Every path gets touch shares; paths without conversions then contribute nothing
   (their ``p`` is 0, so they always fall to rule 5).  The package's per-path table
   (``snowplow_fractribution_path_summary_with_channels``) shows these shares too.
3. A one-touch path gives its channel 100%.
4. Otherwise, for every touch position ``i`` the counterfactual path is the path with
   that single touch deleted (other touches of the same channel stay), and the
   touch's marginal contribution is ``max(p(path) - p(counterfactual), 0)``.
5. Contributions are normalised to sum to 1 within the path.  If they are all zero
   the last touch gets 100% (last-touch fallback).
6. Touch shares are summed per channel, multiplied by the path's conversions and
   revenue, and summed over paths.
7. With ``strip_count_suffix`` (default), everything from the first ``(`` of a
   channel name is dropped before the per-channel sum, undoing fractribution's
   ``frequency`` path transform (``Direct(2)`` counts as ``Direct``).

Every channel of the summary is reported, with 0 when it earned nothing.  Empty
paths are dropped on load (Snowplow ignores them; Google's version would credit
them to ``Unmatched_Channel``).  Duplicate paths are merged by summing all three
measures, whereas fractribution keeps only the first duplicate's revenue.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from journey_analytics.attribution.core import (
    AttributionResult,
    PathSummary,
    credit_from_touch_weights,
    load_path_summary,
)

_COUNT_SUFFIX = re.compile(r"\(.*", re.DOTALL)
MAX_KEY_BITS = 62


def _conversion_probabilities(summary: PathSummary) -> dict[tuple[int, ...], float]:
    journeys = summary.conversions + summary.non_conversions
    probability = np.divide(
        summary.conversions, journeys, out=np.zeros(summary.n_paths), where=journeys > 0
    )
    return dict(zip(summary.path_tuples(), probability.tolist(), strict=True))


def _path_shares(path: tuple[int, ...], lookup: dict[tuple[int, ...], float]) -> list[float]:
    """Normalised leave-one-out share of each touch of one converting path."""
    if len(path) == 1:
        return [1.0]
    own = lookup.get(path, 0.0)
    gains = [max(own - lookup.get(path[:i] + path[i + 1 :], 0.0), 0.0) for i in range(len(path))]
    total = sum(gains)
    if total == 0:
        return [0.0] * (len(path) - 1) + [1.0]
    return [g / total for g in gains]


def _shares_by_lookup(summary: PathSummary) -> np.ndarray:
    """Per-touch shares with Python dict look-ups (any path length)."""
    lookup = _conversion_probabilities(summary)
    shares = np.zeros(summary.codes.shape, dtype=float)
    for row, path in enumerate(summary.path_tuples()):
        shares[row, : len(path)] = _path_shares(path, lookup)
    return shares


def _shares_vectorised(summary: PathSummary) -> np.ndarray:
    """Per-touch shares with integer path keys (paths as base ``m + 1`` numbers).

    A path's key is ``sum_j (code_j + 1) * B**j``; deleting touch ``i`` gives
    ``key % B**i + (key // B**(i + 1)) * B**i``, so every counterfactual key is
    computed and looked up (``searchsorted``) without building strings.
    """
    base = np.int64(summary.n_channels + 1)
    width = summary.codes.shape[1]
    powers = base ** np.arange(width + 1, dtype=np.int64)
    keys = (summary.codes.astype(np.int64) + 1) @ powers[:width]
    journeys = summary.conversions + summary.non_conversions
    own = np.divide(
        summary.conversions, journeys, out=np.zeros(summary.n_paths), where=journeys > 0
    )
    order = np.argsort(keys)
    sorted_keys, sorted_p = keys[order], own[order]
    gains = np.zeros(summary.codes.shape, dtype=float)
    for i in range(width):
        counterfactual = keys % powers[i] + (keys // powers[i + 1]) * powers[i]
        at = np.minimum(np.searchsorted(sorted_keys, counterfactual), len(sorted_keys) - 1)
        p_counterfactual = np.where(sorted_keys[at] == counterfactual, sorted_p[at], 0.0)
        gains[:, i] = np.maximum(own - p_counterfactual, 0.0)
    gains[~summary.valid_mask()] = 0.0
    gains[summary.lengths == 1, 0] = 1.0
    total = gains.sum(axis=1)
    shares = np.divide(gains, total[:, None], out=np.zeros_like(gains), where=total[:, None] > 0)
    zero = np.flatnonzero(total == 0)
    shares[zero, summary.lengths[zero] - 1] = 1.0
    return shares


def leave_one_out_touch_shares(summary: PathSummary) -> np.ndarray:
    """``(n_paths, max_length)`` per-touch shares; each path's shares sum to 1."""
    if summary.n_paths == 0:
        return np.zeros(summary.codes.shape)
    key_bits = summary.codes.shape[1] * np.log2(summary.n_channels + 1)
    if key_bits < MAX_KEY_BITS:
        return _shares_vectorised(summary)
    return _shares_by_lookup(summary)


def fractribution_path_shares(data: object, *, strip_count_suffix: bool = True) -> pd.DataFrame:
    """Per-path channel shares, long format.

    Returns:
        DataFrame with ``transformed_path``, ``channel`` and ``share`` (one row per
        channel present in the path; a path's shares sum to 1).
    """
    summary = load_path_summary(data)
    shares = leave_one_out_touch_shares(summary)
    valid = summary.valid_mask()
    names = np.asarray(summary.channels, dtype=object)[summary.codes[valid]]
    if strip_count_suffix:
        names = np.array([_COUNT_SUFFIX.sub("", str(n)) for n in names], dtype=object)
    paths = np.asarray(summary.path_strings(), dtype=object)
    rows = np.broadcast_to(np.arange(summary.n_paths)[:, None], valid.shape)[valid]
    frame = pd.DataFrame(
        {"transformed_path": paths[rows], "channel": names, "share": shares[valid]}
    )
    return frame.groupby(["transformed_path", "channel"], as_index=False, sort=False).sum()


def _merge_suffixed_channels(
    channels: tuple[str, ...], conversions: np.ndarray, revenue: np.ndarray
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    base_names = [_COUNT_SUFFIX.sub("", name) for name in channels]
    merged = tuple(sorted(set(base_names)))
    index = np.array([merged.index(name) for name in base_names], dtype=np.int64)
    size = len(merged)
    return (
        merged,
        np.bincount(index, weights=conversions, minlength=size),
        np.bincount(index, weights=revenue, minlength=size),
    )


def fractribution_attribution(
    data: object, *, strip_count_suffix: bool = True
) -> AttributionResult:
    """Fractribution ("shapley" in fractribution's naming) attribution, see module doc.

    Args:
        data: path summary (see :func:`load_path_summary`).
        strip_count_suffix: merge ``Channel(n)`` names into ``Channel``.
    """
    summary = load_path_summary(data)
    shares = leave_one_out_touch_shares(summary)
    conversions, revenue = credit_from_touch_weights(summary, shares)
    channels = summary.channels
    if strip_count_suffix:
        channels, conversions, revenue = _merge_suffixed_channels(channels, conversions, revenue)
    return AttributionResult(
        "fractribution",
        "exact",
        channels,
        conversions,
        revenue,
        details={"touch_shares": shares},
    )
