"""The report's charts: one function per mart family, each a SQL aggregate plus a Plotly figure.

A chart is a plain Plotly figure (``data`` + ``layout`` dicts) drawn in the browser by the
plotly.js bundled in the page, and a caption whose numbers come from the same query rows as the
figure. A mart that is missing or empty gives a chart with an empty-state message instead of a
figure, so the page never holds a broken chart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from journey_analytics.report.warehouse import Warehouse

Figure = dict[str, Any]


@dataclass(frozen=True)
class Chart:
    """One chart of the report: a figure, or an empty-state message when there is no data."""

    key: str
    section: str
    title: str
    caption: str
    figure: Figure | None = None

    @property
    def is_empty(self) -> bool:
        return self.figure is None


def empty(key: str, section: str, title: str, why: str) -> Chart:
    return Chart(key=key, section=section, title=title, caption=why, figure=None)


def missing_or_empty(wh: Warehouse, table: str, where: str = "") -> str | None:
    """An empty-state reason when the mart is absent or holds no rows, else None."""
    if not wh.exists(table):
        return f"No data: the mart {table} is not in this database (not built or disabled)."
    clause = f" where {where}" if where else ""
    count = wh.rows(f"select count(*) as n from {wh.rel(table)}{clause}")[0]["n"]
    if count == 0:
        return f"No data: the mart {table} is empty{' for this selection' if where else ''}."
    return None


def pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{100 * value:.{digits}f}%"


def num(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


# --- active users -----------------------------------------------------------------------------


def active_users(wh: Warehouse) -> list[Chart]:
    key, section, title = "active-users", "Engagement", "Daily, weekly and monthly active users"
    why = missing_or_empty(wh, "fct_active_users_daily")
    if why:
        return [empty(key, section, title, why)]
    rows = wh.rows(
        f"select activity_date, dau, wau, mau, round(dau_mau_ratio, 4) as stickiness, "
        f"is_mau_window_complete from {wh.rel('fct_active_users_daily')} order by activity_date"
    )
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": metric.upper(),
            "x": [r["activity_date"] for r in rows],
            "y": [r[metric] for r in rows],
        }
        for metric in ("dau", "wau", "mau")
    ]
    last = rows[-1]
    complete = [r for r in rows if r["is_mau_window_complete"]]
    mean_stickiness = (
        sum(r["stickiness"] or 0 for r in complete) / len(complete) if complete else None
    )
    caption = (
        f"Users with an engagement event per day (DAU), in the 7 days (WAU) and in the MAU window "
        f"ending that day, {rows[0]['activity_date']} to {last['activity_date']}. On the last day "
        f"DAU {num(last['dau'])}, WAU {num(last['wau'])}, MAU {num(last['mau'])}; mean stickiness "
        f"DAU/MAU over days with a complete MAU window {pct(mean_stickiness)}."
    )
    layout = {"yaxis": {"title": {"text": "users"}}, "xaxis": {"title": {"text": "day"}}}
    return [Chart(key, section, title, caption, {"data": traces, "layout": layout})]


# --- funnels -------------------------------------------------------------------------------------


def funnels(wh: Warehouse) -> list[Chart]:
    section = "Funnels"
    why = missing_or_empty(wh, "fct_funnel_steps", "breakdown_value = '(all)'")
    if why:
        return [empty("funnel", section, "Funnel conversion and drop-off", why)]
    rows = wh.rows(
        f"select funnel_name, count_by, step_index, step_name, units_reached, "
        f"coalesce(drop_off_units, 0) as drop_off_units, "
        f"round(conversion_rate_from_previous, 4) as from_previous, "
        f"round(conversion_rate_from_start, 4) as from_start "
        f"from {wh.rel('fct_funnel_steps')} where breakdown_value = '(all)' "
        f"order by funnel_name, step_index"
    )
    by_funnel: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_funnel[row["funnel_name"]].append(row)
    charts = []
    for name, steps in by_funnel.items():
        first, last = steps[0], steps[-1]
        worst = max(steps[1:], key=lambda s: s["drop_off_units"], default=None)
        figure = {
            "data": [
                {
                    "type": "funnel",
                    "name": name,
                    "y": [f"{s['step_index']}. {s['step_name']}" for s in steps],
                    "x": [s["units_reached"] for s in steps],
                    "textinfo": "value+percent previous+percent initial",
                },
            ],
            "layout": {"margin": {"l": 220}},
        }
        worst_text = (
            f" The largest drop-off is before step {worst['step_index']} ({worst['step_name']}): "
            f"{num(worst['drop_off_units'])} {first['count_by']} lost, "
            f"{pct(1 - (worst['from_previous'] or 0))} of the step before."
            if worst
            else ""
        )
        caption = (
            f"Funnel '{name}', counted in {first['count_by']}: {num(first['units_reached'])} "
            f"entered at {first['step_name']}, {num(last['units_reached'])} "
            f"({pct(last['from_start'])}) reached {last['step_name']}.{worst_text} "
            f"Drop-off per step: "
            + ", ".join(f"{s['step_index']}: {num(s['drop_off_units'])}" for s in steps[1:])
            + "."
        )
        charts.append(
            Chart(f"funnel-{name}", section, f"Funnel '{name}': units per step", caption, figure)
        )
    charts.append(funnel_breakdown(wh))
    return charts


def funnel_breakdown(wh: Warehouse) -> Chart:
    """Conversion by the funnel's declared breakdown, else by the unit's acquisition channel."""
    key, section = "funnel-breakdown", "Funnels"
    declared = wh.rows(
        f"select funnel_name, breakdown_value, max(units_entered) as units_entered, "
        f"max(case when step_index = last_step then units_reached end) as units_converted "
        f"from (select *, max(step_index) over (partition by funnel_name, breakdown_value) "
        f"as last_step from {wh.rel('fct_funnel_steps')} where breakdown_value <> '(all)') as s "
        f"group by 1, 2 order by 1, 3 desc"
    )
    if declared:
        rows, by = declared, "the funnel's declared breakdown"
    elif wh.exists("fct_funnel_units") and wh.exists("dim_users"):
        rows = wh.rows(
            f"select u.funnel_name, coalesce(d.acquisition_channel, '(unknown)') "
            f"as breakdown_value, count(*) as units_entered, "
            f"sum(case when u.is_converted then 1 else 0 end) as units_converted "
            f"from {wh.rel('fct_funnel_units')} as u left join {wh.rel('dim_users')} as d "
            f"on u.user_id = d.user_id group by 1, 2 order by 1, 3 desc"
        )
        by = "the user's acquisition channel (no breakdown is declared on the funnels)"
    else:
        rows, by = [], ""
    title = "Funnel conversion by breakdown"
    if not rows:
        return empty(key, section, title, "No data: no funnel breakdown could be computed.")
    funnels_seen: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        row["rate"] = row["units_converted"] / row["units_entered"] if row["units_entered"] else 0
        funnels_seen[row["funnel_name"]].append(row)
    traces = [
        {
            "type": "bar",
            "name": name,
            "x": [r["breakdown_value"] for r in group],
            "y": [round(r["rate"], 4) for r in group],
            "customdata": [[r["units_converted"], r["units_entered"]] for r in group],
            "hovertemplate": "%{x}: %{y:.1%} (%{customdata[0]} of %{customdata[1]})",
        }
        for name, group in funnels_seen.items()
    ]
    notes = []
    for name, group in funnels_seen.items():
        sized = [r for r in group if r["units_entered"] >= 30] or group
        best = max(sized, key=lambda r: r["rate"])
        low = min(sized, key=lambda r: r["rate"])
        notes.append(
            f"'{name}' converts best for {best['breakdown_value']} ({pct(best['rate'])} of "
            f"{num(best['units_entered'])}) and worst for {low['breakdown_value']} "
            f"({pct(low['rate'])} of {num(low['units_entered'])})"
        )
    caption = (
        f"Share of the units that entered each funnel and reached its last step, by {by}. "
        + "; ".join(notes)
        + " (groups of 30 units or more)."
    )
    layout = {
        "barmode": "group",
        "yaxis": {"title": {"text": "conversion from start"}, "tickformat": ".0%"},
    }
    return Chart(key, section, title, caption, {"data": traces, "layout": layout})


# --- paths -----------------------------------------------------------------------------------------


def paths(wh: Warehouse, analysis: str | None = None) -> list[Chart]:
    section, title = "Paths", "Path analysis (Sankey)"
    why = missing_or_empty(wh, "fct_path_flow_nodes") or missing_or_empty(wh, "fct_path_flow_links")
    if why:
        return [empty("paths", section, title, why)]
    names = [
        r["analysis_name"]
        for r in wh.rows(
            f"select distinct analysis_name from {wh.rel('fct_path_flow_nodes')} order by 1"
        )
    ]
    if analysis is not None and analysis not in names:
        return [
            empty(
                "paths",
                section,
                title,
                f"No path analysis named '{analysis}' (have: {', '.join(names)}).",
            )
        ]
    charts = []
    for name in [analysis] if analysis else names:
        charts.append(sankey(wh, name))
    return charts


def sankey_positions(
    nodes: list[dict[str, Any]], max_depth: int
) -> tuple[list[float], list[float]]:
    """Column per step (drop-offs stay in their step, not pushed to the right edge) and rows in
    the order of the nodes within the step, spaced by their share of the step's units."""
    totals: dict[int, int] = defaultdict(int)
    for n in nodes:
        totals[n["step_index"]] += n["unit_count"]
    seen: dict[int, int] = defaultdict(int)
    x, y = [], []
    for n in nodes:
        step = n["step_index"]
        x.append(round(0.001 + 0.998 * step / max(max_depth, 1), 4))
        middle = (seen[step] + n["unit_count"] / 2) / totals[step] if totals[step] else 0.5
        y.append(round(0.001 + 0.998 * middle, 4))
        seen[step] += n["unit_count"]
    return x, y


def sankey(wh: Warehouse, analysis: str) -> Chart:
    nodes = wh.rows(
        f"select node_id, node_name, step_index, unit_count, round(share_of_anchor, 4) as share, "
        f"anchor_event_name, direction, path_unit, max_depth, is_drop_off "
        f"from {wh.rel('fct_path_flow_nodes')} where analysis_name = ? "
        f"order by step_index, is_drop_off, unit_count desc, node_name",
        [analysis],
    )
    links = wh.rows(
        f"select source_node_id, target_node_id, unit_count from {wh.rel('fct_path_flow_links')} "
        f"where analysis_name = ?",
        [analysis],
    )
    index = {n["node_id"]: i for i, n in enumerate(nodes)}
    anchor = nodes[0]
    x, y = sankey_positions(nodes, anchor["max_depth"])
    arrow = "after" if anchor["direction"] == "forward" else "before"
    figure = {
        "data": [
            {
                "type": "sankey",
                "arrangement": "snap",
                "node": {
                    "label": [
                        f"{'-' if arrow == 'before' and n['step_index'] else ''}"
                        f"{n['step_index']}: {n['node_name']}"
                        for n in nodes
                    ],
                    "pad": 12,
                    "x": x,
                    "y": y,
                },
                "link": {
                    "source": [index[lk["source_node_id"]] for lk in links],
                    "target": [index[lk["target_node_id"]] for lk in links],
                    "value": [lk["unit_count"] for lk in links],
                },
            }
        ],
        "layout": {"height": 520},
    }
    step1 = [n for n in nodes if n["step_index"] == 1 and not n["is_drop_off"]]
    drop1 = sum(n["unit_count"] for n in nodes if n["step_index"] == 1 and n["is_drop_off"])
    top = max(step1, key=lambda n: n["unit_count"], default=None)
    top_text = (
        f" The most common next step {arrow} it is {top['node_name']} ({pct(top['share'])}); "
        if top
        else " "
    )
    caption = (
        f"Analysis '{analysis}': {num(anchor['unit_count'])} {anchor['path_unit']}s with "
        f"{anchor['anchor_event_name']}, followed {anchor['max_depth']} events {arrow} it "
        f"(labels are step: event; 'Other' groups events outside a step's top list, "
        f"'$drop_off' paths that ended).{top_text}"
        f"{pct(drop1 / anchor['unit_count'] if anchor['unit_count'] else None)} have no event "
        f"at step 1."
    )
    return Chart(f"paths-{analysis}", "Paths", f"Paths '{analysis}'", caption, figure)


# --- retention -------------------------------------------------------------------------------------


def retention(wh: Warehouse) -> list[Chart]:
    section = "Retention"
    why = missing_or_empty(wh, "fct_retention_cohorts")
    if why:
        return [empty("retention", section, "Retention by cohort", why)]
    # one heat map per analysis: first-time cohorts, the coarsest unit with several cohorts
    choices = wh.rows(
        f"select analysis_name, period_unit, window_type, count(distinct cohort_start_date) as n "
        f"from {wh.rel('fct_retention_cohorts')} where cohort_type = 'first_time' "
        f"group by 1, 2, 3 order by 1"
    )
    rank = {"week": 0, "day": 1, "month": 2}
    best: dict[str, dict[str, Any]] = {}
    for c in choices:
        score = (rank.get(c["period_unit"], 3), c["window_type"] != "calendar")
        if c["n"] >= 2 and (
            c["analysis_name"] not in best or score < best[c["analysis_name"]]["score"]
        ):
            best[c["analysis_name"]] = {**c, "score": score}
    if not best:
        return [
            empty(
                "retention",
                section,
                "Retention by cohort",
                "No data: no first-time cohort series with two cohorts or more.",
            )
        ]
    return [
        retention_heatmap(
            wh, **{k: best[a][k] for k in ("analysis_name", "period_unit", "window_type")}
        )
        for a in sorted(best)
    ]


def retention_heatmap(
    wh: Warehouse, analysis_name: str, period_unit: str, window_type: str
) -> Chart:
    rows = wh.rows(
        f"select cohort_start_date, period_number, cohort_users, retained_users, "
        f"round(retention_rate, 4) as rate, is_period_complete, start_event_name, "
        f"return_event_name from {wh.rel('fct_retention_cohorts')} where analysis_name = ? "
        f"and cohort_type = 'first_time' and period_unit = ? and window_type = ? "
        f"order by cohort_start_date, period_number",
        [analysis_name, period_unit, window_type],
    )
    cohorts = sorted({r["cohort_start_date"] for r in rows})
    periods = sorted({r["period_number"] for r in rows})
    cell = {(r["cohort_start_date"], r["period_number"]): r for r in rows}
    sizes = {r["cohort_start_date"]: r["cohort_users"] for r in rows}
    # a period still filling up is left uncoloured (its text is starred)
    z = [
        [
            cell[(c, p)]["rate"] if (c, p) in cell and cell[(c, p)]["is_period_complete"] else None
            for p in periods
        ]
        for c in cohorts
    ]
    text = [
        [
            ""
            if (c, p) not in cell
            else f"{100 * (cell[(c, p)]['rate'] or 0):.0f}%"
            + ("" if cell[(c, p)]["is_period_complete"] else "*")
            for p in periods
        ]
        for c in cohorts
    ]
    figure = {
        "data": [
            {
                "type": "heatmap",
                "x": [f"{period_unit} {p}" for p in periods],
                "y": [f"{c} ({sizes[c]})" for c in cohorts],
                "z": z,
                "text": text,
                "texttemplate": "%{text}",
                "colorscale": [[0, "#f7fbff"], [1, "#08306b"]],
                "zmin": 0,
                "zmax": 1,
                "colorbar": {"tickformat": ".0%"},
            }
        ],
        "layout": {
            "height": max(320, 26 * len(cohorts) + 140),
            "yaxis": {"autorange": "reversed", "title": {"text": "cohort (users)"}},
            "margin": {"l": 150},
        },
    }

    def pooled(n: int) -> float | None:
        done = [r for r in rows if r["period_number"] == n and r["is_period_complete"]]
        users = sum(r["cohort_users"] for r in done)
        return sum(r["retained_users"] for r in done) / users if users else None

    last_n = max((p for p in periods if pooled(p) is not None), default=None)
    start = rows[0]["start_event_name"] or "event"
    back = rows[0]["return_event_name"] or "any event"
    caption = (
        f"Analysis '{analysis_name}': users by the {period_unit} of their first {start} "
        f"({len(cohorts)} cohorts, {num(sum(sizes.values()))} users, {window_type} windows), and "
        f"the share with {back} in each later {period_unit} (* = period not over yet). Pooled "
        f"over complete periods: {period_unit} 1 {pct(pooled(1))}"
        + (f", {period_unit} {last_n} {pct(pooled(last_n))}." if last_n and last_n > 1 else ".")
    )
    return Chart(
        f"retention-{analysis_name}",
        "Retention",
        f"Retention '{analysis_name}' by {period_unit} cohort",
        caption,
        figure,
    )


def lifecycle(wh: Warehouse) -> list[Chart]:
    key, section, title = (
        "lifecycle",
        "Retention",
        "Lifecycle: new, returning, resurrecting, dormant",
    )
    why = missing_or_empty(wh, "fct_lifecycle_periods")
    if why:
        return [empty(key, section, title, why)]
    units = [
        r["period_unit"]
        for r in wh.rows(
            f"select period_unit, count(*) as n from {wh.rel('fct_lifecycle_periods')} group by 1"
        )
        if r["n"] >= 3
    ]
    unit = next((u for u in ("week", "day", "month") if u in units), None)
    if unit is None:
        return [empty(key, section, title, "No data: fewer than three lifecycle periods.")]
    rows = wh.rows(
        f"select period_start_date, new_users, returning_users, resurrecting_users, "
        f"dormant_users, round(quick_ratio, 3) as quick_ratio, is_period_complete "
        f"from {wh.rel('fct_lifecycle_periods')} where period_unit = ? and is_period_complete "
        f"order by 1",
        [unit],
    )
    if not rows:
        return [
            empty(key, section, title, f"No data: no complete {unit} in fct_lifecycle_periods.")
        ]
    x = [r["period_start_date"] for r in rows]
    series = [
        ("new", "new_users", 1),
        ("returning", "returning_users", 1),
        ("resurrecting", "resurrecting_users", 1),
        ("dormant", "dormant_users", -1),
    ]
    traces = [
        {"type": "bar", "name": label, "x": x, "y": [sign * (r[col] or 0) for r in rows]}
        for label, col, sign in series
    ]
    complete = [r for r in rows if r["is_period_complete"]]
    ref = complete[-1] if complete else rows[-1]
    caption = (
        f"Active users per {unit} split into new, returning (active the {unit} before too) and "
        f"resurrecting; users who went dormant are drawn below zero (complete {unit}s only: "
        f"the current one is still filling up). Last complete {unit} "
        f"({ref['period_start_date']}): {num(ref['new_users'])} new, "
        f"{num(ref['returning_users'])} returning, {num(ref['resurrecting_users'])} resurrecting, "
        f"{num(ref['dormant_users'])} dormant; quick ratio {num(ref['quick_ratio'], 2)} "
        f"(above 1 = growing)."
    )
    layout = {"barmode": "relative", "yaxis": {"title": {"text": "users"}}}
    return [Chart(key, section, title, caption, {"data": traces, "layout": layout})]


# --- segments ----------------------------------------------------------------------------------------


def rfm(wh: Warehouse) -> list[Chart]:
    section = "Segments"
    charts = []
    why = missing_or_empty(wh, "dim_customer_rfm")
    title = "RFM segment sizes"
    if why:
        charts.append(empty("rfm-sizes", section, title, why))
    else:
        rows = wh.rows(
            f"select segment_name, count(*) as customers, round(avg(monetary_value), 2) as "
            f"avg_value, round(sum(monetary_value), 2) as value, max(as_of_date) as as_of, "
            f"max(currency) as currency from {wh.rel('dim_customer_rfm')} group by 1 order by 2 desc"
        )
        total = sum(r["customers"] for r in rows)
        total_value = sum(r["value"] or 0 for r in rows)
        top = rows[0]
        richest = max(rows, key=lambda r: r["value"] or 0)
        figure = {
            "data": [
                {
                    "type": "bar",
                    "x": [r["segment_name"] for r in rows],
                    "y": [r["customers"] for r in rows],
                    "customdata": [r["avg_value"] for r in rows],
                    "hovertemplate": "%{x}: %{y} customers, mean value %{customdata}",
                }
            ],
            "layout": {"yaxis": {"title": {"text": "customers"}}},
        }
        caption = (
            f"Customers per RFM segment on {top['as_of']} ({num(total)} customers). Largest: "
            f"{top['segment_name']} with {num(top['customers'])} ({pct(top['customers'] / total)});"
            f" {richest['segment_name']} holds the most value, "
            f"{pct((richest['value'] or 0) / total_value if total_value else None)} of "
            f"{num(total_value, 2)} {top['currency']}."
        )
        charts.append(Chart("rfm-sizes", section, title, caption, figure))
    charts.append(rfm_movement(wh))
    return charts


def rfm_movement(wh: Warehouse) -> Chart:
    key, section, title = "rfm-movement", "Segments", "RFM segment movement at the last snapshot"
    why = missing_or_empty(wh, "fct_rfm_segment_transitions")
    if why:
        return empty(key, section, title, why)
    rows = wh.rows(
        f"select snapshot_date, previous_snapshot_date, from_segment_name, to_segment_name, "
        f"customer_count, round(share_of_from_segment, 4) as share, is_same_segment "
        f"from {wh.rel('fct_rfm_segment_transitions')} where snapshot_date = "
        f"(select max(snapshot_date) from {wh.rel('fct_rfm_segment_transitions')}) order by 3, 4"
    )
    sources = sorted({r["from_segment_name"] for r in rows})
    targets = sorted({r["to_segment_name"] for r in rows})
    cell = {(r["from_segment_name"], r["to_segment_name"]): r for r in rows}
    figure = {
        "data": [
            {
                "type": "heatmap",
                "x": targets,
                "y": sources,
                "z": [
                    [cell[(s, t)]["share"] if (s, t) in cell else None for t in targets]
                    for s in sources
                ],
                "text": [
                    [str(cell[(s, t)]["customer_count"]) if (s, t) in cell else "" for t in targets]
                    for s in sources
                ],
                "texttemplate": "%{text}",
                "colorscale": [[0, "#fcfbfd"], [1, "#3f007d"]],
                "zmin": 0,
                "zmax": 1,
                "colorbar": {"title": {"text": "share of row"}, "tickformat": ".0%"},
            }
        ],
        "layout": {
            "height": max(360, 30 * len(sources) + 160),
            "xaxis": {"title": {"text": "segment now"}},
            "yaxis": {"title": {"text": "segment before"}, "autorange": "reversed"},
            "margin": {"l": 140},
        },
    }
    total = sum(r["customer_count"] for r in rows)
    stayed = sum(r["customer_count"] for r in rows if r["is_same_segment"])
    moves = [r for r in rows if not r["is_same_segment"]]
    biggest = max(moves, key=lambda r: r["customer_count"], default=None)
    snap, prev = rows[0]["snapshot_date"], rows[0]["previous_snapshot_date"]
    caption = (
        f"Customers by segment at the snapshot of {prev} (rows) and of {snap} (columns); cells "
        f"count customers, colour is the share of the row. {num(total)} customers: "
        f"{pct(stayed / total if total else None)} stayed in their segment"
        + (
            f"; the largest move is {biggest['from_segment_name']} -> "
            f"{biggest['to_segment_name']} ({num(biggest['customer_count'])})."
            if biggest
            else "."
        )
    )
    return Chart(key, section, title, caption, figure)


def power_users(wh: Warehouse) -> list[Chart]:
    key, section, title = "power-users", "Segments", "Power-user cohorts against everyone else"
    why = missing_or_empty(wh, "fct_power_user_comparison")
    if why:
        return [empty(key, section, title, why)]
    # the tested rows: outcomes measured after the cohorts were cut, significance after the
    # multiple-comparison adjustment (descriptive rows are circular, so not plotted as tests)
    tested = "comparison_role" in wh.columns("fct_power_user_comparison")
    significance, where = (
        (
            "is_significant_adjusted",
            "where comparison_role = 'post_cohort_outcome' and note is null",
        )
        if tested
        else ("is_significant", "")
    )
    rows = wh.rows(
        f"select cohort_name, metric_name, round(cohort_value, 4) as cohort_value, "
        f"round(rest_value, 4) as rest_value, round(difference, 4) as difference, "
        f"round(ci_lower, 4) as ci_lower, round(ci_upper, 4) as ci_upper, "
        f"{significance} as is_significant, confidence_level, cohort_n "
        f"from {wh.rel('fct_power_user_comparison')} {where} order by 2, 1"
    )
    if not rows:
        return [
            empty(
                key,
                section,
                title,
                "No data: no post-cohort outcome is measured in fct_power_user_comparison "
                "(its note column says why; see journey__power_user_outcome_days).",
            )
        ]
    metrics = sorted({r["metric_name"] for r in rows})
    width = 1 / len(metrics)
    traces, layout = [], {"showlegend": False, "height": 380, "margin": {"l": 150}}
    for i, metric in enumerate(metrics):
        axis = "" if i == 0 else str(i + 1)
        group = [r for r in rows if r["metric_name"] == metric]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": metric,
                "x": [r["difference"] for r in group],
                "y": [r["cohort_name"] for r in group],
                "xaxis": f"x{axis}",
                "yaxis": f"y{axis}",
                "marker": {
                    "size": 10,
                    "color": ["#c0392b" if r["is_significant"] else "#7f8c8d" for r in group],
                },
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [(r["ci_upper"] or 0) - (r["difference"] or 0) for r in group],
                    "arrayminus": [(r["difference"] or 0) - (r["ci_lower"] or 0) for r in group],
                },
            }
        )
        layout[f"xaxis{axis}"] = {
            "domain": [i * width + 0.02, (i + 1) * width - 0.02],
            "title": {"text": metric},
            "zeroline": True,
            "zerolinecolor": "#333",
            "anchor": f"y{axis}",
        }
        layout[f"yaxis{axis}"] = {"anchor": f"x{axis}", "showticklabels": i == 0}
        if i:
            layout[f"yaxis{axis}"]["matches"] = "y"
    significant = [
        f"{r['cohort_name']} on {r['metric_name']} ({r['cohort_value']:.3g} vs "
        f"{r['rest_value']:.3g})"
        for r in rows
        if r["is_significant"]
    ]
    level = rows[0]["confidence_level"]
    caption = (
        f"Each power-user cohort minus everyone else, per metric, with its "
        f"{pct(level, 0)} confidence interval"
        + (
            " on outcomes measured after the cohorts were cut (red = significant after the "
            "multiple-comparison adjustment). "
            if tested
            else " (red = significant). "
        )
        + (
            "Significant: " + "; ".join(significant) + "."
            if significant
            else "No difference is significant."
        )
    )
    return [Chart(key, section, title, caption, {"data": traces, "layout": layout})]


# --- attribution --------------------------------------------------------------------------------


def attribution(wh: Warehouse) -> list[Chart]:
    key, section = "attribution", "Attribution"
    title = "Attributed conversions by channel, every model"
    why = missing_or_empty(wh, "fct_attribution_channel_report")
    if why:
        return [empty(key, section, title, why)]
    has_intervals = "attributed_conversions_lower" in wh.columns("fct_attribution_data_driven")
    interval_sql = (
        "round(d.attributed_conversions_lower, 3) as lower, "
        "round(d.attributed_conversions_upper, 3) as upper, d.bootstrap_resamples as resamples"
        if has_intervals
        else "null as lower, null as upper, null as resamples"
    )
    join = (
        f"left join {wh.rel('fct_attribution_data_driven')} as d "
        f"on r.attribution_model = d.model and r.channel = d.channel"
        if has_intervals
        else ""
    )
    rows = wh.rows(
        f"select r.attribution_model as model, r.model_family, r.channel, "
        f"round(r.attributed_conversions, 3) as conversions, "
        f"round(r.attributed_revenue, 2) as revenue, round(r.roas, 3) as roas, {interval_sql}, "
        f"r.window_start_date, r.window_end_date "
        f"from {wh.rel('fct_attribution_channel_report')} as r {join} "
        f"order by r.model_family desc, r.attribution_model, r.channel"
    )
    channel_total: dict[str, float] = defaultdict(float)
    for r in rows:
        channel_total[r["channel"]] += r["conversions"] or 0
    channels = sorted(channel_total, key=lambda c: channel_total[c])
    models: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        models[r["model"]].append(r)
    traces = []
    for model, group in models.items():
        by_channel = {r["channel"]: r for r in group}
        ordered = [by_channel.get(c) for c in channels]
        trace: dict[str, Any] = {
            "type": "scatter",
            "mode": "markers",
            "name": f"{model} ({group[0]['model_family']})",
            "y": channels,
            "x": [r["conversions"] if r else None for r in ordered],
            "marker": {
                "size": 9,
                "symbol": "diamond" if group[0]["model_family"] == "data_driven" else "circle",
            },
        }
        if any(r and r["lower"] is not None for r in ordered):
            trace["error_x"] = {
                "type": "data",
                "symmetric": False,
                "array": [
                    (r["upper"] - r["conversions"]) if r and r["upper"] is not None else 0
                    for r in ordered
                ],
                "arrayminus": [
                    (r["conversions"] - r["lower"]) if r and r["lower"] is not None else 0
                    for r in ordered
                ],
            }
        traces.append(trace)
    spread = {
        c: (
            max(r["conversions"] or 0 for r in rows if r["channel"] == c),
            min(r["conversions"] or 0 for r in rows if r["channel"] == c),
        )
        for c in channels
    }
    widest = max(channels, key=lambda c: spread[c][0] - spread[c][1])
    per_model = {m: sum(r["conversions"] or 0 for r in g) for m, g in models.items()}
    resamples = {r["resamples"] for r in rows if r["resamples"]}
    interval_text = (
        f"Bars on data-driven models are bootstrap percentile intervals ({max(resamples)} "
        f"resamples)."
        if resamples
        else "No intervals: the data-driven models ran without bootstrap resamples "
        "(set n_bootstrap in journey__attribution_python_options to get them)."
    )
    caption = (
        f"Conversions each model gives each channel, {rows[0]['window_start_date']} to "
        f"{rows[0]['window_end_date']}; circles are heuristic rules, diamonds data-driven models. "
        f"Every model shares out the same {num(max(per_model.values()), 1)} conversions. Models "
        f"disagree most on {widest}: from {num(spread[widest][1], 1)} to "
        f"{num(spread[widest][0], 1)}. {interval_text}"
    )
    layout = {
        "height": max(380, 34 * len(channels) + 140),
        "xaxis": {"title": {"text": "attributed conversions"}},
        "margin": {"l": 170},
    }
    return [Chart(key, section, title, caption, {"data": traces, "layout": layout})]


# --- triggers and experiments (marts that land later; drawn when present) -------------------------

LABEL_COLUMNS = ("trigger_name", "experiment_name", "experiment_key", "trigger_key")
ARM_COLUMNS = ("arm", "variant", "variant_name", "group_name")
ESTIMATE_COLUMNS = ("lift", "relative_lift", "absolute_lift", "difference", "effect", "uplift")
INTERVAL_SUFFIXES = (("ci_lower", "ci_upper"), ("lower", "upper"))
# the package's own lift and result marts: the estimate drawn and its interval columns
KNOWN_ESTIMATES = {
    "fct_trigger_lift": ("conversion_lift", "conversion_lift_ci_lower", "conversion_lift_ci_upper"),
    "fct_experiment_results": ("relative_effect", "relative_ci_lower", "relative_ci_upper"),
}


def _first(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    return next((c for c in candidates if c in columns), None)


def trigger_fires(wh: Warehouse) -> list[Chart]:
    key, section, title = "trigger-fires", "Triggers and experiments", "Trigger fires by arm"
    why = missing_or_empty(wh, "fct_trigger_fires")
    if why:
        return [empty(key, section, title, why)]
    columns = wh.columns("fct_trigger_fires")
    label = _first(columns, LABEL_COLUMNS)
    arm = _first(columns, ARM_COLUMNS)
    if label is None:
        return [
            empty(
                key,
                section,
                title,
                "fct_trigger_fires has no column this report "
                f"recognises as the trigger name ({', '.join(LABEL_COLUMNS)}).",
            )
        ]
    arm_sql = f"coalesce(cast(\"{arm}\" as varchar), '(none)')" if arm else "'fires'"
    rows = wh.rows(
        f'select cast("{label}" as varchar) as label, {arm_sql} as arm, count(*) as fires '
        f"from {wh.rel('fct_trigger_fires')} group by 1, 2 order by 1, 2"
    )
    arms = sorted({r["arm"] for r in rows})
    traces = [
        {
            "type": "bar",
            "name": a,
            "x": [r["label"] for r in rows if r["arm"] == a],
            "y": [r["fires"] for r in rows if r["arm"] == a],
        }
        for a in arms
    ]
    total = sum(r["fires"] for r in rows)
    labels = sorted({r["label"] for r in rows})
    caption = (
        f"Rows of fct_trigger_fires per {label}"
        + (f" and {arm}" if arm else "")
        + f": {num(total)} in all over {len(labels)} triggers; "
        + ", ".join(f"{a} {num(sum(r['fires'] for r in rows if r['arm'] == a))}" for a in arms)
        + "."
    )
    layout = {"barmode": "stack", "yaxis": {"title": {"text": "fires"}}}
    return [Chart(key, section, title, caption, {"data": traces, "layout": layout})]


def estimates(wh: Warehouse) -> list[Chart]:
    """Lift and experiment results: any trigger/experiment mart with an estimate and interval."""
    section = "Triggers and experiments"
    tables = [
        t
        for t in wh.tables_like("fct_%")
        if t in KNOWN_ESTIMATES
        or (
            ("lift" in t or "experiment" in t or t == "fct_trigger_outcomes")
            and _first(wh.columns(t), ESTIMATE_COLUMNS)
        )
    ]
    if not tables:
        return [
            empty(
                "experiments",
                section,
                "Trigger lift and experiment results",
                "No data: no trigger lift or experiment result mart is in this database "
                "(fct_trigger_outcomes, fct_*lift*, fct_experiment_*).",
            )
        ]
    return [estimate_chart(wh, t) for t in tables]


def estimate_chart(wh: Warehouse, table: str) -> Chart:
    key, title = f"estimates-{table}", f"Estimates in {table}"
    section = "Triggers and experiments"
    why = missing_or_empty(wh, table)
    if why:
        return empty(key, section, title, why)
    columns = wh.columns(table)
    known = KNOWN_ESTIMATES.get(table)
    estimate = known[0] if known else _first(columns, ESTIMATE_COLUMNS)
    labels = [c for c in (*LABEL_COLUMNS, *ARM_COLUMNS, "metric_name", "step_name") if c in columns]
    if not labels:
        return empty(key, section, title, f"{table} has no label column this report recognises.")
    lower = upper = None
    if known:
        lower, upper = known[1], known[2]
    for lo, hi in () if known else INTERVAL_SUFFIXES:
        if f"{estimate}_{lo}" in columns and f"{estimate}_{hi}" in columns:
            lower, upper = f"{estimate}_{lo}", f"{estimate}_{hi}"
            break
        if lo in columns and hi in columns:
            lower, upper = lo, hi
            break
    label_sql = " || ' / ' || ".join(f"coalesce(cast(\"{c}\" as varchar), '-')" for c in labels)
    bounds = f'"{lower}" as lower, "{upper}" as upper' if lower else "null as lower, null as upper"
    rows = wh.rows(
        f'select {label_sql} as label, "{estimate}" as estimate, {bounds} '
        f"from {wh.rel(table)} order by 1 limit 60"
    )
    rows = [r for r in rows if r["estimate"] is not None]
    if not rows:
        return empty(key, section, title, f"No data: every {estimate} in {table} is null.")
    trace: dict[str, Any] = {
        "type": "scatter",
        "mode": "markers",
        "x": [r["estimate"] for r in rows],
        "y": [r["label"] for r in rows],
        "marker": {"size": 10},
    }
    if lower:
        trace["error_x"] = {
            "type": "data",
            "symmetric": False,
            "array": [(r["upper"] - r["estimate"]) if r["upper"] is not None else 0 for r in rows],
            "arrayminus": [
                (r["estimate"] - r["lower"]) if r["lower"] is not None else 0 for r in rows
            ],
        }
    excluding = [
        r for r in rows if lower and r["lower"] is not None and (r["lower"] > 0 or r["upper"] < 0)
    ]
    caption = (
        f"{estimate} per {' / '.join(labels)} from {table} ({len(rows)} rows"
        + (f", with the interval {lower}..{upper}" if lower else ", no interval column")
        + f"). Largest: {max(rows, key=lambda r: r['estimate'])['label']} "
        f"({num(max(r['estimate'] for r in rows), 3)})"
        + (f"; {len(excluding)} intervals exclude zero." if lower else ".")
    )
    layout = {
        "height": max(320, 26 * len(rows) + 140),
        "xaxis": {"title": {"text": estimate}, "zeroline": True, "zerolinecolor": "#333"},
        "margin": {"l": 260},
    }
    return Chart(key, section, title, caption, {"data": [trace], "layout": layout})


SECTIONS: list[tuple[str, Callable[[Warehouse], list[Chart]]]] = [
    ("active users", active_users),
    ("funnels", funnels),
    ("paths", paths),
    ("retention", retention),
    ("lifecycle", lifecycle),
    ("RFM segments", rfm),
    ("power users", power_users),
    ("attribution", attribution),
    ("trigger fires", trigger_fires),
    ("lift and experiments", estimates),
]
