"""Our experiment statistics agree with GrowthBook's gbstats 0.8.0, an independent
implementation, on the same sufficient statistics (effects, intervals, p-values to 1e-6).

gbstats pins numpy<2, pandas<2 and scipy<2, so it runs in its own virtual environment
(.venv-gbstats, `make .venv-gbstats`), in a subprocess (tests/python/peers/gbstats_reference.py).

Stated differences, not compared here: for conversion metrics without CUPED the marts use the
two-proportion z-test (pooled statistic, normal quantiles), where gbstats uses Welch's t on
p(1 - p) variances; the Welch-on-proportions path is compared instead (the same sums, same
variances), and the z-test is checked against Pearson's chi-square in test_experiments_stats.py.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from journey_analytics.experiments import stats as s
from journey_analytics.experiments.analysis import compare_arms

PROJECT_DIR = Path(__file__).resolve().parents[2]
GBSTATS_PYTHON = PROJECT_DIR / ".venv-gbstats" / "bin" / "python"
REFERENCE = Path(__file__).parent / "peers" / "gbstats_reference.py"

pytestmark = pytest.mark.skipif(
    not GBSTATS_PYTHON.exists(),
    reason="no .venv-gbstats: `make .venv-gbstats` installs gbstats 0.8.0 (its pins clash with ours)",
)


def _sums(y: np.ndarray, x: np.ndarray) -> dict[str, float]:
    return {
        "n": int(y.size),
        "sum_y": float(y.sum()),
        "sum_y2": float((y * y).sum()),
        "sum_x": float(x.sum()),
        "sum_x2": float((x * x).sum()),
        "sum_xy": float((x * y).sum()),
    }


def _arm(rng: np.random.Generator, kind: str, n: int, lift: float) -> dict[str, float]:
    """Per-unit data of one arm, reduced to sums (the cases are realistic, not hand-picked)."""
    if kind == "mean":
        y = rng.gamma(2.0, 5.0 * (1 + lift), n)
        x = np.zeros(n)
    elif kind == "proportion":
        y = (rng.random(n) < 0.12 * (1 + lift)).astype(float)
        x = np.zeros(n)
    elif kind == "ratio":
        x = rng.poisson(3.0, n) + 1.0  # sessions
        y = rng.gamma(1.5, 4.0 * (1 + lift), n) * x  # revenue grows with sessions
    elif kind == "cuped":
        x = rng.gamma(2.0, 5.0, n)  # pre-exposure revenue
        y = 0.8 * x + rng.normal(3.0 * (1 + lift), 4.0, n)
    else:  # cuped_proportion
        x = rng.poisson(2.0, n).astype(float)
        y = (rng.random(n) < np.clip(0.05 + 0.04 * x * (1 + lift), 0, 1)).astype(float)
    return _sums(y, x)


def _cases() -> list[dict]:
    rng = np.random.default_rng(20261207)
    cases = []
    for kind, n_a, n_b, lift in [
        ("mean", 400, 380, 0.05),
        ("mean", 37, 55, -0.2),
        ("proportion", 5000, 5100, 0.1),
        ("proportion", 800, 760, 0.0),
        ("ratio", 600, 640, 0.08),
        ("ratio", 90, 70, -0.1),
        ("cuped", 700, 690, 0.04),
        ("cuped", 120, 150, 0.2),
        ("cuped_proportion", 2000, 2100, 0.15),
    ]:
        a, b = _arm(rng, kind, n_a, 0.0), _arm(rng, kind, n_b, lift)
        for difference_type in ("absolute", "relative"):
            for sequential in (False, True):
                if sequential and kind not in ("mean", "ratio", "cuped"):
                    continue
                cases.append(
                    {
                        "kind": kind,
                        "a": a,
                        "b": b,
                        "difference_type": difference_type,
                        "sequential": sequential,
                        "tuning": 3000,
                        "alpha": 0.05 if n_a != 37 else 0.1,
                    }
                )
    return cases


def _gbstats(cases: list[dict]) -> list[dict]:
    done = subprocess.run(
        [str(GBSTATS_PYTHON), str(REFERENCE)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _row(case: dict, arm: dict, is_control: bool) -> pd.Series:
    kind = {"mean": "sum", "proportion": "conversion", "ratio": "ratio"}.get(case["kind"], "sum")
    if case["kind"] == "cuped_proportion":
        kind = "conversion"
    return pd.Series(
        {
            "variant": "control" if is_control else "treatment",
            "metric_type": kind,
            "uses_cuped": case["kind"].startswith("cuped"),
            "is_sequential": case["sequential"],
            "sequential_tuning_n": case["tuning"],
            "confidence_level": 1 - case["alpha"],
            "power": 0.8,
            "units": arm["n"],
            **{k: v for k, v in arm.items() if k != "n"},
        }
    )


def _ours(case: dict) -> dict[str, float]:
    prefix = case["difference_type"]
    if case["kind"] == "proportion":
        # the Welch-on-p(1-p) path (see the module docstring)
        a, b = case["a"], case["b"]
        ma, va = s.proportion_variance(a["n"], a["sum_y"])
        mb, vb = s.proportion_variance(b["n"], b["sum_y"])
        eff = s.welch(
            ma, va, a["n"], mb, vb, b["n"], relative=prefix == "relative", alpha=case["alpha"]
        )
        return {
            "estimate": float(eff.estimate),
            "ci_lower": float(eff.ci_lower),
            "ci_upper": float(eff.ci_upper),
            "p_value": float(eff.p_value),
        }
    out = compare_arms(_row(case, case["a"], True), _row(case, case["b"], False))
    result = {
        "estimate": out[f"{prefix}_effect"],
        "ci_lower": out[f"{prefix}_ci_lower"],
        "ci_upper": out[f"{prefix}_ci_upper"],
    }
    if prefix == "absolute":
        result["p_value"] = out["p_value"]
    return result  # type: ignore[return-value]


def test_gbstats_agrees_on_effects_intervals_and_p_values() -> None:
    cases = _cases()
    theirs = _gbstats(cases)
    assert len(theirs) == len(cases) == 30
    compared = 0
    for case, ref in zip(cases, theirs, strict=True):
        assert ref["error"] is None, (case["kind"], ref["error"])
        ours = _ours(case)
        label = f"{case['kind']} {case['difference_type']} sequential={case['sequential']}"
        for key, value in ours.items():
            assert value == pytest.approx(ref[key], abs=1e-6, rel=1e-6), (
                label,
                key,
                value,
                ref[key],
            )
            compared += 1
    assert compared >= 100


def test_gbstats_relative_p_values_match_our_relative_test() -> None:
    """gbstats tests the relative effect with its own variance: our welch(relative=True) gives
    the same p-value (the marts report the absolute test's p-value; both are given here)."""
    cases = [c for c in _cases() if c["difference_type"] == "relative" and not c["sequential"]]
    cases = [c for c in cases if c["kind"] in ("mean", "ratio")]
    theirs = _gbstats(cases)
    for case, ref in zip(cases, theirs, strict=True):
        a, b = case["a"], case["b"]
        if case["kind"] == "mean":
            ma, va = s.mean_variance(a["n"], a["sum_y"], a["sum_y2"])
            mb, vb = s.mean_variance(b["n"], b["sum_y"], b["sum_y2"])
        else:
            ma, va = s.ratio_mean_variance(
                a["n"], a["sum_y"], a["sum_y2"], a["sum_x"], a["sum_x2"], a["sum_xy"]
            )
            mb, vb = s.ratio_mean_variance(
                b["n"], b["sum_y"], b["sum_y2"], b["sum_x"], b["sum_x2"], b["sum_xy"]
            )
        eff = s.welch(ma, va, a["n"], mb, vb, b["n"], relative=True, alpha=case["alpha"])
        assert float(eff.p_value) == pytest.approx(ref["p_value"], abs=1e-6)
        assert float(eff.se) == pytest.approx(ref["stddev"], rel=1e-6)


def test_gbstats_agrees_on_sample_ratio_mismatch() -> None:
    cases = [
        {"kind": "srm", "users": [5000, 5210], "weights": [0.5, 0.5]},
        {"kind": "srm", "users": [3300, 3250, 3502], "weights": [1 / 3, 1 / 3, 1 / 3]},
        {"kind": "srm", "users": [1980, 8020], "weights": [0.2, 0.8]},
    ]
    theirs = _gbstats(cases)
    for case, ref in zip(cases, theirs, strict=True):
        _, _, p = s.srm_chi_square(case["users"], case["weights"])
        assert p == pytest.approx(ref["p_value"], abs=1e-9)
