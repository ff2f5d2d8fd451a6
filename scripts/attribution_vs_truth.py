"""Compare every attribution model's channel shares with the generator's planted truth.

The generator plants each channel's causal lift; its truth.json holds, per channel, the
expected incremental conversions (removal-effect truth) and the Shapley value of the true
conversion-probability game. This script reads fct_attribution_channel_report from the DuckDB
file a build wrote and prints, per model, each channel's share of attributed conversions next
to the true shares, and the total variation distance (half the sum of absolute share
differences: 0 = identical, 1 = disjoint). Build with purchases as the only conversion
(`journey__attribution_conversions: [{name: purchase, event: order_completed}]`) to compare
like with like.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", type=Path, required=True, help="DuckDB file of the build")
    parser.add_argument("--truth", type=Path, required=True, help="truth.json of the sample")
    return parser.parse_args(argv)


def shares(values: dict[str, float]) -> dict[str, float]:
    positive = {key: max(value, 0.0) for key, value in values.items()}
    total = sum(positive.values())
    return {key: value / total for key, value in positive.items()} if total else positive


def total_variation(left: dict[str, float], right: dict[str, float]) -> float:
    keys = set(left) | set(right)
    return 0.5 * sum(abs(left.get(k, 0.0) - right.get(k, 0.0)) for k in keys)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    channels = json.loads(args.truth.read_text())["attribution"]["channels"]
    truth_shapley = shares({c: v["expected_shapley_conversions"] for c, v in channels.items()})
    truth_removal = shares({c: v["expected_incremental_conversions"] for c, v in channels.items()})
    with duckdb.connect(str(args.database), read_only=True) as con:
        rows = con.execute(
            "select attribution_model, channel, sum(attributed_conversions) "
            "from fct_attribution_channel_report "
            "where channel <> '(no touchpoint)' group by 1, 2 order by 1, 2"
        ).fetchall()
    by_model: dict[str, dict[str, float]] = {}
    for model, channel, conversions in rows:
        by_model.setdefault(model, {})[channel] = float(conversions or 0.0)
    names = sorted(channels)
    print(f"{'model':24s} {'TVD vs Shapley truth':>21s} {'TVD vs removal truth':>21s}")
    results = []
    for model, values in sorted(by_model.items()):
        model_shares = shares(values)
        results.append(
            (
                total_variation(model_shares, truth_shapley),
                total_variation(model_shares, truth_removal),
                model,
                model_shares,
            )
        )
    for tvd_shapley, tvd_removal, model, _ in sorted(results):
        print(f"{model:24s} {tvd_shapley:21.3f} {tvd_removal:21.3f}")
    print("\nshares by channel (truth first, then each model, best first):")
    print(
        f"{'channel':18s} {'shapley':>8s} {'removal':>8s} "
        + " ".join(f"{r[2][:14]:>14s}" for r in sorted(results))
    )
    for channel in names:
        cells = " ".join(f"{r[3].get(channel, 0.0):14.3f}" for r in sorted(results))
        print(f"{channel:18s} {truth_shapley[channel]:8.3f} {truth_removal[channel]:8.3f} {cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
