"""The HTML report on the built sample: every chart draws in headless Chromium, captions carry
numbers that an independent computation over the marts reproduces, and missing or empty marts
give empty-state messages instead of broken charts."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dbt_harness import PROJECT_DIR, DbtProject

from journey_analytics.report import browser, html
from journey_analytics.report.build import MAX_BYTES, build_report
from journey_analytics.report.sections import Chart

needs_chromium = pytest.mark.skipif(
    browser.find_chromium() is None, reason="chromium not installed (apt-get install chromium)"
)

EXPECTED_CHARTS = {
    "active-users",
    "funnel-checkout",
    "funnel-trial",
    "funnel-breakdown",
    "paths-after_search",
    "paths-before_order",
    "retention-any_activity",
    "retention-repeat_purchase",
    "lifecycle",
    "rfm-sizes",
    "rfm-movement",
    "power-users",
    "attribution",
    "trigger-fires",
    "estimates-fct_trigger_lift",
    "estimates-fct_experiment_results",
}


@pytest.fixture(scope="module")
def report(built_sample: DbtProject, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    return build_report(built_sample.database_path, out, progress=False)


def caption(result, key: str) -> str:
    return next(c.caption for c in result.charts if c.key == key)


def test_every_section_has_a_chart_and_the_page_is_small_and_offline(report) -> None:
    assert {c.key for c in report.drawn} == EXPECTED_CHARTS
    assert {c.key for c in report.empty} == set()
    assert report.size_bytes < MAX_BYTES
    page = report.path.read_text()
    # nothing is fetched: no element loads a URL (plotly.js is inline)
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']?(https?:)?//", page)
    assert page.count("<script") == 4  # plotly.js, two JSON blocks, the drawing script


@needs_chromium
def test_every_chart_draws_in_headless_chromium(report) -> None:
    check = browser.check_render(report.path)
    assert check.script_errors is None
    assert check.ready
    assert set(check.chart_ids) == {f"chart-{key}" for key in EXPECTED_CHARTS}
    assert set(check.rendered_ids) == set(check.chart_ids)
    assert all(count >= 1 for count in check.svg_counts.values()), check.svg_counts
    assert set(check.empty_state_ids) == set()


@needs_chromium
def test_the_render_check_catches_a_page_whose_charts_cannot_draw(tmp_path: Path) -> None:
    figure = {"data": [{"type": "bar", "x": ["a"], "y": [1]}], "layout": {}}
    page = tmp_path / "broken.html"
    page.write_text(html.render([Chart("x", "S", "t", "c", figure)], "", "t", "s"))
    check = browser.check_render(page)
    assert check.chart_ids == ["chart-x"]
    assert check.rendered_ids == []
    assert "Plotly is not defined" in (check.script_errors or "")


def test_captions_match_an_independent_computation(report, built_sample: DbtProject) -> None:
    df = built_sample.query_df
    # funnel: entered and converted units straight from the per-unit mart
    units = df(
        "select count(*) as n, sum(is_converted::int) as c from fct_funnel_units "
        "where funnel_name = 'checkout'"
    ).iloc[0]
    text = caption(report, "funnel-checkout")
    assert f"{int(units.n):,} entered" in text
    assert f"{int(units.c):,} ({100 * units.c / units.n:.1f}%) reached" in text
    # retention: the pooled week-1 rate dbt computes in fct_retention_curves
    pooled = df(
        "select retention_rate from fct_retention_curves where analysis_name = "
        "'any_activity' and cohort_type = 'first_time' and period_unit = 'week' and "
        "window_type = 'calendar' and period_number = 1"
    ).iloc[0, 0]
    assert f"week 1 {100 * float(pooled):.1f}%" in caption(report, "retention-any_activity")
    # RFM: segment sizes counted by pandas
    sizes = df("select segment_name from dim_customer_rfm").segment_name.value_counts()
    text = caption(report, "rfm-sizes")
    assert f"({sizes.sum()} customers)" in text
    assert f"Largest: {sizes.index[0]} with {sizes.iloc[0]}" in text
    # attribution: every model shares out the conversions of fct_attribution_conversions
    conversions = df("select count(*) from fct_attribution_conversions").iloc[0, 0]
    assert f"same {conversions:,.1f} conversions" in caption(report, "attribution")
    # breakdown: converted share per acquisition channel, joined by pandas
    units = df("select funnel_name, user_id, is_converted from fct_funnel_units")
    users = df("select user_id, acquisition_channel from dim_users")
    joined = units.merge(users, on="user_id", how="left")
    checkout = joined[joined.funnel_name == "checkout"].groupby("acquisition_channel")
    rates = checkout.is_converted.mean()[checkout.size() >= 30]
    text = caption(report, "funnel-breakdown")
    assert f"'checkout' converts best for {rates.idxmax()} ({100 * rates.max():.1f}%" in text
    assert f"worst for {rates.idxmin()} ({100 * rates.min():.1f}%" in text


def copy_database(built_sample: DbtProject, tmp_path: Path) -> Path:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(built_sample.database_path, copy)
    return copy


@needs_chromium
def test_empty_and_missing_marts_give_empty_states(built_sample: DbtProject, tmp_path) -> None:
    database = copy_database(built_sample, tmp_path)
    with duckdb.connect(str(database)) as con:
        con.execute("delete from fct_rfm_segment_transitions")
        con.execute("delete from fct_funnel_steps")
        con.execute("drop table fct_power_user_comparison")
    result = build_report(database, tmp_path / "report.html", progress=False)
    empty = {c.key: c.caption for c in result.empty}
    assert empty["rfm-movement"] == "No data: the mart fct_rfm_segment_transitions is empty."
    assert empty["power-users"].startswith("No data: the mart fct_power_user_comparison is not")
    assert "fct_funnel_steps is empty for this selection" in empty["funnel"]
    page = result.path.read_text()
    assert "No data: the mart fct_rfm_segment_transitions is empty." in page
    check = browser.check_render(result.path)
    assert check.script_errors is None
    assert {"chart-rfm-movement", "chart-power-users", "chart-funnel"} <= set(check.empty_state_ids)
    assert set(check.rendered_ids) == set(check.chart_ids) and check.chart_ids


@needs_chromium
def test_trigger_and_lift_marts_are_drawn(built_sample, report) -> None:
    """The sample's trigger fires, trigger lift and experiment results are drawn, and the fires
    caption counts what fct_trigger_fires holds per arm (counted here, not by the report)."""
    with duckdb.connect(str(built_sample.database_path), read_only=True) as con:
        per_arm = dict(con.sql("select arm, count(*) from fct_trigger_fires group by 1").fetchall())
        triggers = con.sql("select count(distinct trigger_name) from fct_trigger_fires").fetchone()
        lift_rows = con.sql(
            "select count(*) from fct_trigger_lift where conversion_lift is not null"
        ).fetchone()
    total = sum(per_arm.values())
    arms = ", ".join(f"{arm} {per_arm[arm]:,}" for arm in sorted(per_arm))
    drawn = {c.key: c.caption for c in report.drawn}
    assert f"{total:,} in all over {triggers[0]} triggers; {arms}." in drawn["trigger-fires"]
    assert f"from fct_trigger_lift ({lift_rows[0]} rows" in drawn["estimates-fct_trigger_lift"]
    assert (
        "conversion_lift_ci_lower..conversion_lift_ci_upper"
        in (drawn["estimates-fct_trigger_lift"])
    )
    assert "relative_ci_lower..relative_ci_upper" in drawn["estimates-fct_experiment_results"]
    check = browser.check_render(report.path)
    assert check.script_errors is None
    assert {
        "chart-trigger-fires",
        "chart-estimates-fct_trigger_lift",
        "chart-estimates-fct_experiment_results",
    } <= set(check.rendered_ids)


def test_cli_help_and_a_clear_error_for_a_missing_database(tmp_path: Path) -> None:
    script = str(PROJECT_DIR / "scripts" / "build_report.py")
    help_text = subprocess.run(
        [sys.executable, script, "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "--database" in help_text and "offline" in help_text
    missing = tmp_path / "none.duckdb"
    run = subprocess.run(
        [sys.executable, script, "--database", str(missing)], capture_output=True, text=True
    )
    assert run.returncode == 2
    assert f"database {missing} does not exist" in run.stderr


def test_bootstrap_intervals_become_error_bars(built_sample: DbtProject, tmp_path: Path) -> None:
    database = copy_database(built_sample, tmp_path)
    with duckdb.connect(str(database)) as con:
        con.execute(
            "update fct_attribution_data_driven set "
            "attributed_conversions_lower = attributed_conversions - 1, "
            "attributed_conversions_upper = attributed_conversions + 2, bootstrap_resamples = 30 "
            "where model = 'markov_order_1'"
        )
    result = build_report(database, tmp_path / "report.html", progress=False)
    chart = next(c for c in result.charts if c.key == "attribution")
    assert "bootstrap percentile intervals (30 resamples)" in chart.caption
    traces = {t["name"]: t for t in chart.figure["data"]}
    markov = traces["markov_order_1 (data_driven)"]
    assert {round(v, 6) for v in markov["error_x"]["array"]} == {2}
    assert {round(v, 6) for v in markov["error_x"]["arrayminus"]} == {1}
    assert "error_x" not in traces["linear (heuristic)"]


def test_a_schema_without_the_marts_is_refused(built_sample: DbtProject, tmp_path: Path) -> None:
    with pytest.raises(LookupError, match=r"schema 'analytics' of .* has no fct_events table"):
        build_report(built_sample.database_path, tmp_path / "r.html", "analytics", False)
