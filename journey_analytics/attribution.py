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
* Shapley values -- :func:`shapley_attribution` (exact over coalitions, with a
  documented approximation above ``max_exact_channels``), :func:`simplified_shapley`
  and :func:`ordered_shapley` (Zhao et al. 2018) (``attribution_shapley``);
* :func:`fractribution_attribution`, compatible with Google's fractribution and
  Snowplow's dbt-snowplow-fractribution (``attribution_fractribution``).

:func:`attribute_path_summary` runs a selection of them and returns the
``attribution_channel_results`` table (columns ``model``, ``channel``,
``attributed_conversions``, ``attributed_revenue``, ``removal_effect``, ``method``),
ready to be returned from a dbt Python model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import pandas as pd

from journey_analytics.attribution_core import (
    RESULT_COLUMNS,
    AttributionResult,
    PathSummary,
    load_path_summary,
)
from journey_analytics.attribution_fractribution import (
    fractribution_attribution,
    fractribution_path_shares,
)
from journey_analytics.attribution_heuristics import (
    DEFAULT_DIRECT_CHANNELS,
    first_touch,
    last_non_direct,
    last_touch,
    linear,
    position_based,
    time_decay,
)
from journey_analytics.attribution_markov import fit_markov_chain, markov_attribution
from journey_analytics.attribution_shapley import (
    ValueFunction,
    exact_shapley_values,
    ordered_shapley,
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
    "permutation_shapley_values",
    "position_based",
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
    "shapley_simplified",
    "shapley_ordered",
    "fractribution",
)
DEFAULT_MODELS: tuple[str, ...] = (
    "markov",
    "shapley",
    "shapley_simplified",
    "shapley_ordered",
    "fractribution",
)


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
    shapley_value_function: ValueFunction,
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
            markov_attribution(summary, order=order, collapse_repeats=collapse_repeats)
            for order in markov_orders
        ],
        "shapley": lambda: [
            shapley_attribution(
                summary,
                value_function=shapley_value_function,
                max_exact_channels=max_exact_channels,
                force_exact=force_exact,
                n_permutations=n_permutations,
                seed=seed,
            )
        ],
        "shapley_simplified": lambda: [simplified_shapley(summary)],
        "shapley_ordered": lambda: [ordered_shapley(summary)],
        "fractribution": lambda: [fractribution_attribution(summary)],
    }


def attribute_path_summary(
    df: object,
    *,
    models: str | Iterable[str] | None = DEFAULT_MODELS,
    markov_order: int | Iterable[int] = 1,
    collapse_repeats: bool = False,
    shapley_value_function: ValueFunction = "conversion_rate",
    max_exact_channels: int = 15,
    force_exact: bool = False,
    n_permutations: int = 1000,
    seed: int = 0,
    direct_channels: Iterable[str] | None = DEFAULT_DIRECT_CHANNELS,
    position_weights: tuple[float, float] = (0.4, 0.4),
) -> pd.DataFrame:
    """Run several attribution models and return one long result table.

    Time decay is not offered here: it needs touch timestamps, which a path summary
    does not carry (use :func:`time_decay` on per-conversion touch lists).

    Args:
        df: path summary (DataFrame, list of tuples or :class:`PathSummary`).
        models: names from :data:`AVAILABLE_MODELS` (list or comma-separated string);
            ``None`` means :data:`DEFAULT_MODELS`.
        markov_order: one order or several (each gives a ``markov_order_<k>`` model).
        collapse_repeats: merge consecutive repeated channels for the Markov models.
        shapley_value_function: ``"conversion_rate"`` or ``"conversions"``.
        max_exact_channels: channel count above which Shapley is approximated.
        force_exact: always compute the exact Shapley value.
        n_permutations: permutations for the sampling approximation.
        seed: seed for the sampling approximation.
        direct_channels: channel names treated as direct by ``last_non_direct``
            (``None`` means ``("Direct",)``).
        position_weights: ``(first, last)`` shares of ``position_based``.

    Returns:
        DataFrame with columns ``model``, ``channel``, ``attributed_conversions``,
        ``attributed_revenue``, ``removal_effect`` (NaN unless Markov) and ``method``.
    """
    names = _as_list(DEFAULT_MODELS if models is None else models)
    unknown = sorted(set(names) - set(AVAILABLE_MODELS))
    if unknown:
        raise ValueError(f"unknown model(s): {', '.join(unknown)}")
    summary = load_path_summary(df)
    runners = _runners(
        summary,
        markov_orders=[int(k) for k in _as_list(markov_order)],
        collapse_repeats=collapse_repeats,
        shapley_value_function=shapley_value_function,
        max_exact_channels=max_exact_channels,
        force_exact=force_exact,
        n_permutations=n_permutations,
        seed=seed,
        direct_channels=tuple(
            DEFAULT_DIRECT_CHANNELS if direct_channels is None else direct_channels
        ),
        position_weights=position_weights,
    )
    frames = [result.to_frame() for name in names for result in runners[name]()]
    if not frames:
        return pd.DataFrame(columns=list(RESULT_COLUMNS))
    return pd.concat(frames, ignore_index=True)
