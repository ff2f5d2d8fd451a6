"""One row per data-driven attribution model x channel (Markov, Shapley, fractribution).

Runs journey_analytics.attribution.attribute_path_summary on fct_attribution_path_summary,
in-process (dbt-duckdb). The options come from vars through the model's config in
_attribution__models.yml: journey__attribution_data_driven_models (the `models` argument),
journey__attribution_direct_channels and journey__attribution_python_options (any other
keyword argument of attribute_path_summary, e.g. {markov_order: [1, 2], force_exact: true,
n_bootstrap: 0}). Bootstrap intervals: n_bootstrap resamples of the journeys (default
DEFAULT_BOOTSTRAP_RESAMPLES, seeded by bootstrap_seed, default 0) on the small path summary.
Disabled with journey__attribution_python_models: false; scripts/run_attribution.py then
writes the same table outside dbt (see the source journey_attribution_external).
"""

import pandas as pd

# Intervals are opt-in in the scheduled build: each resample re-runs every model on the path
# summary (at 10M events, 46k paths: about 3 s a resample, 95 s for 30). Turn them on with
# journey__attribution_python_options: {n_bootstrap: 30}; scripts/run_attribution.py uses 100.
DEFAULT_BOOTSTRAP_RESAMPLES = 0
COLUMNS = {
    "model": "object",
    "channel": "object",
    "attributed_conversions": "float64",
    "attributed_revenue": "float64",
    "removal_effect": "float64",
    "value_removal_effect": "float64",
    "method": "object",
    "attributed_conversions_lower": "float64",
    "attributed_conversions_upper": "float64",
    "attributed_revenue_lower": "float64",
    "attributed_revenue_upper": "float64",
    "bootstrap_resamples": "Int64",
}


def model(dbt, session):
    dbt.config(materialized="table")
    from journey_analytics.attribution import attribute_path_summary

    settings = dbt.config.get("meta")
    models = settings["attribution_data_driven_models"]
    direct_channels = settings["attribution_direct_channels"]
    options = dict(settings.get("attribution_python_options") or {})
    if not isinstance(options, dict):
        raise ValueError(
            f"journey__attribution_python_options must be a mapping of keyword arguments; "
            f"got {options!r}"
        )
    if "models" in options or "direct_channels" in options:
        raise ValueError(
            "journey__attribution_python_options: set the models with "
            "journey__attribution_data_driven_models and the direct channels with "
            "journey__attribution_direct_channels"
        )
    if "position_weights" in options:
        options["position_weights"] = tuple(options["position_weights"])
    options.setdefault("n_bootstrap", DEFAULT_BOOTSTRAP_RESAMPLES)

    summary = dbt.ref("fct_attribution_path_summary").df()
    if summary.empty:
        # no path at all: an empty, typed table
        return pd.DataFrame({name: pd.Series([], dtype=kind) for name, kind in COLUMNS.items()})
    summary = pd.DataFrame(
        {
            "transformed_path": summary["transformed_path"].astype(str),
            "conversions": summary["conversions"].astype("float64"),
            "non_conversions": summary["non_conversions"].astype("float64"),
            "revenue": summary["revenue"].astype("float64"),
        }
    )
    # the seeded bootstrap draws rows by position: a fixed row order makes the intervals the
    # same on every engine and after any sequence of incremental runs
    summary = summary.sort_values("transformed_path", kind="stable").reset_index(drop=True)
    results = attribute_path_summary(
        summary, models=models, direct_channels=direct_channels, **options
    )
    return results[list(COLUMNS)].astype(COLUMNS)
