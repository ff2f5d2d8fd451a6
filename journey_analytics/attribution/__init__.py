"""Multi-touch attribution math for journey analytics (no dbt dependency).

Input is a path summary: one row per distinct transformed path with
``transformed_path`` (channels joined by ``" > "``), ``conversions``,
``non_conversions`` and ``revenue``, as a pandas DataFrame or a list of tuples.

Models (each in its own module, re-exported here):

* heuristics -- :func:`first_touch`, :func:`last_touch`, :func:`last_non_direct`,
  :func:`linear`, :func:`position_based`, :func:`time_decay`
  (``attribution_heuristics``);
* Markov chain removal effects, exact, any order -- :func:`markov_attribution`
  (``attribution_markov``);
  with revenue split by value removal effects by default;
* Shapley values -- :func:`shapley_attribution` (coalition game with minimum support,
  exact up to ``max_exact_channels``, then sampled with an error bound),
  :func:`path_shapley_attribution` (path-level game), :func:`simplified_shapley` and
  :func:`ordered_shapley` (Zhao et al. 2018) (``attribution_shapley``);
* :func:`fractribution_attribution`, compatible with Google's fractribution and
  Snowplow's dbt-snowplow-fractribution (``attribution_fractribution``).

:func:`run_models` runs a selection of them and returns the full results (with each
model's ``details``, e.g. ordered Shapley's per-position table);
:func:`attribute_path_summary` returns the ``attribution_channel_results`` table
(columns :data:`RESULT_COLUMNS`), with bootstrap intervals when ``n_bootstrap > 0``
(``attribution_bootstrap``), ready to be returned from a dbt Python model.
:func:`compare_models` turns that table into the channels x models comparison
(``attribution_report``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from journey_analytics.attribution.bootstrap import Interval, bootstrap_intervals
from journey_analytics.attribution.core import (
    RESULT_COLUMNS,
    AttributionResult,
    PathSummary,
    load_path_summary,
)
from journey_analytics.attribution.fractribution import (
    fractribution_attribution,
    fractribution_path_shares,
)
from journey_analytics.attribution.heuristics import (
    DEFAULT_DIRECT_CHANNELS,
    first_touch,
    last_non_direct,
    last_touch,
    linear,
    position_based,
    time_decay,
)
from journey_analytics.attribution.markov import (
    RevenueSplit,
    fit_markov_chain,
    markov_attribution,
)
from journey_analytics.attribution.report import compare_models
from journey_analytics.attribution.shapley import (
    DEFAULT_MIN_SUPPORT,
    ValueFunction,
    exact_shapley_values,
    ordered_shapley,
    path_shapley_attribution,
    permutation_shapley_values,
    shapley_attribution,
    simplified_shapley,
)

__all__ = [
    "AVAILABLE_MODELS",
    "DEFAULT_MODELS",
    "RESULT_COLUMNS",
    "AttributionResult",
    "PathSummary",
    "attribute_path_summary",
    "compare_models",
    "exact_shapley_values",
    "first_touch",
    "fit_markov_chain",
    "fractribution_attribution",
    "fractribution_path_shares",
    "last_non_direct",
    "last_touch",
    "linear",
    "load_path_summary",
    "markov_attribution",
    "ordered_shapley",
    "path_shapley_attribution",
    "permutation_shapley_values",
    "position_based",
    "run_models",
    "shapley_attribution",
    "simplified_shapley",
    "time_decay",
]

AVAILABLE_MODELS: tuple[str, ...] = (
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "position_based",
    "markov",
    "shapley",
    "shapley_path",
    "shapley_simplified",
    "shapley_ordered",
    "fractribution",
)
HEURISTIC_MODELS: tuple[str, ...] = AVAILABLE_MODELS[:5]
DEFAULT_MODELS: tuple[str, ...] = AVAILABLE_MODELS


def _as_list(value: str | Iterable[str] | int | Iterable[int]) -> list:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, int):
        return [value]
    return list(value)


def _runners(
    summary: PathSummary,
    *,
    markov_orders: Sequence[int],
    collapse_repeats: bool,
    markov_revenue_split: RevenueSplit,
    shapley_value_function: ValueFunction,
    shapley_min_support: float,
    max_exact_channels: int,
    force_exact: bool,
    n_permutations: int,
    seed: int,
    direct_channels: Iterable[str],
    position_weights: tuple[float, float],
) -> dict[str, Callable[[], list[AttributionResult]]]:
    first_weight, last_weight = position_weights
    return {
        "first_touch": lambda: [first_touch(summary)],
        "last_touch": lambda: [last_touch(summary)],
        "last_non_direct": lambda: [last_non_direct(summary, direct_channels=direct_channels)],
        "linear": lambda: [linear(summary)],
        "position_based": lambda: [
            position_based(summary, first_weight=first_weight, last_weight=last_weight)
        ],
        "markov": lambda: [
            markov_attribution(
                summary,
                order=order,
                collapse_repeats=collapse_repeats,
                revenue_split=markov_revenue_split,
            )
            for order in markov_orders
        ],
        "shapley": lambda: [
            shapley_attribution(
                summary,
                value_function=shapley_value_function,
                min_support=shapley_min_support,
                max_exact_channels=max_exact_channels,
                force_exact=force_exact,
                n_permutations=n_permutations,
                seed=seed,
            )
        ],
        "shapley_path": lambda: [
            path_shapley_attribution(summary, min_support=shapley_min_support)
        ],
        "shapley_simplified": lambda: [simplified_shapley(summary)],
        "shapley_ordered": lambda: [ordered_shapley(summary)],
        "fractribution": lambda: [fractribution_attribution(summary)],
    }


def run_models(
    df: object,
    *,
    models: str | Iterable[str] | None = DEFAULT_MODELS,
    markov_order: int | Iterable[int] = 1,
    collapse_repeats: bool = False,
    markov_revenue_split: RevenueSplit = "value",
    shapley_value_function: ValueFunction = "conversion_rate",
    shapley_min_support: float = DEFAULT_MIN_SUPPORT,
    max_exact_channels: int = 15,
    force_exact: bool = False,
    n_permutations: int = 1000,
    seed: int = 0,
    direct_channels: Iterable[str] | None = DEFAULT_DIRECT_CHANNELS,
    position_weights: tuple[float, float] = (0.4, 0.4),
) -> list[AttributionResult]:
    """Run several attribution models; the full results, in the order of ``models``.

    Time decay is not offered here: it needs touch timestamps, which a path summary
    does not carry (use :func:`time_decay` on per-conversion touch lists).

    Args:
        df: path summary (DataFrame, list of tuples or :class:`PathSummary`).
        models: names from :data:`AVAILABLE_MODELS` (list or comma-separated string);
            ``None`` means :data:`DEFAULT_MODELS` (all of them).
        markov_order: one order or several (each gives a ``markov_order_<k>`` model).
        collapse_repeats: merge consecutive repeated channels for the Markov models.
        markov_revenue_split: ``"value"`` (value removal effects, default) or
            ``"conversion"`` (revenue follows the conversion removal effects).
        shapley_value_function: ``"conversion_rate"`` or ``"conversions"``.
        shapley_min_support: coalitions seen on fewer journeys are valued 0 in the
            Shapley games (``shapley`` and ``shapley_path``); 0 for the plain game.
        max_exact_channels: channel count above which Shapley is approximated.
        force_exact: always compute the exact Shapley value.
        n_permutations: permutations for the sampling approximation.
        seed: seed for the sampling approximation.
        direct_channels: channel names treated as direct by ``last_non_direct``
            (``None`` means ``("Direct",)``).
        position_weights: ``(first, last)`` shares of ``position_based``.
    """
    names = _as_list(DEFAULT_MODELS if models is None else models)
    unknown = sorted(set(names) - set(AVAILABLE_MODELS))
    if unknown:
        raise ValueError(
            f"unknown model(s): {', '.join(unknown)}; choose from {', '.join(AVAILABLE_MODELS)}"
        )
    summary = load_path_summary(df)
    runners = _runners(
        summary,
        markov_orders=[int(k) for k in _as_list(markov_order)],
        collapse_repeats=collapse_repeats,
        markov_revenue_split=markov_revenue_split,
        shapley_value_function=shapley_value_function,
        shapley_min_support=shapley_min_support,
        max_exact_channels=max_exact_channels,
        force_exact=force_exact,
        n_permutations=n_permutations,
        seed=seed,
        direct_channels=tuple(
            DEFAULT_DIRECT_CHANNELS if direct_channels is None else direct_channels
        ),
        position_weights=position_weights,
    )
    return [result for name in names for result in runners[name]()]


def results_table(
    results: Sequence[AttributionResult], intervals: dict[str, Interval] | None = None
) -> pd.DataFrame:
    """The ``attribution_channel_results`` table of some results (:data:`RESULT_COLUMNS`)."""
    frames = []
    for result in results:
        frame = result.to_frame()
        interval = (intervals or {}).get(result.model)
        if interval is not None:
            position = {name: i for i, name in enumerate(interval.channels)}
            at = np.array([position[name] for name in result.channels], dtype=np.int64)
            frame["attributed_conversions_lower"] = interval.conversions_lower[at]
            frame["attributed_conversions_upper"] = interval.conversions_upper[at]
            frame["attributed_revenue_lower"] = interval.revenue_lower[at]
            frame["attributed_revenue_upper"] = interval.revenue_upper[at]
            frame["bootstrap_resamples"] = interval.n_resamples
        frames.append(frame.reindex(columns=list(RESULT_COLUMNS)))
    if not frames:
        return pd.DataFrame(columns=list(RESULT_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def attribute_path_summary(
    df: object,
    *,
    models: str | Iterable[str] | None = DEFAULT_MODELS,
    n_bootstrap: int = 0,
    bootstrap_seed: int = 0,
    bootstrap_level: float = 0.95,
    progress: bool = False,
    **options: object,
) -> pd.DataFrame:
    """Run several attribution models and return one long result table.

    Args:
        df: path summary (DataFrame, list of tuples or :class:`PathSummary`).
        models: see :func:`run_models`.
        n_bootstrap: bootstrap resamples of the journeys for the interval columns
            (0: no intervals, the columns are null); see ``attribution_bootstrap``.
        bootstrap_seed: seed of the resampling.
        bootstrap_level: coverage of the intervals (default 0.95).
        progress: show a progress bar over the resamples.
        **options: the other keyword arguments of :func:`run_models`.

    Returns:
        DataFrame with :data:`RESULT_COLUMNS`: ``model``, ``channel``,
        ``attributed_conversions``, ``attributed_revenue``, ``removal_effect`` and
        ``value_removal_effect`` (NaN unless Markov), ``method``, the bootstrap
        interval bounds ``attributed_conversions_lower/_upper`` and
        ``attributed_revenue_lower/_upper`` and ``bootstrap_resamples``.
    """
    summary = load_path_summary(df)
    results = run_models(summary, models=models, **options)  # type: ignore[arg-type]
    intervals = None
    if n_bootstrap and results:
        intervals = bootstrap_intervals(
            summary,
            lambda sample: run_models(sample, models=models, **options),  # type: ignore[arg-type]
            n_resamples=n_bootstrap,
            seed=bootstrap_seed,
            level=bootstrap_level,
            progress=progress,
        )
    return results_table(results, intervals)
