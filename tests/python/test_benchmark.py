"""scripts/benchmark.py at a tiny size, and the funnel checks of scripts/benchmark_peer.py.

The benchmark's figures are timings, so only their presence and sanity are checked; what can be
checked exactly is: the split into full-build and incremental events (against the sample's own
rows), and the floor's session count (against a plain-Python sessionisation of the same rows).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_harness import PROJECT_DIR

SCRIPTS = PROJECT_DIR / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import benchmark_peer  # noqa: E402
from bench.measure import run_measured  # noqa: E402

USERS, DAYS = 150, 7


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "benchmark.py"),
            f"--users={USERS}",
            f"--days={DAYS}",
            f"--out={out}",
            "--threads=2",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out, json.loads((out / "benchmark.json").read_text())


def python_sessions(rows: list[tuple[str | None, str | None, datetime, int | None, str]]) -> int:
    """Sessions of (anonymous_id, user_id, timestamp, sequence_number, event_id) rows: per actor,
    in time order, a gap of more than 30 minutes starts a new one."""
    by_actor: dict[str, list[tuple[datetime, float, str]]] = {}
    for anonymous_id, user_id, at, sequence, event_id in rows:
        actor = anonymous_id or user_id
        if actor is None:
            continue
        seq = float("inf") if sequence is None else float(sequence)
        by_actor.setdefault(actor, []).append((at, seq, event_id))
    sessions = 0
    for events in by_actor.values():
        events.sort()
        previous = None
        for at, _, _ in events:
            if previous is None or (at - previous).total_seconds() > 30 * 60:
                sessions += 1
            previous = at
    return sessions


def test_report_has_every_section(bench_run: tuple[Path, dict[str, Any]]) -> None:
    out, report = bench_run
    for section in (
        "size",
        "floor",
        "full_build",
        "incremental",
        "data_tests",
        "peak_rss_mib",
        "slowest_models",
        "ratios",
        "targets",
    ):
        assert section in report, section
    markdown = (out / "benchmark.md").read_text()
    for heading in ("## Steps", "## Data tests", "## Ratios", "## Ten slowest models"):
        assert heading in markdown


def test_family_shares_and_report_step(bench_run: tuple[Path, dict[str, Any]]) -> None:
    out, report = bench_run
    full = report["full_build"]
    for family in ("triggers", "experiments"):
        figures = report["families"][family]
        assert 0 < figures["models_thread_s"] < full["models_thread_s"], family
        assert figures["share"] == pytest.approx(
            figures["models_thread_s"] / full["models_thread_s"], rel=1e-3
        )
    html = out / "work" / "report.html"
    assert html.exists() and report["report"]["html_mib"] == pytest.approx(
        html.stat().st_size / 2**20
    )
    assert "## Model families and the report" in (out / "benchmark.md").read_text()


def test_split_is_the_last_load_day(bench_run: tuple[Path, dict[str, Any]]) -> None:
    out, report = bench_run
    sample = Path(report["size"]["sample"])
    con = duckdb.connect()
    (total,) = con.execute(f"select count(*) from '{sample}/events/*.parquet'").fetchone()
    split = out / "work" / "split"
    (base_max,) = con.execute(f"select max(loaded_at) from '{split}/base/*.parquet'").fetchone()
    (inc_min,) = con.execute(f"select min(loaded_at) from '{split}/increment/*.parquet'").fetchone()
    con.close()
    size = report["size"]
    assert size["events_total"] == total
    assert size["events_full_build"] + size["events_incremental"] == total
    assert size["events_incremental"] > 0
    cut = datetime.fromisoformat(size["increment_cut_at"])
    assert cut == datetime(2026, 1, DAYS)  # generator default start 2026-01-01
    assert base_max < cut <= inc_min


def test_floor_sessions_match_python(bench_run: tuple[Path, dict[str, Any]]) -> None:
    out, report = bench_run
    con = duckdb.connect()
    rows = con.execute(
        "select nullif(anonymous_id, ''), nullif(user_id, ''), event_timestamp, sequence_number, "
        f"event_id from '{out}/work/split/base/*.parquet' where event_timestamp is not null"
    ).fetchall()
    con.close()
    expected = python_sessions(rows)
    for variant in ("wide", "narrow"):
        floor = report["floor"][variant]
        assert floor["sessions"] == expected, variant
        assert floor["seconds"] > 0 and floor["peak_rss_mib"] > 0


def test_builds_pass_and_figures_are_sane(bench_run: tuple[Path, dict[str, Any]]) -> None:
    _, report = bench_run
    assert report["data_tests"]["passed"] is True
    assert report["data_tests"]["failures"] == []
    model_files = {path.stem for path in (PROJECT_DIR / "models").rglob("*.sql")}
    model_files |= {path.stem for path in (PROJECT_DIR / "models").rglob("*.py")}
    for name in ("full_build", "incremental"):
        build = report[name]
        assert build["data_tests"] > 0
        assert build["data_tests_passed"] + build["data_tests_warned"] == build["data_tests"]
        assert build["models"] > 0
        assert build["peak_rss_mib"] > 0
        parts = (
            build["startup_and_parse_s"]
            + build["models_s"]
            + build["data_tests_s"]
            + build["seeds_s"]
        )
        assert parts == pytest.approx(build["wall_s"], rel=1e-6)
        slowest = build["slowest_models"]
        assert 0 < len(slowest) <= 10
        assert [m["seconds"] for m in slowest] == sorted(
            (m["seconds"] for m in slowest), reverse=True
        )
        assert {m["model"] for m in slowest} <= model_files
    for name, value in report["ratios"].items():
        assert value is not None and value > 0, name


def test_peak_memory_is_the_child_s_own(tmp_path: Path) -> None:
    """A child that holds 120 MiB measures about that, not the parent's larger memory."""
    parent_ballast = bytearray(400 * 2**20)  # resident in this process while the child runs
    child = "import time; x = bytearray(120 * 2**20); time.sleep(0.6)"
    measured = run_measured("child", [sys.executable, "-c", child], tmp_path / "child.log")
    assert len(parent_ballast) > 0
    assert measured.returncode == 0
    assert 120 <= measured.peak_rss_mib < 300


def test_peer_funnel_must_align() -> None:
    variables = benchmark_peer.project_vars()
    config, steps = benchmark_peer.funnel_config("checkout", variables)
    declared = next(f for f in variables["journey__funnels"] if f["name"] == "checkout")
    assert config is declared and steps == declared["steps"]
    with pytest.raises(SystemExit, match="not in journey__funnels"):
        benchmark_peer.funnel_config("no_such_funnel", variables)
    with pytest.raises(SystemExit, match="count_by 'users'"):
        benchmark_peer.funnel_config("trial", variables)
    windowed = {"journey__funnels": [{**declared, "conversion_window": "1 hour"}]}
    with pytest.raises(SystemExit, match="conversion_window"):
        benchmark_peer.funnel_config("checkout", windowed)
    filtered = {"journey__funnels": [{**declared, "steps": [{"event": "a", "where": "x"}]}]}
    with pytest.raises(SystemExit, match="step 1"):
        benchmark_peer.funnel_config("checkout", filtered)


def test_peer_two_way_comparison_counts_each_side() -> None:
    con = duckdb.connect()
    ours = "select * from (values ('a', 1), ('a', 1), ('b', 2)) as t(k, n)"
    same = "select * from (values ('b', 2), ('a', 1), ('a', 1)) as t(k, n)"
    other = "select * from (values ('a', 1), ('b', 3)) as t(k, n)"
    assert benchmark_peer._two_way(con, ours, same)["agree"] is True
    result = benchmark_peer._two_way(con, ours, other)
    con.close()
    assert result == {
        "rows_ours": 3,
        "rows_peer": 2,
        "only_ours": 2,
        "only_peer": 1,
        "agree": False,
    }


PEER_PYTHON = PROJECT_DIR / ".venv-peer" / "bin" / "python"


@pytest.mark.skipif(
    not PEER_PYTHON.exists(), reason="no .venv-peer (make test and make bench-peer create it)"
)
def test_peer_agrees_with_our_marts(tmp_path: Path) -> None:
    """retentioneering, an independent implementation, finds the same sessions, transitions and
    checkout funnel counts on the same raw events (messy rows included)."""
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "benchmark_peer.py"),
            f"--users={USERS}",
            f"--days={DAYS}",
            f"--out={tmp_path}",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((tmp_path / "peer.json").read_text())
    agreement = report["agreement"]
    assert agreement["staging_sessions"]["agree"] and agreement["staging_sessions"]["rows_ours"] > 0
    assert agreement["transitions"]["agree"] and agreement["transitions"]["rows_ours"] > 0
    assert agreement["funnel"]["agree"] and agreement["funnel"]["ours"][0] > 0
    for step in report["steps"].values():
        assert step["ours_s"] > 0 and step["peer_s"] > 0 and step["ratio"] > 0
