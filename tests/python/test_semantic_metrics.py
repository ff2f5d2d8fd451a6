"""Every metric of the semantic layer, asked through MetricFlow's `mf query` on the built sample,
equals the mart it comes from (the marts' own columns, computed by other SQL).

MetricFlow lives in its own environment (`make metricflow`, .venv-metricflow); without it these
tests skip. The semantic YAML itself is parsed by the main dbt in test_semantic_framework.py.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from dbt_harness import PROJECT_DIR, DbtProject, write_profiles

MF_BIN = PROJECT_DIR / ".venv-metricflow" / "bin"
pytestmark = pytest.mark.skipif(
    not (MF_BIN / "mf").exists(),
    reason="MetricFlow is an optional extra: run `make metricflow` to create .venv-metricflow",
)
PROJECT_FILES = ("dbt_project.yml", "models", "macros", "seeds", "analyses", "tests/dbt")


class MetricFlow:
    """`mf` on a copy of the project whose profile points at the built sample database."""

    def __init__(self, workdir: Path, database: Path) -> None:
        self.workdir = workdir
        for name in PROJECT_FILES:
            source, target = PROJECT_DIR / name, workdir / name
            if source.is_dir():
                shutil.copytree(source, target)
            elif source.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source, target)
        write_profiles(workdir, database)
        self.env = {**os.environ, "DBT_PROFILES_DIR": str(workdir)}
        self.run("dbt", "parse")

    def run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(MF_BIN / tool), *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def query(self, metrics: str, group_by: str = "") -> list[dict[str, str]]:
        out = self.workdir / "answer.csv"
        out.unlink(missing_ok=True)
        args = ["query", "--metrics", metrics, "--csv", str(out)]
        if group_by:
            args += ["--group-by", group_by]
        run = self.run("mf", *args)
        assert run.returncode == 0 and out.exists(), run.stdout[-3000:] + run.stderr[-3000:]
        with out.open() as handle:
            return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def mf(built_sample: DbtProject, tmp_path_factory: pytest.TempPathFactory) -> MetricFlow:
    return MetricFlow(tmp_path_factory.mktemp("metricflow"), built_sample.database_path)


def close(a: object, b: object) -> bool:
    if a in (None, "", "None") or b is None:
        return a in (None, "", "None") and b is None
    return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(b)))


def test_active_users_and_stickiness_equal_fct_active_users_daily(mf, built_sample) -> None:
    rows = mf.query("dau,wau,mau,stickiness", "metric_time__day")
    answer = {r["metric_time__day"][:10]: r for r in rows}
    mart = built_sample.query(
        "select cast(activity_date as varchar), dau, wau, mau, dau_mau_ratio "
        "from fct_active_users_daily"
    )
    assert len(mart) > 14
    for day, dau, wau, mau, ratio in mart:
        got = answer[day]
        assert (int(got["dau"] or 0), int(got["wau"]), int(got["mau"])) == (dau, wau, mau), day
        assert close(got["stickiness"] or 0, ratio or 0), day


def test_sessions_revenue_and_users_equal_dim_users(mf, built_sample) -> None:
    got = mf.query("sessions,engaged_sessions,engagement_rate,revenue,events,conversions")[0]
    sessions, engaged, revenue, events, conversions = built_sample.query(
        "select sum(session_count), sum(engaged_session_count), sum(revenue), sum(event_count), "
        "sum(conversion_count) from dim_users"
    )[0]
    assert int(got["sessions"]) == sessions and int(got["engaged_sessions"]) == engaged
    assert close(got["engagement_rate"], engaged / sessions)
    assert close(got["revenue"], revenue)
    assert int(got["events"]) == events and int(got["conversions"]) == conversions

    by_channel = mf.query("users,lifetime_revenue,arpu", "user__acquisition_channel")
    mart = {
        channel: (n, revenue)
        for channel, n, revenue in built_sample.query(
            "select acquisition_channel, count(*), sum(revenue) from dim_users group by 1"
        )
    }
    assert {r["user__acquisition_channel"] for r in by_channel} == set(mart)
    for row in by_channel:
        n, revenue = mart[row["user__acquisition_channel"]]
        assert int(row["users"]) == n
        assert close(row["arpu"], revenue / n)


def test_funnel_conversion_per_step_equals_fct_funnel_steps(mf, built_sample) -> None:
    metrics = ",".join(
        ["funnel_step_1_units", "funnel_conversion_rate"]
        + [f"funnel_step_{k}_conversion" for k in range(2, 6)]
    )
    answer = {
        r["funnel_unit__funnel_name"]: r for r in mf.query(metrics, "funnel_unit__funnel_name")
    }
    steps = built_sample.query(
        "select funnel_name, step_index, units_entered, conversion_rate_from_start, "
        "max(step_index) over (partition by funnel_name) from fct_funnel_steps "
        "where breakdown_value = '(all)' and step_index > 1"
    )
    assert {s[0] for s in steps} == set(answer) and len(steps) >= 5
    for funnel, k, entered, rate, last in steps:
        got = answer[funnel]
        assert int(got["funnel_step_1_units"]) == entered
        assert close(got[f"funnel_step_{k}_conversion"], rate), (funnel, k)
        if k == last:
            assert close(got["funnel_conversion_rate"], rate), funnel
    checkout = mf.query("checkout_conversion_rate,checkout_step_2_conversion")[0]
    assert close(checkout["checkout_conversion_rate"], answer["checkout"]["funnel_conversion_rate"])
    assert close(
        checkout["checkout_step_2_conversion"], answer["checkout"]["funnel_step_2_conversion"]
    )


def test_retention_day_n_equals_fct_retention_curves(mf, built_sample) -> None:
    rows = mf.query(
        "retention_day_1,retention_day_7,retention_week_1", "retention_cell__analysis_name"
    )
    answer = {r["retention_cell__analysis_name"]: r for r in rows}
    curves = built_sample.query(
        "select analysis_name, period_unit, period_number, retention_rate from "
        "fct_retention_curves where cohort_type = 'first_time' and window_type = 'calendar' and "
        "((period_unit = 'day' and period_number in (1, 7)) or "
        "(period_unit = 'week' and period_number = 1))"
    )
    assert len(curves) == 3 * len(answer) and answer
    for analysis, unit, n, rate in curves:
        assert close(answer[analysis][f"retention_{unit}_{n}"], rate), (analysis, unit, n)


def test_attribution_and_roas_equal_the_channel_report(mf, built_sample) -> None:
    rows = mf.query(
        "attributed_conversions,attributed_revenue,roas",
        "channel_report__attribution_model,channel_report__channel",
    )
    answer = {
        (r["channel_report__attribution_model"], r["channel_report__channel"]): r for r in rows
    }
    mart = built_sample.query(
        "select attribution_model, channel, attributed_conversions, attributed_revenue, roas "
        "from fct_attribution_channel_report"
    )
    assert len(mart) == len(answer) > 10
    assert any(roas is not None for *_, roas in mart)
    for model, channel, conversions, revenue, roas in mart:
        got = answer[(model, channel)]
        assert close(got["attributed_conversions"], conversions)
        assert close(got["attributed_revenue"], revenue)
        assert close(got["roas"], roas), (model, channel)


def test_rfm_segments_equal_dim_customer_rfm(mf, built_sample) -> None:
    rows = mf.query("rfm_customers,rfm_average_customer_value", "customer__segment_name")
    answer = {r["customer__segment_name"]: r for r in rows}
    mart = built_sample.query(
        "select segment_name, count(*), avg(monetary_value) from dim_customer_rfm group by 1"
    )
    assert len(mart) == len(answer) >= 3
    for segment, customers, mean_value in mart:
        assert int(answer[segment]["rfm_customers"]) == customers
        assert close(answer[segment]["rfm_average_customer_value"], mean_value)


def test_an_unknown_dimension_gets_metricflows_error(mf) -> None:
    run = mf.run("mf", "query", "--metrics", "sessions", "--group-by", "session__no_such_column")
    assert run.returncode != 0
    assert "session__no_such_column" in run.stdout + run.stderr
