"""Serve the marts to BI from snapshot files, so dashboards never block or see a running build.

DuckDB lets one process write a database file; a dashboard that keeps the working database open
blocks the scheduled ``dbt build``, and one that reads while the build runs can see some marts
rebuilt and others not yet. Serving mode separates the two:

1. ``dbt build`` writes the working database (``JOURNEY_DUCKDB_PATH``) as usual; no BI reads it.
2. After a successful build, :func:`publish` copies the marts BI reads (models with an enforced
   contract, every model an exposure depends on, and any requested by name) as plain tables
   into a new DuckDB file, in one read transaction, with two metadata tables:
   ``_serving_snapshot`` (snapshot id, publish time, the dbt invocation id) and
   ``_serving_tables`` (row count per table). Tables, not views: a snapshot depends on neither
   the staging views nor the source files.
3. The new file is fsynced and renamed into ``<serving stem>.versions/<snapshot id>.duckdb``,
   then hard-linked to a temporary name next to the serving path and moved over it with
   ``os.replace``, which is atomic on POSIX: a reader that opens the serving path gets either
   the previous complete file or the new complete file, never a partial one or none.
4. The newest ``keep`` versions stay (``rollback`` goes back one); older ones are unlinked.
   On Linux and macOS a reader that still has an unlinked file open keeps reading it.

A build that failed (any error, failed test or skipped node in ``run_results.json``) is refused:
the live snapshot stays. Readers must connect read-only (``read_only=True`` / ``ACCESS_MODE
READ_ONLY``) and see the snapshot they opened until they reconnect.

DuckLake was the alternative (Parquet files plus a catalog with snapshots): it needs the
extension in every BI client and a catalog database that takes concurrent connections
(PostgreSQL or SQLite; a DuckDB catalog file has the single-writer problem again). A swapped
file needs nothing beyond a DuckDB driver, which is why it is used here.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

try:  # POSIX advisory locks serialise publishers; elsewhere publishes must not overlap
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

import duckdb

SNAPSHOT_TABLE = "_serving_snapshot"
TABLES_TABLE = "_serving_tables"
# dbt statuses of a node that leave its table complete and current
OK_STATUSES = frozenset({"success", "pass", "warn", "no-op"})
# dbt commands whose run_results.json describes a build of the tables
BUILD_COMMANDS = frozenset({"build", "run", "retry"})
SERVABLE_RESOURCES = frozenset({"model", "seed", "snapshot"})
_NEW_ALIAS = "journey_serving_new"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


class PublishError(RuntimeError):
    """The snapshot cannot be published; the live one is left as it was."""


@dataclass(frozen=True)
class BuildInfo:
    """What target/run_results.json says about the last dbt invocation."""

    invocation_id: str
    command: str
    generated_at: str
    dbt_version: str
    statuses: dict[str, str]


@dataclass(frozen=True)
class ServedTable:
    """A relation of the working database that a snapshot holds as a table."""

    unique_id: str
    schema: str
    name: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Snapshot:
    """One published snapshot file."""

    snapshot_id: str
    path: Path
    published_at: datetime
    invocation_id: str
    row_counts: dict[str, int]


def versions_dir(serving_path: Path) -> Path:
    """Folder holding the snapshot files of serving_path (same filesystem: hard links work)."""
    return serving_path.with_name(serving_path.stem + ".versions")


def read_build(target_path: Path) -> BuildInfo:
    """Read run_results.json; raise PublishError unless it records a complete, successful build."""
    path = target_path / "run_results.json"
    if not path.exists():
        raise PublishError(f"{path} not found: run `dbt build` before publishing")
    data = json.loads(path.read_text())
    metadata = data.get("metadata", {})
    command = str((data.get("args") or {}).get("which", "unknown"))
    if command not in BUILD_COMMANDS:
        raise PublishError(
            f"the last dbt command in {path} was '{command}', not one of "
            f"{sorted(BUILD_COMMANDS)}: run `dbt build` before publishing"
        )
    statuses = {
        str(result["unique_id"]): str(result["status"]).lower()
        for result in data.get("results", [])
    }
    bad = sorted((uid, status) for uid, status in statuses.items() if status not in OK_STATUSES)
    if bad:
        listed = ", ".join(f"{uid} ({status})" for uid, status in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise PublishError(
            f"dbt {command} {metadata.get('invocation_id')} did not succeed: {listed}{more}; "
            "the live snapshot is unchanged"
        )
    return BuildInfo(
        invocation_id=str(metadata.get("invocation_id", "")),
        command=command,
        generated_at=str(metadata.get("generated_at", "")),
        dbt_version=str(metadata.get("dbt_version", "")),
        statuses=statuses,
    )


def served_tables(manifest: dict[str, Any], requested: Iterable[str] = ()) -> list[ServedTable]:
    """The relations BI reads: contracted models, exposure dependencies and requested names.

    A requested name is a model, seed or snapshot name (or its unique id); an unknown name or an
    ephemeral model raises PublishError naming it.
    """
    nodes: dict[str, dict[str, Any]] = manifest.get("nodes", {})
    reasons: dict[str, list[str]] = {}

    def add(unique_id: str, reason: str) -> None:
        reasons.setdefault(unique_id, []).append(reason)

    for unique_id, node in nodes.items():
        contract = (node.get("config") or {}).get("contract") or {}
        if node.get("resource_type") == "model" and contract.get("enforced"):
            add(unique_id, "contract")
    for exposure in manifest.get("exposures", {}).values():
        for unique_id in exposure.get("depends_on", {}).get("nodes", []):
            if nodes.get(unique_id, {}).get("resource_type") in SERVABLE_RESOURCES:
                add(unique_id, f"exposure:{exposure['name']}")
    by_name: dict[str, list[str]] = {}
    for unique_id, node in nodes.items():
        if node.get("resource_type") in SERVABLE_RESOURCES:
            by_name.setdefault(str(node["name"]), []).append(unique_id)
    for name in requested:
        matches = [name] if name in nodes else by_name.get(name, [])
        if len(matches) != 1:
            problem = "is ambiguous" if matches else "is not a model, seed or snapshot"
            raise PublishError(f"requested table '{name}' {problem} in the manifest")
        add(matches[0], "requested")

    tables = []
    for unique_id, why in reasons.items():
        node = nodes[unique_id]
        config = node.get("config") or {}
        if config.get("materialized") == "ephemeral":
            raise PublishError(f"{unique_id} is ephemeral: there is no table to publish")
        name = str(node.get("alias") or node["name"])
        schema = str(node["schema"])
        for part in (schema, name):
            if not _IDENTIFIER.match(part):
                raise PublishError(f"{unique_id}: '{part}' is not a plain identifier")
        tables.append(ServedTable(unique_id, schema, name, tuple(dict.fromkeys(why))))
    if not tables:
        raise PublishError("nothing to publish: no contracted or exposed model in the manifest")
    return sorted(tables, key=lambda table: (table.schema, table.name))


def read_snapshot(path: Path) -> Snapshot:
    """Open a snapshot file read-only and return its metadata."""
    # duckdb.connect(path) would hand back a database this process already has open under the
    # same path, which after a swap is the previous snapshot; a fresh in-memory database that
    # attaches the path opens the file the path names now.
    try:
        with duckdb.connect() as con:
            con.execute(f"attach '{_sql_text(str(path))}' as snapshot (read_only)")
            snapshot_id, published_at, invocation_id = con.execute(
                f"select snapshot_id, published_at, invocation_id from snapshot.{SNAPSHOT_TABLE}"
            ).fetchone()
            counts = con.execute(
                f"select table_schema || '.' || table_name, row_count from snapshot.{TABLES_TABLE}"
            ).fetchall()
    except duckdb.IOException as error:
        raise PublishError(
            f"cannot read {path}; a process holding it read-write blocks publishing (BI "
            f"readers must connect read-only): {error}"
        ) from error
    except duckdb.Error as error:
        raise PublishError(f"{path} is not a published snapshot: {error}") from error
    return Snapshot(snapshot_id, path, published_at, invocation_id, dict(counts))


def live_snapshot(serving_path: Path) -> Snapshot | None:
    """The snapshot readers get now, or None when nothing is published yet."""
    return read_snapshot(serving_path) if serving_path.exists() else None


def list_versions(serving_path: Path) -> list[Path]:
    """The kept snapshot files, oldest first (snapshot ids sort by publish time)."""
    folder = versions_dir(serving_path)
    return sorted(folder.glob("*.duckdb")) if folder.is_dir() else []


def publish(
    database: Path,
    target_path: Path,
    serving_path: Path,
    *,
    keep: int = 3,
    requested: Sequence[str] = (),
    force: bool = False,
    progress: Callable[[Iterable[ServedTable]], Iterable[ServedTable]] | None = None,
) -> Snapshot | None:
    """Copy the served marts of a successful build into a new snapshot and swap it in.

    Returns the new snapshot, or None when the live snapshot already holds this dbt invocation
    (publishing it again could mix in tables that a later, unfinished build rewrote; ``force``
    publishes anyway). Raises PublishError, leaving the live snapshot as it was, when the build
    did not succeed, a table is missing or the working database is locked by a running build.
    """
    if keep < 1:
        raise PublishError(f"keep must be at least 1; got {keep}")
    database = database.absolute()
    serving_path = serving_path.absolute()
    if not database.exists():
        raise PublishError(f"working database {database} not found")
    if serving_path.exists() and serving_path.samefile(database):
        raise PublishError("the serving path must differ from the working database")
    build = read_build(target_path)
    manifest_path = target_path / "manifest.json"
    if not manifest_path.exists():
        raise PublishError(f"{manifest_path} not found: run `dbt build` before publishing")
    tables = served_tables(json.loads(manifest_path.read_text()), requested)

    folder = versions_dir(serving_path)
    folder.mkdir(parents=True, exist_ok=True)
    with _publish_lock(folder):
        live = live_snapshot(serving_path)
        if live is not None and live.invocation_id == build.invocation_id and not force:
            return None
        for stale in folder.glob("*.partial*"):  # left by a publisher that died: we hold the lock
            stale.unlink()
        published_at = datetime.now(UTC).replace(tzinfo=None)
        snapshot_id = f"{published_at:%Y%m%dT%H%M%S%fZ}-{build.invocation_id[:8]}"
        partial = folder / f"{snapshot_id}.partial"
        try:
            counts = _write_snapshot(
                partial, database, tables, build, snapshot_id, published_at, progress
            )
            final = folder / f"{snapshot_id}.duckdb"
            os.replace(partial, final)
            _swap_in(final, serving_path)
        finally:
            for leftover in (partial, partial.with_name(partial.name + ".wal")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
        prune(serving_path, keep)
    return Snapshot(snapshot_id, final, published_at, build.invocation_id, counts)


def rollback(serving_path: Path) -> Snapshot:
    """Serve the kept snapshot published just before the live one again."""
    serving_path = serving_path.absolute()
    folder = versions_dir(serving_path)
    with _publish_lock(folder):
        live = live_snapshot(serving_path)
        if live is None:
            raise PublishError(f"nothing is published at {serving_path}")
        older = [path for path in list_versions(serving_path) if path.stem < live.snapshot_id]
        if not older:
            raise PublishError(f"no kept snapshot older than {live.snapshot_id} to roll back to")
        _swap_in(older[-1], serving_path)
    return read_snapshot(serving_path)


def prune(serving_path: Path, keep: int) -> list[Path]:
    """Unlink all but the newest `keep` snapshot files, never the live one; return the removed.

    Readers that still have a removed file open keep reading it (POSIX unlink semantics); where
    the platform refuses to remove an open file it is left for the next publish.
    """
    versions = list_versions(serving_path)
    removed = []
    for path in versions[: max(len(versions) - keep, 0)]:
        if serving_path.exists() and path.samefile(serving_path):
            continue
        try:
            path.unlink()
        except PermissionError:  # pragma: no cover - Windows keeps open files
            continue
        removed.append(path)
    return removed


def _write_snapshot(
    path: Path,
    database: Path,
    tables: Sequence[ServedTable],
    build: BuildInfo,
    snapshot_id: str,
    published_at: datetime,
    progress: Callable[[Iterable[ServedTable]], Iterable[ServedTable]] | None,
) -> dict[str, int]:
    """Copy the tables in one read transaction of the working database, then flush the file."""
    # Views of the working database name their catalog (journey.main.x): attach it under the
    # name dbt-duckdb gives it, the file's stem.
    source = database.stem
    if source == _NEW_ALIAS:
        raise PublishError(f"rename the working database: '{_NEW_ALIAS}' is reserved")
    counts: dict[str, int] = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{_sql_text(str(path))}' as {_NEW_ALIAS}")
        try:
            con.execute(f"attach '{_sql_text(str(database))}' as \"{source}\" (read_only)")
        except duckdb.IOException as error:
            raise PublishError(
                f"cannot open the working database {database} read-only (is a build still "
                f"running?): {error}"
            ) from error
        con.execute("begin transaction")
        present = {
            (schema, name)
            for schema, name in con.execute(
                "select schema_name, table_name from duckdb_tables() where database_name = ? "
                "union all select schema_name, view_name from duckdb_views() "
                "where database_name = ?",
                [source, source],
            ).fetchall()
        }
        missing = [t.unique_id for t in tables if (t.schema, t.name) not in present]
        if missing:
            raise PublishError(f"not in {database}: {', '.join(missing)}; build them first")
        for table in progress(tables) if progress else tables:
            con.execute(f'create schema if not exists {_NEW_ALIAS}."{table.schema}"')
            target = f'{_NEW_ALIAS}."{table.schema}"."{table.name}"'
            con.execute(
                f'create table {target} as select * from "{source}"."{table.schema}"."{table.name}"'
            )
            counts[f"{table.schema}.{table.name}"] = con.execute(
                f"select count(*) from {target}"
            ).fetchone()[0]
        con.execute(
            f"create table {_NEW_ALIAS}.main.{SNAPSHOT_TABLE} as select "
            "?::varchar as snapshot_id, ?::timestamp as published_at, "
            "?::varchar as invocation_id, ?::varchar as dbt_command, "
            "?::varchar as build_generated_at, ?::varchar as dbt_version, "
            "?::varchar as source_database, ?::integer as table_count",
            [
                snapshot_id,
                published_at,
                build.invocation_id,
                build.command,
                build.generated_at,
                build.dbt_version,
                str(database),
                len(tables),
            ],
        )
        con.execute(
            f"create table {_NEW_ALIAS}.main.{TABLES_TABLE} (table_schema varchar, "
            "table_name varchar, unique_id varchar, row_count bigint, build_status varchar, "
            "served_because varchar)"
        )
        con.executemany(
            f"insert into {_NEW_ALIAS}.main.{TABLES_TABLE} values (?, ?, ?, ?, ?, ?)",
            [
                (
                    t.schema,
                    t.name,
                    t.unique_id,
                    counts[f"{t.schema}.{t.name}"],
                    build.statuses.get(t.unique_id, "not in this invocation"),
                    ", ".join(t.reasons),
                )
                for t in tables
            ],
        )
        con.execute("commit")
        con.execute(f"checkpoint {_NEW_ALIAS}")
        con.execute(f"detach {_NEW_ALIAS}")
    wal = path.with_name(path.name + ".wal")
    if wal.exists():  # the swapped-in file must hold everything: a reader never sees this WAL
        raise PublishError(f"{wal} remained after the checkpoint")
    _fsync(path)
    return counts


def _swap_in(snapshot_file: Path, serving_path: Path) -> None:
    """Atomically make serving_path a hard link to (or, failing that, a copy of) snapshot_file."""
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = serving_path.with_name(f".{serving_path.name}.{uuid.uuid4().hex}.tmp")
    try:
        try:
            os.link(snapshot_file, temporary)
        except OSError:  # filesystem without hard links: a full copy, still swapped atomically
            shutil.copyfile(snapshot_file, temporary)
            _fsync(temporary)
        os.replace(temporary, serving_path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    _fsync_dir(serving_path.parent)
    _fsync_dir(snapshot_file.parent)


@contextlib.contextmanager
def _publish_lock(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".publish.lock").open("a") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a folder
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _sql_text(value: str) -> str:
    return value.replace("'", "''")
