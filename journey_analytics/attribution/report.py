"""Compare attribution models channel by channel: where do they disagree?

:func:`compare_models` turns the long ``attribution_channel_results`` table (one row
per model x channel) into one row per channel with, for every model, the credit
(attributed conversions) and the share (credit / the model's total credit), followed
by the spread of the shares across models:

* ``share_min``, ``share_max``, ``share_mean``;
* ``share_spread`` = ``share_max - share_min`` (0: the models agree);
* ``most_credit_model`` / ``least_credit_model``: the models at the two ends.

Rows are sorted by ``share_spread``, largest first, so the channels the models
disagree on come first.  Shares make models comparable even if one of them credits
a different total (for example when a model leaves some conversions unattributed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SHARE_COLUMNS = (
    "share_min",
    "share_max",
    "share_mean",
    "share_spread",
    "most_credit_model",
    "least_credit_model",
)


def compare_models(results: pd.DataFrame, *, value: str = "attributed_conversions") -> pd.DataFrame:
    """One row per channel: credit and share per model, then the spread.

    Args:
        results: table with ``model``, ``channel`` and the ``value`` column.
        value: the credit to compare (``attributed_conversions`` or
            ``attributed_revenue``).

    Returns:
        Columns ``channel``, ``<model>_credit`` and ``<model>_share`` for each model
        (in the order the models first appear), then :data:`SHARE_COLUMNS`.
    """
    missing = {"model", "channel", value} - set(results.columns)
    if missing:
        raise ValueError(f"results table is missing column(s): {', '.join(sorted(missing))}")
    if results.empty:
        return pd.DataFrame(columns=["channel", *SHARE_COLUMNS])
    models = list(dict.fromkeys(results["model"]))
    credit = results.pivot_table(
        index="channel", columns="model", values=value, aggfunc="sum", fill_value=0.0
    )[models]
    totals = credit.sum(axis=0)
    share = credit.divide(totals.where(totals != 0), axis=1).fillna(0.0)
    out = pd.DataFrame(index=credit.index)
    for model in models:
        out[f"{model}_credit"] = credit[model]
        out[f"{model}_share"] = share[model]
    values = share.to_numpy()
    out["share_min"] = values.min(axis=1)
    out["share_max"] = values.max(axis=1)
    out["share_mean"] = values.mean(axis=1)
    out["share_spread"] = out["share_max"] - out["share_min"]
    names = np.asarray(models, dtype=object)
    out["most_credit_model"] = names[values.argmax(axis=1)]
    out["least_credit_model"] = names[values.argmin(axis=1)]
    out = out.reset_index().sort_values(
        ["share_spread", "channel"], ascending=[False, True], ignore_index=True
    )
    return out
