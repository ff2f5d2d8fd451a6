"""Cohort-versus-rest statistics for the power-user comparison mart.

The dbt model ``int_power_user_comparison_inputs`` (portable SQL) reduces users to summary
statistics, one row per cohort and metric (:data:`INPUT_COLUMNS`): for the cohort and for
everyone else in the population the number of users measured (``cohort_n``, ``rest_n``), the
mean and the sample variance (for rate metrics the mean is the share of users with the outcome),
plus the cohort's size, the population's size and both revenues (for the shares of users and of
revenue). This module turns each row into a difference (cohort minus rest) and, for the outcomes
measured after the cohorts are defined (``comparison_role = 'post_cohort_outcome'``), its
confidence interval, a two-sided p-value adjusted for multiple comparisons and the relative
difference with its interval. Rows with ``comparison_role = 'descriptive'`` (measured on the
data the cohorts are selected on, so circular as evidence) get the differences only, no test.
The tests:

* rates (``metric_type = 'proportion'``): the two-proportion z-test. The test statistic uses the
  pooled proportion under H0 (p1 = p2); the confidence interval of p1 - p2 uses the unpooled
  (Wald) standard error, as in most textbooks (e.g. Agresti, *Categorical Data Analysis*,
  3rd ed., sections 1.4 and 3.1). The squared statistic equals Pearson's chi-square on the 2x2
  table without continuity correction, which the tests use as the independent check.
* means (``metric_type = 'mean'``): Welch's unequal-variance t-test (Welch 1947, *Biometrika*
  34:28-35) with Welch-Satterthwaite degrees of freedom; the interval uses the same standard
  error and t quantile.

Both are computed in Python, not SQL: the t distribution's CDF needs a regularised incomplete
beta function, which no warehouse offers portably. On DuckDB the dbt Python model
``fct_power_user_comparison`` calls :func:`compare_summary`; on a warehouse without Python
models, export the inputs table and run this module as a script::

    python -m journey_analytics.segments.stats --database dev.duckdb \\
        --table int_power_user_comparison_inputs --output-table fct_power_user_comparison
    python -m journey_analytics.segments.stats --csv inputs.csv --output-csv comparison.csv
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

#: Columns the summary input must have (one row per cohort x metric).
INPUT_COLUMNS: tuple[str, ...] = (
    "cohort_name",
    "cohort_type",
    "metric_name",
    "metric_type",
    "comparison_role",
    "cohort_n",
    "cohort_mean",
    "cohort_variance",
    "rest_n",
    "rest_mean",
    "rest_variance",
    "cohort_size",
    "population_n",
    "cohort_revenue",
    "total_revenue",
    "note",
)

#: comparison_role values: outcomes measured after the cohorts are defined (tested, and
#: adjusted for multiple comparisons), and metrics measured on the data the cohorts are selected
#: on (circular: difference only, no interval, no test).
ROLES: tuple[str, ...] = ("post_cohort_outcome", "descriptive")

#: Columns written by :func:`compare_summary`, in order.
OUTPUT_COLUMNS: tuple[str, ...] = (
    "comparison_id",
    "cohort_name",
    "cohort_type",
    "metric_name",
    "metric_type",
    "comparison_role",
    "test_name",
    "cohort_n",
    "rest_n",
    "cohort_value",
    "rest_value",
    "difference",
    "ci_lower",
    "ci_upper",
    "confidence_level",
    "statistic",
    "degrees_of_freedom",
    "p_value",
    "is_significant",
    "cohort_share_of_users",
    "cohort_share_of_revenue",
    "relative_difference",
    "relative_ci_lower",
    "relative_ci_upper",
    "p_value_adjusted",
    "is_significant_adjusted",
    "note",
)


@dataclass(frozen=True)
class TestResult:
    """Difference (group 1 minus group 2) with its interval and two-sided test."""

    difference: float
    ci_lower: float
    ci_upper: float
    statistic: float
    p_value: float
    degrees_of_freedom: float | None


_NAN_RESULT = TestResult(math.nan, math.nan, math.nan, math.nan, math.nan, None)


def two_proportion_ztest(
    successes1: float, n1: float, successes2: float, n2: float, confidence: float = 0.95
) -> TestResult:
    """Two-sided z-test of p1 = p2 with a Wald interval for p1 - p2.

    z = (p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2)) with the pooled p = (s1 + s2) / (n1 + n2);
    the interval is (p1 - p2) +- z_{(1+c)/2} sqrt(p1 (1-p1) / n1 + p2 (1-p2) / n2).
    Returns NaNs when a group is empty; the statistic is NaN (and the p-value 1) when both
    groups are all successes or all failures (no variation to test).
    """
    _check_confidence(confidence)
    if n1 <= 0 or n2 <= 0:
        return _NAN_RESULT
    p1, p2 = successes1 / n1, successes2 / n2
    difference = p1 - p2
    quantile = float(stats.norm.ppf(0.5 + confidence / 2))
    se_unpooled = math.sqrt(max(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2, 0.0))
    pooled = (successes1 + successes2) / (n1 + n2)
    se_pooled = math.sqrt(max(pooled * (1 - pooled) * (1 / n1 + 1 / n2), 0.0))
    if se_pooled == 0:
        statistic, p_value = math.nan, 1.0
    else:
        statistic = difference / se_pooled
        p_value = float(2 * stats.norm.sf(abs(statistic)))
    return TestResult(
        difference=difference,
        ci_lower=difference - quantile * se_unpooled,
        ci_upper=difference + quantile * se_unpooled,
        statistic=statistic,
        p_value=p_value,
        degrees_of_freedom=None,
    )


def welch_ttest(
    mean1: float,
    var1: float,
    n1: float,
    mean2: float,
    var2: float,
    n2: float,
    confidence: float = 0.95,
) -> TestResult:
    """Welch's two-sided t-test of mu1 = mu2 from summary statistics (sample variances).

    t = (m1 - m2) / se, se = sqrt(v1/n1 + v2/n2), and the Welch-Satterthwaite degrees of freedom
    df = se^4 / ((v1/n1)^2 / (n1-1) + (v2/n2)^2 / (n2-1)); the interval is
    (m1 - m2) +- t_{(1+c)/2, df} se. Needs at least two users per group (NaNs otherwise).
    """
    _check_confidence(confidence)
    if n1 < 2 or n2 < 2:
        return _NAN_RESULT
    a, b = var1 / n1, var2 / n2
    se = math.sqrt(a + b)
    difference = mean1 - mean2
    if se == 0:
        return TestResult(difference, difference, difference, math.nan, 1.0, None)
    df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
    statistic = difference / se
    quantile = float(stats.t.ppf(0.5 + confidence / 2, df))
    return TestResult(
        difference=difference,
        ci_lower=difference - quantile * se,
        ci_upper=difference + quantile * se,
        statistic=statistic,
        p_value=float(2 * stats.t.sf(abs(statistic), df)),
        degrees_of_freedom=df,
    )


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence!r}")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _num(value: object) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    return float(value)  # type: ignore[arg-type]


def compare_summary(
    inputs: pd.DataFrame, confidence: float = 0.95, correction: str = "bh"
) -> pd.DataFrame:
    """One output row per input row (cohort x metric). Post-cohort outcome rows: difference,
    CI and p-value, the relative difference (cohort / rest - 1) with its delta-method interval,
    and p-values adjusted over every tested row of the table (Benjamini-Hochberg by default, or
    'holm'). Descriptive rows (circular): the difference and relative difference only."""
    missing = [c for c in INPUT_COLUMNS if c not in inputs.columns]
    if missing:
        raise ValueError(
            f"comparison inputs lack column(s) {', '.join(missing)}; "
            f"expected {', '.join(INPUT_COLUMNS)}"
        )
    bad_types = sorted(set(inputs["metric_type"]) - {"proportion", "mean"})
    if bad_types:
        raise ValueError(f"metric_type must be 'proportion' or 'mean', got {bad_types}")
    bad_roles = sorted(set(inputs["comparison_role"]) - set(ROLES))
    if bad_roles:
        raise ValueError(f"comparison_role must be one of {', '.join(ROLES)}, got {bad_roles}")
    rows: list[dict[str, object]] = []
    variances: list[tuple[float, float]] = []
    for rec in inputs.to_dict("records"):
        variances.append((_num(rec["cohort_variance"]), _num(rec["rest_variance"])))
        n1, n2 = _num(rec["cohort_n"]), _num(rec["rest_n"])
        m1, m2 = _num(rec["cohort_mean"]), _num(rec["rest_mean"])
        if rec["comparison_role"] == "descriptive":
            # measured on the data the cohorts are selected on: described, never tested
            result = TestResult(m1 - m2, math.nan, math.nan, math.nan, math.nan, None)
            test_name = "none_descriptive"
        elif rec["metric_type"] == "proportion":
            n1z, n2z = (0.0 if math.isnan(n) else n for n in (n1, n2))
            result = two_proportion_ztest(
                (0.0 if n1z == 0 else m1 * n1z),
                n1z,
                (0.0 if n2z == 0 else m2 * n2z),
                n2z,
                confidence,
            )
            test_name = "two_proportion_z"
        else:
            result = welch_ttest(
                m1,
                _num(rec["cohort_variance"]),
                0.0 if math.isnan(n1) else n1,
                m2,
                _num(rec["rest_variance"]),
                0.0 if math.isnan(n2) else n2,
                confidence,
            )
            test_name = "welch_t"
        population = _num(rec["population_n"])
        total_revenue = _num(rec["total_revenue"])
        rows.append(
            {
                "comparison_id": f"{rec['cohort_name']}|{rec['metric_name']}",
                "cohort_name": rec["cohort_name"],
                "cohort_type": rec["cohort_type"],
                "metric_name": rec["metric_name"],
                "metric_type": rec["metric_type"],
                "comparison_role": rec["comparison_role"],
                "test_name": test_name,
                "cohort_n": int(0 if math.isnan(n1) else n1),
                "rest_n": int(0 if math.isnan(n2) else n2),
                "cohort_value": m1,
                "rest_value": m2,
                "difference": result.difference,
                "ci_lower": result.ci_lower,
                "ci_upper": result.ci_upper,
                "confidence_level": confidence,
                "statistic": result.statistic,
                "degrees_of_freedom": result.degrees_of_freedom,
                "p_value": result.p_value,
                "is_significant": bool(result.p_value < 1 - confidence)
                if not math.isnan(result.p_value)
                else None,
                "cohort_share_of_users": None
                if not population or math.isnan(population)
                else _num(rec["cohort_size"]) / population,
                "cohort_share_of_revenue": None
                if not total_revenue or math.isnan(total_revenue)
                else _num(rec["cohort_revenue"]) / total_revenue,
                "note": None if _missing(rec["note"]) else str(rec["note"]),
            }
        )
    out = pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS))
    _add_effect_sizes(out, variances, confidence, correction)
    for column in ("cohort_value", "rest_value", "difference", "ci_lower", "ci_upper"):
        out[column] = out[column].astype("float64")
    for column in ("statistic", "degrees_of_freedom", "p_value"):
        out[column] = out[column].astype("float64")
    out["cohort_share_of_users"] = out["cohort_share_of_users"].astype("float64")
    out["cohort_share_of_revenue"] = out["cohort_share_of_revenue"].astype("float64")
    out["is_significant"] = out["is_significant"].astype("boolean")
    out["is_significant_adjusted"] = out["is_significant_adjusted"].astype("boolean")
    return out.sort_values(["cohort_name", "metric_name"], ignore_index=True)


def _add_effect_sizes(
    out: pd.DataFrame, variances: list[tuple[float, float]], confidence: float, correction: str
) -> None:
    """Relative differences with intervals and adjusted p-values (journey_analytics.experiments
    .stats: delta method, Benjamini-Hochberg / Holm), in place."""
    from journey_analytics.experiments import stats as exp_stats

    alpha = 1 - confidence
    lower, upper, relative = [], [], []
    for rec, (v1, v2) in zip(out.to_dict("records"), variances, strict=True):
        n1, n2 = float(rec["cohort_n"]), float(rec["rest_n"])
        m1, m2 = _num(rec["cohort_value"]), _num(rec["rest_value"])
        if n1 < 2 or n2 < 2 or math.isnan(m1) or math.isnan(m2) or m2 == 0:
            relative.append(math.nan), lower.append(math.nan), upper.append(math.nan)
            continue
        if rec["comparison_role"] == "descriptive":
            relative.append(m1 / m2 - 1), lower.append(math.nan), upper.append(math.nan)
            continue
        with np.errstate(all="ignore"):
            if rec["metric_type"] == "proportion":
                eff = exp_stats.two_proportion(m2 * n2, n2, m1 * n1, n1, relative=True, alpha=alpha)
            else:
                eff = exp_stats.welch(m2, v2, n2, m1, v1, n1, relative=True, alpha=alpha)
        relative.append(float(eff.estimate))
        lower.append(float(eff.ci_lower))
        upper.append(float(eff.ci_upper))
    out["relative_difference"] = np.asarray(relative, dtype=float)
    out["relative_ci_lower"] = np.asarray(lower, dtype=float)
    out["relative_ci_upper"] = np.asarray(upper, dtype=float)
    out["p_value_adjusted"] = exp_stats.adjust(out["p_value"].astype(float).to_numpy(), correction)
    out["is_significant_adjusted"] = [
        None if math.isnan(p) else bool(p < alpha) for p in out["p_value_adjusted"]
    ]


# --- command line ---------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")


def _quote_table(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain table name: {name!r}")
    return ".".join(f'"{part}"' for part in name.split("."))


def build_parser() -> argparse.ArgumentParser:
    """Command-line interface."""
    parser = argparse.ArgumentParser(
        description="Power-user cohort vs rest: two-proportion z-tests and Welch t-tests "
        "from the summary table int_power_user_comparison_inputs.",
    )
    parser.add_argument("--database", type=Path, help="DuckDB database file to read (and write)")
    parser.add_argument(
        "--table", default="int_power_user_comparison_inputs", help="input table in --database"
    )
    parser.add_argument("--csv", type=Path, help="read the inputs from this CSV instead")
    parser.add_argument(
        "--output-table",
        help="write the result into this table of --database (replaced if it exists)",
    )
    parser.add_argument("--output-csv", type=Path, help="write the result to this CSV")
    parser.add_argument(
        "--confidence", type=float, default=0.95, help="confidence level (default %(default)s)"
    )
    parser.add_argument(
        "--correction",
        choices=("bh", "holm"),
        default="bh",
        help="multiple-comparison correction of the tested rows (default %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if (args.database is None) == (args.csv is None):
        print("give exactly one of --database or --csv", file=sys.stderr)
        return 2
    if args.output_table and args.database is None:
        print("--output-table needs --database", file=sys.stderr)
        return 2
    import duckdb

    if args.csv is not None:
        inputs = pd.read_csv(args.csv)
    else:
        with duckdb.connect(str(args.database), read_only=True) as con:
            inputs = con.execute(f"select * from {_quote_table(args.table)}").df()
    result = compare_summary(inputs, confidence=args.confidence, correction=args.correction)
    if args.output_csv:
        result.to_csv(args.output_csv, index=False)
    if args.output_table:
        with duckdb.connect(str(args.database)) as con:
            con.register("comparison_result", result)
            con.execute(
                f"create or replace table {_quote_table(args.output_table)} as "
                "select * from comparison_result"
            )
    if not args.output_csv and not args.output_table:
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            print(result.to_string(index=False))
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
