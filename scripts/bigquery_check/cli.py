"""Command line of scripts/compile_bigquery.py: compile offline, check the SQL, report."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bigquery_check.offline import DATASET, MODE_VAR, write_offline_profile
from bigquery_check.sql_rules import Finding, check_sql, incremental_cost_findings

REPO_ROOT = Path(__file__).resolve().parents[2]
MODES: tuple[str, ...] = ("full", "incremental")


@dataclasses.dataclass
class ModeReport:
    """What one mode compiled and what the checks found in it."""

    mode: str
    seconds: float = 0.0
    compile_errors: list[str] = dataclasses.field(default_factory=list)
    findings: list[Finding] = dataclasses.field(default_factory=list)
    counts: dict[str, int] = dataclasses.field(default_factory=dict)
    tests_compiled: bool = False

    @property
    def ok(self) -> bool:
        return not self.compile_errors and not self.findings

    def describe(self) -> str:
        count = self.counts.get
        tests = f"{count('test', 0)} tests, " if self.tests_compiled else ""
        cost = count("incremental cost check", 0)
        costs = f", {cost} incremental cost checks" if cost else ""
        return (
            f"{self.mode}: {count('model', 0)} models, {tests}{count('analysis', 0)} analyses, "
            f"{count('hook', 0)} hooks{costs} ({self.seconds:.1f}s)"
        )


def check_mode(
    mode: str, outcome: dict[str, Any], incremental: Sequence[dict[str, Any]]
) -> ModeReport:
    """Check every compiled node and rendered hook of one mode (and incremental models' cost)."""
    report = ModeReport(
        mode,
        seconds=float(outcome.get("seconds", 0.0)),
        compile_errors=list(outcome.get("errors", [])),
        tests_compiled=bool(outcome.get("tests_compiled")),
    )
    nodes = outcome.get("nodes", [])
    for node in nodes:
        report.counts[node["kind"]] = report.counts.get(node["kind"], 0) + 1
        report.findings += check_sql(node["sql"], node["path"])
    for hook in outcome.get("hooks", []):
        report.counts["hook"] = report.counts.get("hook", 0) + 1
        if hook["sql"].strip():
            report.findings += check_sql(hook["sql"], f"hook {hook['label']}")
    if mode == "incremental":
        sql_by_path = {n["path"]: n["sql"] for n in nodes if n["kind"] == "model"}
        for model in incremental:
            sql = sql_by_path.get(model["path"])
            report.findings += incremental_cost_findings(model, sql, model["path"], DATASET)
        report.counts["incremental cost check"] = len(incremental)
    if outcome.get("ok") and not report.counts.get("model"):
        report.compile_errors.append("dbt compile succeeded but compiled no model")
    return report


def run_worker(spec: dict[str, Any], timeout: float) -> tuple[dict[str, Any], str]:
    """Run bigquery_check.dbt_worker in a fresh Python process; return its report and output."""
    work_dir = Path(spec["work_dir"])
    spec_path, result_path = work_dir / "worker-spec.json", work_dir / "worker-result.json"
    spec_path.write_text(json.dumps({**spec, "result_path": str(result_path)}), encoding="utf-8")
    scripts = str(Path(__file__).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [scripts, os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", "bigquery_check.dbt_worker", str(spec_path)]
    try:
        completed = subprocess.run(
            command, capture_output=not spec.get("verbose"), text=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired:
        return {}, f"dbt worker timed out after {timeout:.0f}s (a compile-time query?)"
    output = (completed.stdout or "") + (completed.stderr or "")
    if not result_path.exists():
        return {}, f"dbt worker exited with {completed.returncode} without a report:\n{output}"
    return json.loads(result_path.read_text(encoding="utf-8")), output


def run_checks(
    project_dir: Path,
    work_dir: Path,
    extra_vars: dict[str, Any],
    modes: Sequence[str] = MODES,
    tests: str = "project",
    check_hooks: bool = True,
    verbose: bool = False,
    timeout: float = 600.0,
) -> list[ModeReport]:
    """Compile offline for each mode and check the output; one report per mode."""
    spec = {
        "project_dir": str(project_dir),
        "profiles_dir": str(write_offline_profile(work_dir / "profiles")),
        "work_dir": str(work_dir),
        "modes": list(modes),
        "extra_vars": extra_vars,
        "tests": tests,
        "check_hooks": check_hooks,
        "verbose": verbose,
    }
    result, output = run_worker(spec, timeout)
    parse = result.get("parse", {})
    if not parse.get("ok"):
        errors = parse.get("errors") or [output.strip() or "dbt parse failed"]
        return [ModeReport(modes[0], compile_errors=[f"dbt parse: {e}" for e in errors])]
    reports = [
        check_mode(mode, result["modes"][mode], result.get("incremental_models", []))
        if mode in result["modes"]
        else ModeReport(mode, compile_errors=["not compiled"])
        for mode in modes
    ]
    reports[0].seconds += float(parse.get("seconds", 0.0))
    if result.get("python_models"):
        skipped = result["python_models"]
        print(f"note: {len(skipped)} Python model(s) not compiled: {', '.join(skipped)}")
    return reports


def parse_vars(texts: Sequence[str]) -> dict[str, Any]:
    """Merge --vars YAML dictionaries (read as dbt reads --vars), later ones winning."""
    from dbt.config.utils import parse_cli_vars

    merged: dict[str, Any] = {}
    for text in texts:
        merged.update(parse_cli_vars(text) if text.strip() else {})
    if MODE_VAR in merged:
        raise argparse.ArgumentTypeError(f"{MODE_VAR} is set by this script, once per mode")
    return merged


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="compile_bigquery.py",
        description=(
            "Compile the journey dbt project for BigQuery offline (no network, no credentials), "
            "once per incremental branch (full refresh and incremental, through var "
            f"{MODE_VAR}), and check every compiled model, analysis, data test and hook: "
            "sqlglot's BigQuery parser, DuckDB spellings sqlglot accepts but BigQuery does not, "
            "BigQuery's window-frame and DATETIME rules, and the scan cost of incremental models. "
            "Exit status 0 when every check passes, 1 otherwise."
        ),
        epilog="A compiled line, or the line after '-- bq-compile-check: ignore', is exempt "
        "from all checks but the parse.",
    )
    parser.add_argument(
        "--project-dir", type=Path, default=REPO_ROOT, help="dbt project (default: this one)"
    )
    parser.add_argument(
        "--vars",
        action="append",
        default=[],
        metavar="YAML",
        help="extra dbt vars (a YAML dict) for both modes; repeatable, e.g. "
        "'{journey__source_snowplow_enabled: true}'",
    )
    parser.add_argument(
        "--mode",
        dest="modes",
        action="append",
        choices=MODES,
        help="compile only this mode (repeatable; default: full and incremental)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        help="keep the profile, compiled SQL and logs here (not inside the project's target/); "
        "default: a temporary directory",
    )
    parser.add_argument(
        "--tests",
        choices=("project", "all", "none"),
        default="project",
        help="data tests to check, with the first mode: 'project' (default: singular tests and "
        "the project's own generic tests), 'all' (dbt's built-in ones too; slower), 'none'",
    )
    parser.add_argument("--no-hooks", action="store_true", help="do not render and check hooks")
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds allowed for dbt (default 600)"
    )
    parser.add_argument("--verbose", action="store_true", help="show dbt's own log output")
    return parser


def summarize(reports: Sequence[ModeReport], seconds: float) -> bool:
    """Print every problem, then one summary line; True when all is well."""
    for report in reports:
        for problem in [f"dbt: {e}" for e in report.compile_errors] + report.findings:
            print(f"FAIL [{report.mode}] {problem}")
    detail = "; ".join(report.describe() for report in reports)
    if all(report.ok for report in reports):
        print(f"OK BigQuery offline compile + sqlglot parse: {detail}; {seconds:.1f}s total")
        return True
    problems = sum(len(r.compile_errors) + len(r.findings) for r in reports)
    print(f"FAILED BigQuery offline compile: {problems} problem(s); {detail}; {seconds:.1f}s")
    return False


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        extra_vars = parse_vars(args.vars)
    except Exception as error:  # dbt's own error for YAML that is not a dict, or ours
        print(f"error: {error}", file=sys.stderr)
        return 2
    project_dir = args.project_dir.resolve()
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if args.work_dir is None:
            work_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bq-compile-")))
        elif args.work_dir.resolve().is_relative_to(project_dir / "target"):
            print("error: --work-dir must not be inside the project's target/", file=sys.stderr)
            return 2
        else:
            work_dir = args.work_dir.resolve()
            work_dir.mkdir(parents=True, exist_ok=True)
        reports = run_checks(
            project_dir,
            work_dir,
            extra_vars,
            tuple(dict.fromkeys(args.modes or MODES)),
            tests=args.tests,
            check_hooks=not args.no_hooks,
            verbose=args.verbose,
            timeout=args.timeout,
        )
        ok = summarize(reports, time.perf_counter() - started)
    if not ok and args.work_dir is None:
        print("(line numbers refer to the compiled SQL: rerun with --work-dir DIR to keep it)")
    return 0 if ok else 1
