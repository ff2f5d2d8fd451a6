"""Bootstrap intervals for attribution results, resampling journeys.

A path summary is a table of counts: each distinct path has ``conversions``
converting and ``non_conversions`` non-converting journeys.  Resampling the
``N = total journeys`` journeys with replacement is a multinomial draw of ``N`` over
these ``2 * n_paths`` cells with probabilities ``count / N`` (fractional counts are
allowed; ``N`` is rounded).  Revenue cannot be resampled journey by journey because
the summary keeps only its sum per path: a resampled path's revenue is its resampled
conversions times the path's mean revenue per conversion.

Every model is re-run on ``n_resamples`` resampled summaries (seeded, so results are
reproducible) and the interval is the percentile interval of the resampled credits:
the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles.  The intervals show how
much a result depends on which journeys happen to be in the sample; they are not
intervals for the causal effect of a channel (which no attribution model measures).
Channels a resample does not contain get 0 credit in it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from journey_analytics.attribution.core import AttributionResult, PathSummary


@dataclass(frozen=True)
class Interval:
    """Bootstrap percentile intervals of one model, aligned with ``channels``."""

    channels: tuple[str, ...]
    conversions_lower: np.ndarray
    conversions_upper: np.ndarray
    revenue_lower: np.ndarray
    revenue_upper: np.ndarray
    n_resamples: int
    level: float


def resample_summary(summary: PathSummary, rng: np.random.Generator) -> PathSummary:
    """One bootstrap resample of the journeys (see module doc)."""
    cells = np.concatenate([summary.conversions, summary.non_conversions])
    total = float(cells.sum())
    if total <= 0:
        return summary
    draws = rng.multinomial(round(total), cells / total).astype(float)
    n = summary.n_paths
    conversions, non_conversions = draws[:n], draws[n:]
    per_conversion = np.divide(
        summary.revenue,
        summary.conversions,
        out=np.zeros(n),
        where=summary.conversions > 0,
    )
    return PathSummary(
        summary.channels,
        summary.codes,
        summary.lengths,
        conversions,
        non_conversions,
        conversions * per_conversion,
    )


def bootstrap_intervals(
    summary: PathSummary,
    run_models: Callable[[PathSummary], list[AttributionResult]],
    *,
    n_resamples: int = 100,
    seed: int = 0,
    level: float = 0.95,
    progress: bool = False,
) -> dict[str, Interval]:
    """Percentile intervals per model, keyed by the result's ``model`` name.

    Args:
        summary: the parsed path summary.
        run_models: runs the models on a summary (the same call as for the estimate).
        n_resamples: number of bootstrap resamples (>= 2).
        seed: seed of the resampling.
        level: coverage of the interval, e.g. 0.95.
        progress: show a tqdm progress bar.
    """
    if n_resamples < 2:
        raise ValueError(f"n_resamples must be >= 2 for an interval; got {n_resamples}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1; got {level}")
    rng = np.random.default_rng(seed)
    draws: dict[str, tuple[tuple[str, ...], list[np.ndarray], list[np.ndarray]]] = {}
    for _ in tqdm(range(n_resamples), disable=not progress, desc="bootstrap", unit="resample"):
        sample = resample_summary(summary, rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            results = run_models(sample)
        for result in results:
            channels, conversions, revenue = draws.setdefault(
                result.model, (result.channels, [], [])
            )
            position = {name: i for i, name in enumerate(result.channels)}
            order = [position.get(name) for name in channels]
            conversions.append(
                np.array([result.conversions[i] if i is not None else 0.0 for i in order])
            )
            revenue.append(np.array([result.revenue[i] if i is not None else 0.0 for i in order]))
    quantiles = [(1 - level) / 2, (1 + level) / 2]
    out = {}
    for model, (channels, conversions, revenue) in draws.items():
        conv_q = np.quantile(np.vstack(conversions), quantiles, axis=0)
        rev_q = np.quantile(np.vstack(revenue), quantiles, axis=0)
        out[model] = Interval(
            channels, conv_q[0], conv_q[1], rev_q[0], rev_q[1], n_resamples, level
        )
    return out
