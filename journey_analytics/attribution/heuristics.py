"""Rule-based (heuristic) attribution: reference implementations.

These are deliberately plain so that they can serve as an independent check of the
SQL heuristics.  Each model turns every path into per-touch credit shares that sum
to 1, then credits each touch's channel with ``share * conversions`` and
``share * revenue`` of the path.  Repeated channels are *kept*: in ``A > A > B`` the
linear model gives ``A`` 2/3 and ``B`` 1/3.

* first touch / last touch: the whole credit goes to the first / last touch.
* last non-direct: the last touch whose channel is not a "direct" channel; when the
  path is all direct, the last (direct) touch.
* linear: ``1 / n`` per touch.
* position based (U-shaped): ``first_weight`` to the first touch, ``last_weight`` to
  the last, and the remainder split evenly over the middle touches.  One touch gets
  everything; with two touches each end also gets half of the middle share (so the
  default 40/20/40 yields 50/50).
* time decay: needs touch timestamps, so it works on a list of conversions, each a
  list of ``(channel, hours_before_conversion)``.  A touch ``t`` hours before the
  conversion weighs ``2 ** (-t / half_life_hours)``; weights are normalised per
  conversion.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from journey_analytics.attribution.core import (
    AttributionResult,
    PathSummary,
    credit_from_touch_weights,
    load_path_summary,
)

DEFAULT_DIRECT_CHANNELS: tuple[str, ...] = ("Direct",)


def _result(summary: PathSummary, model: str, weights: np.ndarray) -> AttributionResult:
    conversions, revenue = credit_from_touch_weights(summary, weights)
    return AttributionResult(model, "exact", summary.channels, conversions, revenue)


def _one_hot_at(summary: PathSummary, position: np.ndarray) -> np.ndarray:
    weights = np.zeros(summary.codes.shape, dtype=float)
    weights[np.arange(summary.n_paths), position] = 1.0
    return weights


def first_touch(data: object) -> AttributionResult:
    """All credit to the first touch of each path."""
    summary = load_path_summary(data)
    position = np.zeros(summary.n_paths, dtype=np.int64)
    return _result(summary, "first_touch", _one_hot_at(summary, position))


def last_touch(data: object) -> AttributionResult:
    """All credit to the last touch of each path."""
    summary = load_path_summary(data)
    return _result(summary, "last_touch", _one_hot_at(summary, summary.lengths - 1))


def last_non_direct(
    data: object, *, direct_channels: Iterable[str] = DEFAULT_DIRECT_CHANNELS
) -> AttributionResult:
    """All credit to the last non-direct touch (the last touch if all are direct).

    Args:
        data: path summary (see :func:`load_path_summary`).
        direct_channels: channel names treated as direct (exact, case-sensitive match).
    """
    summary = load_path_summary(data)
    direct_names = set(direct_channels)
    is_direct_code = np.array([name in direct_names for name in summary.channels] + [False])
    # padding (-1) indexes the trailing False, then is excluded by the valid mask
    candidate = summary.valid_mask() & ~is_direct_code[summary.codes]
    columns = np.arange(summary.codes.shape[1])
    last_candidate = np.where(candidate, columns, -1).max(axis=1, initial=-1)
    position = np.where(last_candidate >= 0, last_candidate, summary.lengths - 1)
    return _result(summary, "last_non_direct", _one_hot_at(summary, position))


def linear(data: object) -> AttributionResult:
    """Equal credit ``1 / n`` to each of the ``n`` touches of a path."""
    summary = load_path_summary(data)
    weights = summary.valid_mask() / summary.lengths[:, None].astype(float)
    return _result(summary, "linear", weights)


def position_based_weights(
    lengths: np.ndarray, max_length: int, first_weight: float, last_weight: float
) -> np.ndarray:
    """Per-touch U-shaped shares for paths of the given lengths (see module doc)."""
    if first_weight < 0 or last_weight < 0 or first_weight + last_weight > 1:
        raise ValueError("need first_weight, last_weight >= 0 and first + last <= 1")
    middle_total = 1.0 - first_weight - last_weight
    n = lengths.astype(float)[:, None]
    columns = np.arange(max_length)[None, :]
    last_col = lengths[:, None] - 1
    inner = (columns > 0) & (columns < last_col)
    weights = np.where(inner, middle_total / np.maximum(n - 2, 1), 0.0)
    two = n == 2
    weights = weights + np.where(columns == 0, first_weight + two * middle_total / 2, 0.0)
    weights = weights + np.where(columns == last_col, last_weight + two * middle_total / 2, 0.0)
    if max_length:
        weights[lengths == 1, 0] = 1.0
    return np.where(columns < lengths[:, None], weights, 0.0)


def position_based(
    data: object, *, first_weight: float = 0.4, last_weight: float = 0.4
) -> AttributionResult:
    """U-shaped attribution (default 40% first, 20% middle, 40% last).

    Args:
        data: path summary (see :func:`load_path_summary`).
        first_weight: share of the first touch for paths with 3 or more touches.
        last_weight: share of the last touch for paths with 3 or more touches.
    """
    summary = load_path_summary(data)
    weights = position_based_weights(
        summary.lengths, summary.codes.shape[1], first_weight, last_weight
    )
    return _result(summary, "position_based", weights)


def time_decay(
    conversions: Sequence[Sequence[tuple[str, float]]],
    *,
    half_life_hours: float = 168.0,
    revenue: Sequence[float] | None = None,
) -> AttributionResult:
    """Time-decay attribution over individual conversions.

    Args:
        conversions: one entry per conversion: its touches as
            ``(channel, hours_before_conversion)`` pairs (order does not matter).
        half_life_hours: a touch this many hours older gets half the weight.
        revenue: revenue of each conversion (defaults to 0).

    Returns:
        Attributed conversions (each conversion counts 1) and revenue per channel,
        channels sorted by name.  Conversions without touches are skipped.
    """
    if half_life_hours <= 0:
        raise ValueError("half_life_hours must be > 0")
    values = [0.0] * len(conversions) if revenue is None else list(revenue)
    if len(values) != len(conversions):
        raise ValueError("revenue must have one value per conversion")
    credit: dict[str, float] = {}
    money: dict[str, float] = {}
    for touches, value in zip(conversions, values, strict=True):
        if not touches:
            continue
        hours = np.array([float(t) for _, t in touches])
        if (hours < 0).any():
            raise ValueError("hours_before_conversion must be >= 0")
        weights = np.exp2(-hours / half_life_hours)
        weights /= weights.sum()
        for (channel, _), w in zip(touches, weights.tolist(), strict=True):
            credit[channel] = credit.get(channel, 0.0) + w
            money[channel] = money.get(channel, 0.0) + w * float(value)
    channels = tuple(sorted(credit))
    return AttributionResult(
        "time_decay",
        "exact",
        channels,
        np.array([credit[c] for c in channels]),
        np.array([money[c] for c in channels]),
        details={"half_life_hours": half_life_hours},
    )
