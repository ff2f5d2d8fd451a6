"""Print where the demo's outputs are and a short summary of what they say.

Reads the DuckDB file that `dbt build` wrote and prints row counts of every mart, the
quarantine by reason, the top channels and, for each mart family that was built: active users,
funnels, retention and lifecycle, paths, RFM segments, CLV, power users, attribution side by
side, and trigger and experiment marts when present. With --truth it sets the generator's
planted figures beside them; it ends with the report's path and the demo's elapsed time.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import duckdb


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True, type=Path, help="DuckDB file dbt wrote")
    parser.add_argument("--truth", type=Path, help="truth.json written by generate_events.py")
    parser.add_argument("--report", type=Path, help="HTML report written by build_report.py")
    parser.add_argument(
        "--started-at",
        type=float,
        help="Unix time the demo started (the Makefile passes it), for the total elapsed time",
    )
    return parser.parse_args(argv)


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    query = "select count(*) from information_schema.tables where table_name = ?"
    return con.execute(query, [name]).fetchone()[0] > 0


def row_count(con: duckdb.DuckDBPyConnection, name: str) -> int | str:
    """Rows of a mart; a view that cannot be read (e.g. in a renamed copy) says why."""
    try:
        return con.execute(f'select count(*) from "{name}"').fetchone()[0]
    except duckdb.Error as error:
        return f"unreadable: {str(error).splitlines()[0]}"


def print_rows(title: str, rows: list[tuple[Any, ...]], header: tuple[str, ...]) -> None:
    print(f"\n{title}")
    widths = [max(len(str(v)) for v in column) for column in zip(header, *rows, strict=False)]
    for row in (header, *rows):
        print("  " + "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=False)))


def section(
    con: duckdb.DuckDBPyConnection,
    table: str,
    title: str,
    sql: str,
    header: tuple[str, ...],
    nothing: str = "no rows",
) -> None:
    """Print one family's summary, or say why it is missing."""
    if not table_exists(con, table):
        print(f"\n{title}\n  ({table} not built)")
        return
    count = row_count(con, table)
    if count == 0 or isinstance(count, str):
        print(f"\n{title}\n  ({table} {'is empty' if count == 0 else count})")
        return
    rows = con.execute(sql).fetchall()
    if not rows:
        print(f"\n{title}\n  ({nothing})")
        return
    print_rows(title, rows, header)


def print_families(con: duckdb.DuckDBPyConnection) -> None:
    section(
        con,
        "fct_active_users_daily",
        "Active users (last day, and mean DAU/MAU over days with a full MAU window)",
        "select max(activity_date), arg_max(dau, activity_date), arg_max(wau, activity_date), "
        "arg_max(mau, activity_date), round(avg(case when is_mau_window_complete "
        "then dau_mau_ratio end), 3) from fct_active_users_daily",
        ("day", "DAU", "WAU", "MAU", "stickiness"),
    )
    section(
        con,
        "fct_retention_curves",
        "Retention of first-time cohorts (calendar periods, pooled over complete cohorts)",
        "select analysis_name, period_unit, "
        "round(max(case when period_number = 1 then retention_rate end), 3), "
        "round(max(case when period_number = 2 then retention_rate end), 3), "
        "round(max(case when period_number = 4 then retention_rate end), 3), "
        "round(max(case when period_number = 7 then retention_rate end), 3) "
        "from fct_retention_curves where cohort_type = 'first_time' and window_type = 'calendar' "
        "and period_unit in ('day', 'week') group by 1, 2 order by 1, 2",
        ("analysis", "unit", "n=1", "n=2", "n=4", "n=7"),
    )
    section(
        con,
        "fct_lifecycle_periods",
        "Lifecycle by week (complete weeks, last 4)",
        "select * from (select period_start_date, active_users, new_users, returning_users, "
        "resurrecting_users, dormant_users, round(quick_ratio, 2) from fct_lifecycle_periods "
        "where period_unit = 'week' and is_period_complete order by 1 desc limit 4) order by 1",
        ("week", "active", "new", "returning", "resurrecting", "dormant", "quick ratio"),
    )
    section(
        con,
        "fct_path_flow_nodes",
        "Paths: the three most common first steps from each anchor",
        "select analysis_name, anchor_event_name, direction, node_name, unit_count, "
        "round(share_of_anchor, 3) from (select *, row_number() over (partition by "
        "analysis_name order by unit_count desc) as r from fct_path_flow_nodes where "
        "step_index = 1) where r <= 3 order by 1, 5 desc",
        ("analysis", "anchor", "direction", "step 1", "units", "share"),
    )
    section(
        con,
        "fct_path_top_paths",
        "Top session paths",
        "select path_rank, event_path, session_count, round(conversion_rate, 3) "
        "from fct_path_top_paths order by path_rank limit 3",
        ("rank", "path", "sessions", "conversion"),
    )
    section(
        con,
        "dim_customer_rfm",
        "RFM segments (current snapshot)",
        "select segment_name, count(*), round(avg(monetary_value), 2), "
        "max(suggested_action) from dim_customer_rfm group by 1 order by 2 desc",
        ("segment", "customers", "mean value", "suggested action"),
    )
    section(
        con,
        "fct_customer_clv_predicted",
        "CLV: customers, historical and predicted value (BG/NBD + Gamma-Gamma)",
        "select count(*), round(sum(historical_clv), 2), round(sum(predicted_clv), 2), "
        "max(horizon_days), round(avg(p_alive), 3), max(currency) from fct_customer_clv_predicted",
        ("customers", "historical", "predicted", "horizon days", "mean p_alive", "currency"),
    )
    section(
        con,
        "fct_clv_holdout_calibration",
        "CLV holdout check: predicted vs actual purchases per customer",
        "select bucket, customers, round(actual_per_customer, 3), "
        "round(predicted_per_customer, 3) from fct_clv_holdout_calibration order by bucket",
        ("bucket", "customers", "actual", "predicted"),
    )
    section(
        con,
        "fct_power_user_comparison",
        "Power users against everyone else (significant differences)",
        "select cohort_name, metric_name, round(cohort_value, 3), round(rest_value, 3), "
        "round(p_value, 4) from fct_power_user_comparison where is_significant order by 1, 2",
        ("cohort", "metric", "cohort", "rest", "p-value"),
        nothing="no significant difference",
    )


def print_triggers_and_experiments(con: duckdb.DuckDBPyConnection) -> None:
    tables = con.execute(
        "select table_name from information_schema.tables where table_name like 'fct_trigger%' "
        "or table_name like 'fct_experiment%' or table_name like 'dim_experiment%' order by 1"
    ).fetchall()
    if not tables:
        print("\nTriggers and experiments\n  (no trigger or experiment marts built)")
        return
    counts = [
        (name, con.execute(f'select count(*) from "{name}"').fetchone()[0]) for (name,) in tables
    ]
    print_rows("Triggers and experiments", counts, ("table", "rows"))
    section(
        con,
        "fct_trigger_fires",
        "Trigger fires by trigger and arm",
        "select trigger_name, arm, count(*) from fct_trigger_fires group by 1, 2 order by 1, 2",
        ("trigger", "arm", "fires"),
        nothing="no fires",
    )
    section(
        con,
        "fct_experiment_results",
        "Experiment results (relative effect, adjusted p-value)",
        "select experiment_name, metric_name, variant, round(relative_effect, 3), "
        "round(p_value_adjusted, 4), is_trustworthy from fct_experiment_results "
        "where status = 'ok' order by 1, 2, 3",
        ("experiment", "metric", "variant", "relative", "p adjusted", "trustworthy"),
        nothing="no results",
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    con = duckdb.connect(str(args.database), read_only=True)
    print(f"Outputs are in {args.database.resolve()} (open it with duckdb or any BI tool).")

    marts = con.execute(
        "select table_name from information_schema.tables "
        "where table_name like 'fct_%' or table_name like 'dim_%' order by 1"
    ).fetchall()
    counts = [(name, row_count(con, name)) for (name,) in marts]
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
    print_families(con)
    models = ("last_touch", "linear", "position_based", "markov_order_1", "shapley_exact")
    section(
        con,
        "fct_attribution_channel_report_wide",
        "Attributed conversions by channel, model side by side",
        "select channel, "
        + ", ".join(f"round({m}_conversions, 1)" for m in models)
        + " from fct_attribution_channel_report_wide order by shapley_exact_conversions desc",
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
    print_triggers_and_experiments(con)
    print()
    if args.report:
        state = "" if args.report.exists() else " (not written: run `make report`)"
        print(f"Report: {args.report.resolve()}{state}")
    if args.started_at:
        print(f"Demo finished in {time.time() - args.started_at:.0f} s in all.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
