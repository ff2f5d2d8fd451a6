"""One row per data-driven attribution model x channel (Markov, Shapley, fractribution).

Runs journey_analytics.attribution.attribute_path_summary on fct_attribution_path_summary,
in-process (dbt-duckdb). The options come from vars through the model's config in
_attribution__models.yml: journey__attribution_data_driven_models (the `models` argument),
journey__attribution_direct_channels and journey__attribution_python_options (any other
keyword argument of attribute_path_summary, e.g. {markov_order: [1, 2], force_exact: true}).
Disabled with journey__attribution_python_models: false; scripts/run_attribution.py then
writes the same table outside dbt (see the source journey_attribution_external).
"""

import pandas as pd


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

    columns = [
        "model",
        "channel",
        "attributed_conversions",
        "attributed_revenue",
        "removal_effect",
        "method",
    ]
    summary = dbt.ref("fct_attribution_path_summary").df()
    if summary.empty:
        # no path at all: an empty, typed table
        return pd.DataFrame(
            {
                "model": pd.Series([], dtype="object"),
                "channel": pd.Series([], dtype="object"),
                "attributed_conversions": pd.Series([], dtype="float64"),
                "attributed_revenue": pd.Series([], dtype="float64"),
                "removal_effect": pd.Series([], dtype="float64"),
                "method": pd.Series([], dtype="object"),
            }
        )
    summary = pd.DataFrame(
        {
            "transformed_path": summary["transformed_path"].astype(str),
            "conversions": summary["conversions"].astype("float64"),
            "non_conversions": summary["non_conversions"].astype("float64"),
            "revenue": summary["revenue"].astype("float64"),
        }
    )
    results = attribute_path_summary(
        summary, models=models, direct_channels=direct_channels, **options
    )
    for column in ("attributed_conversions", "attributed_revenue", "removal_effect"):
        results[column] = results[column].astype("float64")
    return results[columns]
