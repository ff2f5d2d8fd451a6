"""Print where the demo's outputs are and a short summary of what they say.

Reads the DuckDB file that `dbt build` wrote and prints row counts of every mart, the
quarantine by reason, the top channels, and, when those marts exist, the funnels and the
attribution side by side. With --truth it sets the generator's planted figures beside them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import duckdb


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True, type=Path, help="DuckDB file dbt wrote")
    parser.add_argument("--truth", type=Path, help="truth.json written by generate_events.py")
    return parser.parse_args(argv)


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    query = "select count(*) from information_schema.tables where table_name = ?"
    return con.execute(query, [name]).fetchone()[0] > 0


def print_rows(title: str, rows: list[tuple[Any, ...]], header: tuple[str, ...]) -> None:
    print(f"\n{title}")
    widths = [max(len(str(v)) for v in column) for column in zip(header, *rows, strict=False)]
    for row in (header, *rows):
        print("  " + "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=False)))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    con = duckdb.connect(str(args.database), read_only=True)
    print(f"Outputs are in {args.database.resolve()} (open it with duckdb or any BI tool).")

    marts = con.execute(
        "select table_name from information_schema.tables "
        "where table_name like 'fct_%' or table_name like 'dim_%' order by 1"
    ).fetchall()
    counts = [
        (name, con.execute(f"select count(*) from {name}").fetchone()[0]) for (name,) in marts
    ]
    print_rows("Marts", counts, ("table", "rows"))

    print_rows(
        "Quarantined raw rows by reason",
        con.execute(
            "select quarantine_reason, count(*) from fct_quarantined_events group by 1 order by 2 desc"
        ).fetchall(),
        ("reason", "rows"),
    )
    print_rows(
        "Sessions by channel",
        con.execute(
            "select channel, count(*) as sessions, "
            "round(avg(case when is_engaged then 1 else 0 end), 3) as engaged_rate, "
            "round(avg(case when has_conversion then 1 else 0 end), 4) as conversion_rate, "
            "round(sum(revenue), 2) as revenue "
            "from fct_sessions group by 1 order by 2 desc"
        ).fetchall(),
        ("channel", "sessions", "engaged", "converted", "revenue"),
    )
    if table_exists(con, "fct_funnel_steps"):
        print_rows(
            "Funnels (all units)",
            con.execute(
                "select funnel_name, step_index, step_name, units_reached, "
                "round(conversion_rate_from_previous, 3), round(conversion_rate_from_start, 3) "
                "from fct_funnel_steps where breakdown_value = '(all)' order by 1, 2"
            ).fetchall(),
            ("funnel", "step", "name", "units", "from_previous", "from_start"),
        )
    if table_exists(con, "fct_attribution_channel_report_wide"):
        models = ("last_touch", "linear", "position_based", "markov_order_1", "shapley_exact")
        print_rows(
            "Attributed conversions by channel, model side by side",
            con.execute(
                "select channel, "
                + ", ".join(f"round({m}_conversions, 1)" for m in models)
                + " from fct_attribution_channel_report_wide order by shapley_exact_conversions desc"
            ).fetchall(),
            ("channel", *models),
        )
    if args.truth and args.truth.exists():
        truth = json.loads(args.truth.read_text())
        print("\nPlanted truth (generator) to compare with:")
        for funnel in ("checkout_funnel", "trial_funnel"):
            planted = truth.get(funnel, {}).get("planted_step_probability", {})
            print(f"  {funnel} step probabilities: {planted}")
        channels = truth.get("attribution", {}).get("channels", {})
        lifts = {name: values["lift"] for name, values in channels.items()}
        print(f"  channel causal lifts on P(convert): {lifts}")
        print("  compare attribution models with: python scripts/attribution_vs_truth.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
