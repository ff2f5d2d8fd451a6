"""Experiment results, sample-ratio checks and trigger lift from small aggregate tables.

The warehouse reduces units to sufficient statistics (one row per experiment, metric and
variant: :data:`STATS_COLUMNS`); these functions turn them into result tables. They are what
the dbt Python models ``int_experiment_*_computed`` call on DuckDB, and what
``scripts/run_experiments.py`` runs on exported tables for warehouses without Python models.

Which method answers which question (also in models/marts/experiments/_experiments__docs.md):

* conversion and retention (0/1 per unit): two-proportion z-test;
* counts and sums per unit (orders, revenue): Welch's t-test;
* ratio metrics (revenue per session, orders per active day): delta method, Welch's t;
* a metric with a declared pre-exposure covariate: CUPED, then Welch's t;
* relative effects: delta method on the same estimates;
* an experiment flagged ``sequential``: always-valid p-values and confidence sequences (mSPRT),
  in place of the fixed-horizon ones, for teams who look every day.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from journey_analytics.experiments import stats as s

#: Columns of the sufficient-statistics table (fct_experiment_sufficient_stats).
STATS_COLUMNS: tuple[str, ...] = (
    "experiment_name",
    "metric_name",
    "variant",
    "is_control",
    "metric_type",
    "direction",
    "is_guardrail",
    "uses_cuped",
    "units",
    "units_window_incomplete",
    "sum_y",
    "sum_y2",
    "sum_x",
    "sum_x2",
    "sum_xy",
    "confidence_level",
    "correction",
    "is_sequential",
    "sequential_tuning_n",
    "power",
)

#: Columns of the results table, in order.
RESULT_COLUMNS: tuple[str, ...] = (
    "result_id",
    "experiment_name",
    "metric_name",
    "variant",
    "control_variant",
    "metric_type",
    "method",
    "direction",
    "is_guardrail",
    "units_control",
    "units_variant",
    "mean_control",
    "mean_variant",
    "absolute_effect",
    "absolute_ci_lower",
    "absolute_ci_upper",
    "relative_effect",
    "relative_ci_lower",
    "relative_ci_upper",
    "degrees_of_freedom",
    "p_value",
    "p_value_adjusted",
    "correction",
    "confidence_level",
    "mde_absolute",
    "mde_relative",
    "is_significant",
    "is_guardrail_breach",
    "is_srm_flagged",
    "is_trustworthy",
    "status",
    "status_reason",
)

BINARY_TYPES = frozenset({"conversion", "retention"})

#: Columns of the sample-ratio table (one row per experiment and variant).
SRM_COLUMNS: tuple[str, ...] = (
    "experiment_name",
    "variant",
    "declared_share",
    "units",
    "expected_units",
    "units_excluded_multiple_variants",
    "chi_square",
    "degrees_of_freedom",
    "p_value",
    "srm_threshold",
    "is_srm",
    "status",
)

#: Columns the trigger-lift input needs (one row per trigger, step and arm).
TRIGGER_STATS_COLUMNS: tuple[str, ...] = (
    "trigger_name",
    "step_name",
    "arm",
    "units",
    "conversions",
    "sum_value",
    "sum_value2",
)

TRIGGER_LIFT_COLUMNS: tuple[str, ...] = (
    "lift_id",
    "trigger_name",
    "step_name",
    "control_arm",
    "units_treatment",
    "units_control",
    "conversion_rate_treatment",
    "conversion_rate_control",
    "conversion_lift",
    "conversion_lift_ci_lower",
    "conversion_lift_ci_upper",
    "conversion_relative_lift",
    "conversion_p_value",
    "conversion_p_value_adjusted",
    "incremental_conversions",
    "incremental_conversions_ci_lower",
    "incremental_conversions_ci_upper",
    "value_per_unit_treatment",
    "value_per_unit_control",
    "value_lift",
    "value_lift_ci_lower",
    "value_lift_ci_upper",
    "value_p_value",
    "incremental_value",
    "incremental_value_ci_lower",
    "incremental_value_ci_upper",
    "confidence_level",
    "status",
)


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} is missing columns: {', '.join(missing)}")


def _f(x: object) -> float:
    value = float(np.asarray(x, dtype=float))
    return value if np.isfinite(value) else float("nan")


def method_name(metric_type: str, uses_cuped: bool, sequential: bool) -> str:
    """The test a metric gets (see the module docstring)."""
    if metric_type == "ratio":
        base = "delta_ratio_welch_t"
    elif uses_cuped:
        base = "cuped_welch_t"
    elif metric_type in BINARY_TYPES:
        base = "two_proportion_z"
    else:
        base = "welch_t"
    return f"{base}+msprt" if sequential else base


def compare_arms(a: pd.Series, b: pd.Series) -> dict[str, object]:
    """One variant (b) against the control (a) of one metric: effects, intervals, p, MDE."""
    alpha = 1 - float(a["confidence_level"])
    power = float(a["power"])
    kind = str(a["metric_type"])
    cuped = bool(a["uses_cuped"]) and kind != "ratio"
    sequential = bool(a["is_sequential"])
    na, nb = float(a["units"]), float(b["units"])
    binary = kind in BINARY_TYPES
    args_a = (na, a["sum_y"], a["sum_y2"], a["sum_x"], a["sum_x2"], a["sum_xy"])
    args_b = (nb, b["sum_y"], b["sum_y2"], b["sum_x"], b["sum_x2"], b["sum_xy"])
    if binary and not cuped:
        ma, mb = float(a["sum_y"]) / na, float(b["sum_y"]) / nb
        absolute = s.two_proportion(a["sum_y"], na, b["sum_y"], nb, alpha=alpha)
        relative = s.two_proportion(a["sum_y"], na, b["sum_y"], nb, relative=True, alpha=alpha)
    else:
        if kind == "ratio":
            ma, va = s.ratio_mean_variance(*args_a)
            mb, vb = s.ratio_mean_variance(*args_b)
            base_a, base_b = ma, mb
        elif cuped:
            theta = s.cuped_theta(
                na, a["sum_y"], a["sum_x"], a["sum_x2"], a["sum_xy"],
                nb, b["sum_y"], b["sum_x"], b["sum_x2"], b["sum_xy"],
            )  # fmt: skip
            ma, va = s.cuped_mean_variance(*args_a, theta, binary=binary)
            mb, vb = s.cuped_mean_variance(*args_b, theta, binary=binary)
            base_a, base_b = float(a["sum_y"]) / na, float(b["sum_y"]) / nb
        else:
            ma, va = s.mean_variance(na, a["sum_y"], a["sum_y2"])
            mb, vb = s.mean_variance(nb, b["sum_y"], b["sum_y2"])
            base_a, base_b = ma, mb
        absolute = s.welch(ma, va, na, mb, vb, nb, alpha=alpha)
        relative = s.welch(
            ma, va, na, mb, vb, nb, relative=True, base_a=base_a, base_b=base_b, alpha=alpha
        )
        ma, mb = base_a, base_b
    out: dict[str, object] = {
        "mean_control": _f(ma),
        "mean_variant": _f(mb),
        "absolute_effect": _f(absolute.estimate),
        "absolute_ci_lower": _f(absolute.ci_lower),
        "absolute_ci_upper": _f(absolute.ci_upper),
        "relative_effect": _f(relative.estimate),
        "relative_ci_lower": _f(relative.ci_lower),
        "relative_ci_upper": _f(relative.ci_upper),
        "degrees_of_freedom": _f(absolute.df),
        "p_value": _f(absolute.p_value),
        "mde_absolute": _f(s.mde(absolute.se, alpha, power)),
        "mde_relative": _f(s.mde(absolute.se, alpha, power) / abs(_f(ma)))
        if _f(ma) not in (0.0,) and np.isfinite(_f(ma))
        else float("nan"),
    }
    if sequential:
        tuning = float(a["sequential_tuning_n"])
        for prefix, eff in (("absolute", absolute), ("relative", relative)):
            tau2 = s.msprt_tau2(eff.se**2, na + nb, tuning, alpha)
            p, lo, hi = s.msprt(eff.estimate, eff.se, tau2, alpha)
            out[f"{prefix}_ci_lower"], out[f"{prefix}_ci_upper"] = _f(lo), _f(hi)
            if prefix == "absolute":
                out["p_value"] = _f(p)
        out["degrees_of_freedom"] = float("nan")
    return out


def _status(a: pd.Series, b: pd.Series) -> tuple[str, str]:
    """ok, or why a comparison has no numbers (never a silent number)."""
    for row, who in ((a, "control"), (b, "variant")):
        name = f"{who} '{row['variant']}'"
        if int(row["units"]) == 0:
            if int(row["units_window_incomplete"]) > 0:
                return (
                    "window_longer_than_data",
                    f"{name} has no unit whose metric window ends before the data does "
                    f"({int(row['units_window_incomplete'])} units still inside the window)",
                )
            return "no_units", f"{name} has no units"
        if int(row["units"]) < 2:
            return "too_few_units", f"{name} has {int(row['units'])} unit (at least 2 needed)"
    return "ok", ""


def compute_results(stats: pd.DataFrame, srm: pd.DataFrame | None = None) -> pd.DataFrame:
    """Results (:data:`RESULT_COLUMNS`) from sufficient statistics (:data:`STATS_COLUMNS`).

    One row per experiment, metric and non-control variant. p-values are adjusted within each
    experiment over all its metrics and variants (BH by default, Holm when the experiment's
    ``correction`` is 'holm'). An experiment with a sample-ratio mismatch (``srm``: the output of
    :func:`compute_srm`) has every row marked ``is_trustworthy = false``.
    """
    _require(stats, STATS_COLUMNS, "sufficient statistics")
    srm_flags: dict[str, bool] = {}
    if srm is not None and len(srm):
        srm_flags = (
            srm.groupby("experiment_name")["is_srm"]
            .agg(lambda x: bool(x.fillna(False).any()))
            .to_dict()
        )
    rows: list[dict[str, object]] = []
    for (experiment, metric), group in stats.groupby(["experiment_name", "metric_name"], sort=True):
        controls = group[group["is_control"].astype(bool)]
        if len(controls) != 1:
            raise ValueError(
                f"experiment '{experiment}', metric '{metric}': expected exactly one control "
                f"variant, found {len(controls)}"
            )
        a = controls.iloc[0]
        for _, b in group[~group["is_control"].astype(bool)].sort_values("variant").iterrows():
            status, reason = _status(a, b)
            row: dict[str, object] = {
                "result_id": f"{experiment}|{metric}|{b['variant']}",
                "experiment_name": experiment,
                "metric_name": metric,
                "variant": b["variant"],
                "control_variant": a["variant"],
                "metric_type": a["metric_type"],
                "method": method_name(
                    str(a["metric_type"]), bool(a["uses_cuped"]), bool(a["is_sequential"])
                ),
                "direction": a["direction"],
                "is_guardrail": bool(a["is_guardrail"]),
                "units_control": int(a["units"]),
                "units_variant": int(b["units"]),
                "correction": a["correction"],
                "confidence_level": float(a["confidence_level"]),
            }
            if status == "ok":
                with np.errstate(all="ignore"):
                    row.update(compare_arms(a, b))
                if not np.isfinite(row["p_value"]):  # type: ignore[arg-type]
                    status, reason = "zero_variance", "no variation in the metric in either arm"
                elif not np.isfinite(row["relative_effect"]):  # type: ignore[arg-type]
                    reason = "control mean is 0: relative effect undefined"
            row["status"], row["status_reason"] = status, reason or None
            rows.append(row)
    out = pd.DataFrame(rows, columns=[c for c in RESULT_COLUMNS])
    if out.empty:
        return out
    for column in RESULT_COLUMNS:
        if column not in out or out[column].isna().all():
            out[column] = out.get(column, np.nan)
    out["p_value_adjusted"] = np.nan
    for _experiment, idx in out.groupby("experiment_name").groups.items():
        method = str(out.loc[idx, "correction"].iloc[0])
        p = out.loc[idx, "p_value"].astype(float).where(out.loc[idx, "status"] == "ok")
        out.loc[idx, "p_value_adjusted"] = s.adjust(p.to_numpy(), method)
    alpha = 1 - out["confidence_level"].astype(float)
    ok = out["status"] == "ok"
    out["is_significant"] = ok & (out["p_value_adjusted"] < alpha)
    lower, upper = out["absolute_ci_lower"].astype(float), out["absolute_ci_upper"].astype(float)
    harmful = np.where(out["direction"] == "lower", lower > 0, upper < 0)
    out["is_guardrail_breach"] = ok & out["is_guardrail"].astype(bool) & harmful
    out["is_srm_flagged"] = (
        out["experiment_name"].map(lambda e: srm_flags.get(e, False)).astype(bool)
    )
    out["is_trustworthy"] = ok & ~out["is_srm_flagged"]
    return out[list(RESULT_COLUMNS)].reset_index(drop=True)


def compute_srm(counts: pd.DataFrame, threshold: float = 0.001) -> pd.DataFrame:
    """Sample-ratio mismatch per experiment (:data:`SRM_COLUMNS`).

    ``counts``: one row per experiment and declared variant with ``declared_share``, ``units``
    (assigned, excluded units not counted) and ``units_excluded_multiple_variants`` (the
    experiment's units exposed to more than one variant). Pearson's chi-square against the
    declared split; ``is_srm`` when p < threshold.
    """
    _require(
        counts,
        (
            "experiment_name",
            "variant",
            "declared_share",
            "units",
            "units_excluded_multiple_variants",
        ),
        "variant counts",
    )
    parts = []
    for _experiment, group in counts.groupby("experiment_name", sort=True):
        g = group.sort_values("variant").copy()
        total = float(g["units"].sum())
        shares = g["declared_share"].astype(float) / float(g["declared_share"].sum())
        g["expected_units"] = total * shares
        g["srm_threshold"] = threshold
        if total <= 0:
            g["chi_square"], g["degrees_of_freedom"], g["p_value"] = np.nan, len(g) - 1, np.nan
            g["is_srm"], g["status"] = False, "no_units"
        else:
            chi2, df, p = s.srm_chi_square(g["units"].to_numpy(), g["declared_share"].to_numpy())
            g["chi_square"], g["degrees_of_freedom"], g["p_value"] = chi2, df, p
            g["is_srm"] = p < threshold
            active = int((g["units"] > 0).sum())
            g["status"] = "one_arm" if active < 2 else "ok"
        parts.append(g)
    if not parts:
        return pd.DataFrame(columns=list(SRM_COLUMNS))
    return pd.concat(parts)[list(SRM_COLUMNS)].reset_index(drop=True)


def compute_trigger_lift(
    stats: pd.DataFrame, confidence: float = 0.95, correction: str = "bh"
) -> pd.DataFrame:
    """Trigger lift (:data:`TRIGGER_LIFT_COLUMNS`): per trigger and step, treatment against
    each holdout arm present ('control', 'global_control').

    Conversions: two-proportion z-test; value per unit (goal value, 0 without a goal): Welch's
    t. Incremental conversions and value are the per-unit lift times the treated units (what
    treating them added over the holdout), with the interval scaled the same way. Conversion
    p-values are adjusted over all rows (BH by default).
    """
    _require(stats, TRIGGER_STATS_COLUMNS, "trigger-lift statistics")
    alpha = 1 - confidence
    rows: list[dict[str, object]] = []
    keys = stats.assign(step_name=stats["step_name"].fillna(""))
    for (trigger, step), group in keys.groupby(["trigger_name", "step_name"], sort=True):
        arms = {str(r["arm"]): r for _, r in group.iterrows()}
        t = arms.get("treatment")
        for control_arm in ("control", "global_control"):
            c = arms.get(control_arm)
            if c is None:
                continue
            row: dict[str, object] = {
                "lift_id": f"{trigger}|{step}|{control_arm}",
                "trigger_name": trigger,
                "step_name": step or None,
                "control_arm": control_arm,
                "units_treatment": int(t["units"]) if t is not None else 0,
                "units_control": int(c["units"]),
                "confidence_level": confidence,
            }
            if t is None or int(t["units"]) < 2 or int(c["units"]) < 2:
                row["status"] = "too_few_units"
                rows.append(row)
                continue
            nt, nc = float(t["units"]), float(c["units"])
            with np.errstate(all="ignore"):
                conv = s.two_proportion(c["conversions"], nc, t["conversions"], nt, alpha=alpha)
                rel = s.two_proportion(
                    c["conversions"], nc, t["conversions"], nt, relative=True, alpha=alpha
                )
                mc, vc = s.mean_variance(nc, c["sum_value"], c["sum_value2"])
                mt, vt = s.mean_variance(nt, t["sum_value"], t["sum_value2"])
                val = s.welch(mc, vc, nc, mt, vt, nt, alpha=alpha)
            row.update(
                {
                    "conversion_rate_treatment": float(t["conversions"]) / nt,
                    "conversion_rate_control": float(c["conversions"]) / nc,
                    "conversion_lift": _f(conv.estimate),
                    "conversion_lift_ci_lower": _f(conv.ci_lower),
                    "conversion_lift_ci_upper": _f(conv.ci_upper),
                    "conversion_relative_lift": _f(rel.estimate),
                    "conversion_p_value": _f(conv.p_value),
                    "incremental_conversions": _f(conv.estimate) * nt,
                    "incremental_conversions_ci_lower": _f(conv.ci_lower) * nt,
                    "incremental_conversions_ci_upper": _f(conv.ci_upper) * nt,
                    "value_per_unit_treatment": _f(mt),
                    "value_per_unit_control": _f(mc),
                    "value_lift": _f(val.estimate),
                    "value_lift_ci_lower": _f(val.ci_lower),
                    "value_lift_ci_upper": _f(val.ci_upper),
                    "value_p_value": _f(val.p_value),
                    "incremental_value": _f(val.estimate) * nt,
                    "incremental_value_ci_lower": _f(val.ci_lower) * nt,
                    "incremental_value_ci_upper": _f(val.ci_upper) * nt,
                    "status": "ok",
                }
            )
            rows.append(row)
    out = pd.DataFrame(rows, columns=list(TRIGGER_LIFT_COLUMNS))
    if len(out):
        out["conversion_p_value_adjusted"] = s.adjust(
            out["conversion_p_value"].astype(float).to_numpy(), correction
        )
    return out
