"""Run dbt as a child process on a private DuckDB file and read what it did from run_results.json."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .measure import Measured, run_measured
from .sample import PROJECT_DIR

#: statuses of a node that did not do its job (a failing data test, a model that errored)
FAILED_STATUSES = {"error", "fail", "runtime error", "skipped"}


@dataclass
class NodeResult:
    """One node of a dbt invocation (model, test, seed, ...)."""

    unique_id: str
    resource_type: str
    name: str
    status: str
    seconds: float
    started_at: datetime | None
    completed_at: datetime | None
    message: str | None
    failures: int | None


@dataclass
class RunResults:
    """The nodes of one dbt invocation."""

    nodes: list[NodeResult]
    elapsed_s: float

    @classmethod
    def read(cls, target: Path) -> RunResults:
        data = json.loads((target / "run_results.json").read_text())
        nodes = []
        for result in data["results"]:
            starts = [_time(t["started_at"]) for t in result.get("timing") or []]
            ends = [_time(t["completed_at"]) for t in result.get("timing") or []]
            unique_id = result["unique_id"]
            nodes.append(
                NodeResult(
                    unique_id=unique_id,
                    resource_type=unique_id.split(".")[0],
                    name=unique_id.split(".")[-1] if unique_id.startswith("model.") else unique_id,
                    status=str(result["status"]),
                    seconds=float(result.get("execution_time") or 0.0),
                    started_at=min((s for s in starts if s), default=None),
                    completed_at=max((e for e in ends if e), default=None),
                    message=result.get("message"),
                    failures=result.get("failures"),
                )
            )
        return cls(nodes=nodes, elapsed_s=float(data.get("elapsed_time") or 0.0))

    def of_type(self, resource_type: str) -> list[NodeResult]:
        return [node for node in self.nodes if node.resource_type == resource_type]

    def exec_seconds(self, resource_type: str) -> float:
        """Sum of the execution times of one resource type (thread-seconds with threads > 1)."""
        return sum(node.seconds for node in self.of_type(resource_type))

    def span_seconds(self) -> float:
        """From the first node's start to the last node's end: the work without start-up and parse."""
        starts = [node.started_at for node in self.nodes if node.started_at]
        ends = [node.completed_at for node in self.nodes if node.completed_at]
        if not starts or not ends:
            return 0.0
        return (max(ends) - min(starts)).total_seconds()

    def failed(self) -> list[NodeResult]:
        return [node for node in self.nodes if node.status in FAILED_STATUSES]

    def warned(self) -> list[NodeResult]:
        return [node for node in self.nodes if node.status == "warn"]

    def slowest(self, count: int = 10, resource_type: str = "model") -> list[NodeResult]:
        return sorted(self.of_type(resource_type), key=lambda node: -node.seconds)[:count]


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@dataclass
class DbtWorkspace:
    """A dbt target of its own: DuckDB file, profiles, target and log folders under `workdir`."""

    workdir: Path
    threads: int
    vars: dict[str, Any] = field(default_factory=dict)
    runs: int = 0

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.database = self.workdir / "journey.duckdb"
        self.target = self.workdir / "target"
        self.profiles = self.workdir / "profiles"
        self.profiles.mkdir(exist_ok=True)
        # step logs of an earlier run in this folder would read as this run's
        for stale in (self.workdir / "logs").glob("[0-9][0-9]-*.log"):
            stale.unlink()
        (self.profiles / "profiles.yml").write_text(
            "journey:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
            f"      path: '{self.database}'\n      threads: {self.threads}\n"
        )

    def reset_database(self) -> None:
        for path in (self.database, Path(f"{self.database}.wal")):
            path.unlink(missing_ok=True)

    def run(self, name: str, *args: str) -> tuple[Measured, RunResults]:
        """Run `dbt <args>` as a child process; raise with its output if dbt itself failed.

        Failing data tests make dbt exit 1 too; they are returned (RunResults.failed) for the
        caller to report, not raised here, so the report can name them.
        """
        self.runs += 1
        dbt = str(Path(sys.executable).parent / "dbt")
        command = [
            dbt,
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(self.profiles),
            "--target-path",
            str(self.target),
            "--log-path",
            str(self.workdir / "logs"),
            "--vars",
            json.dumps(self.vars),
        ]
        env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
        log = self.workdir / "logs" / f"{self.runs:02d}-{name}.log"
        (self.target / "run_results.json").unlink(missing_ok=True)
        measured = run_measured(name, command, log, cwd=PROJECT_DIR, env=env)
        if not (self.target / "run_results.json").exists():
            raise SystemExit(
                f"dbt step '{name}' failed before running any node (exit {measured.returncode}); "
                f"log {log}:\n{measured.tail()}"
            )
        results = RunResults.read(self.target)
        if measured.returncode != 0 and not results.failed():
            raise SystemExit(
                f"dbt step '{name}' exited {measured.returncode}; log {log}:\n{measured.tail()}"
            )
        return measured, results
