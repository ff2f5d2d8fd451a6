"""Run dbt in-process against a private DuckDB file and target folder.

Tests (and scripts) share one helper so that every dbt call is isolated: its own database file,
its own target/ and log folder, the project's profiles.yml.example as profile.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[2]


def write_profiles(profiles_dir: Path, database_path: Path) -> Path:
    """Write a profiles.yml whose DuckDB target points at database_path."""
    profiles_dir.mkdir(parents=True, exist_ok=True)
    text = (
        "journey:\n"
        "  target: duckdb\n"
        "  outputs:\n"
        "    duckdb:\n"
        "      type: duckdb\n"
        f"      path: '{database_path}'\n"
        "      threads: 2\n"
    )
    (profiles_dir / "profiles.yml").write_text(text)
    return profiles_dir


@dataclass
class DbtProject:
    """A private dbt workspace: database file, target path and profiles under one folder."""

    workdir: Path
    base_vars: dict[str, Any] = field(default_factory=dict)

    @property
    def database_path(self) -> Path:
        return self.workdir / "journey.duckdb"

    def run(self, *args: str, vars: dict[str, Any] | None = None, expect_ok: bool = True) -> Any:
        """Invoke dbt with the given arguments; raise with the log tail when it fails."""
        from dbt.cli.main import dbtRunner

        profiles_dir = write_profiles(self.workdir / "profiles", self.database_path)
        merged = {**self.base_vars, **(vars or {})}
        cli_args: list[str] = [
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(profiles_dir),
            "--target-path",
            str(self.workdir / "target"),
            "--log-path",
            str(self.workdir / "logs"),
        ]
        if merged:
            cli_args += ["--vars", json.dumps(merged)]
        result = dbtRunner().invoke(cli_args)
        release_duckdb()
        if expect_ok and not result.success:
            raise AssertionError(f"dbt {' '.join(args)} failed: {_failure_summary(result)}")
        return result

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run a read-only query on the project's database."""
        with duckdb.connect(str(self.database_path), read_only=True) as con:
            return con.execute(sql).fetchall()

    def query_df(self, sql: str) -> Any:
        with duckdb.connect(str(self.database_path), read_only=True) as con:
            return con.execute(sql).df()

    def reset(self) -> None:
        """Forget the database (a fresh warehouse)."""
        for path in (self.database_path, self.workdir / "journey.duckdb.wal"):
            if path.exists():
                path.unlink()
        shutil.rmtree(self.workdir / "target", ignore_errors=True)


def release_duckdb() -> None:
    """Close the database dbt-duckdb keeps open in-process, so tests can read the file."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        if environment is not None:
            environment.close()
            DuckDBConnectionManager._ENV = None


def _failure_summary(result: Any) -> str:
    if result.exception is not None:
        return repr(result.exception)
    lines: list[str] = []
    for node_result in getattr(result.result, "results", None) or []:
        status = str(getattr(node_result, "status", ""))
        if status.lower() in {"error", "fail"}:
            lines.append(f"{node_result.node.unique_id}: {node_result.message}")
    return "; ".join(lines) or "unknown failure"


def node_statuses(result: Any) -> dict[str, str]:
    """unique_id -> status of a dbt invocation result."""
    return {r.node.unique_id: str(r.status) for r in (result.result.results or [])}


def compare_tables(
    left: DbtProject, right: DbtProject, table: str, exclude: Sequence[str] = ()
) -> tuple[int, int]:
    """Rows only in left and only in right for one table (a two-way except)."""
    described = left.query(
        f"select column_name, data_type from information_schema.columns where table_name = '{table}' "
        "order by ordinal_position"
    )
    # floating-point sums depend on the order rows are added in: compare them to 6 decimals
    columns = [
        f"round({name}, 6) as {name}" if data_type in ("DOUBLE", "FLOAT", "REAL") else name
        for name, data_type in described
        if name not in exclude
    ]
    column_list = ", ".join(columns)
    with duckdb.connect() as con:
        con.execute(f"attach '{left.database_path}' as l (read_only)")
        con.execute(f"attach '{right.database_path}' as r (read_only)")
        only_left = con.execute(
            f"select count(*) from (select {column_list} from l.main.{table} "
            f"except all select {column_list} from r.main.{table})"
        ).fetchone()[0]
        only_right = con.execute(
            f"select count(*) from (select {column_list} from r.main.{table} "
            f"except all select {column_list} from l.main.{table})"
        ).fetchone()[0]
    return int(only_left), int(only_right)
