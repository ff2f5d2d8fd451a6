"""Read-only access to the marts for the report: existence checks and small aggregated queries.

Every query the report runs aggregates in SQL; only a few hundred rows at most come back, so the
report costs the same on the 10M-event database as on the sample. Values are converted to plain
JSON types here (Decimal -> float, dates -> ISO text) so that charts can embed them directly.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


@dataclass
class Warehouse:
    """A DuckDB connection plus the schema holding the marts."""

    con: duckdb.DuckDBPyConnection
    schema: str
    _columns: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def open(cls, database: Path, schema: str | None = None) -> Warehouse:
        if not database.exists():
            raise FileNotFoundError(f"database {database} does not exist (run `dbt build` first)")
        con = duckdb.connect(str(database), read_only=True)
        warehouse = cls(con=con, schema=schema or detect_schema(con))
        if not warehouse.exists("fct_events"):
            con.close()
            raise LookupError(f"schema '{warehouse.schema}' of {database} has no fct_events table")
        return warehouse

    def columns(self, table: str) -> list[str]:
        """Column names of a mart, [] when it does not exist."""
        if table not in self._columns:
            found = self.con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [self.schema, table],
            ).fetchall()
            self._columns[table] = [name for (name,) in found]
        return self._columns[table]

    def exists(self, table: str) -> bool:
        return bool(self.columns(table))

    def tables_like(self, pattern: str) -> list[str]:
        found = self.con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = ? and table_name like ? order by 1",
            [self.schema, pattern],
        ).fetchall()
        return [name for (name,) in found]

    def rel(self, table: str) -> str:
        """Quoted, schema-qualified name of a mart, for SQL text."""
        return f'"{self.schema}"."{table}"'

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Run a query (use {name} placeholders for marts: they become qualified names)."""
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [
            {name: _plain(v) for name, v in zip(names, row, strict=True)}
            for row in cursor.fetchall()
        ]

    def close(self) -> None:
        self.con.close()


def detect_schema(con: duckdb.DuckDBPyConnection) -> str:
    """The schema that holds fct_events (the core mart every build has)."""
    found = con.execute(
        "select table_schema from information_schema.tables where table_name = 'fct_events' "
        "order by table_schema = 'main' desc, table_schema"
    ).fetchall()
    if not found:
        raise LookupError(
            "no fct_events table in this database: point --database at the DuckDB file that "
            "`dbt build` wrote, or pass --schema"
        )
    return str(found[0][0])
