"""What the command-line runners outside dbt share (scripts/run_attribution.py, run_clv.py).

For warehouses without dbt Python models the runners read a mart table from DuckDB (or a file),
compute with the package's math, and write result tables back. This module holds that skeleton:
validated table names, reading a table into pandas, replacing a table with a frame (NaN stored
as NULL), and a file input read by extension. duckdb is imported only when a table is used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")


def quote_table_name(name: str) -> str:
    """Validate ``[catalog.][schema.]table`` and return it double-quoted."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain table name: {name!r}")
    return ".".join(f'"{part}"' for part in name.split("."))


def read_duckdb_table(database: Path, table: str) -> pd.DataFrame:
    """Every row of ``table`` in the DuckDB file ``database`` (opened read-only)."""
    import duckdb

    source = quote_table_name(table)  # before connecting: a bad name never opens the file
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(f"select * from {source}").df()


def _nullable(frame: pd.DataFrame) -> pd.DataFrame:
    """Float columns as nullable floats, so that NaN is stored as NULL."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == float:
            out[column] = out[column].astype("Float64")
    return out


def replace_duckdb_tables(database: Path, tables: Iterable[tuple[str, pd.DataFrame]]) -> None:
    """Create or replace each (table name, frame) in the DuckDB file ``database``; NaN -> NULL."""
    import duckdb

    with duckdb.connect(str(database)) as con:
        for name, frame in tables:
            target = quote_table_name(name)
            con.register("journey_runner_frame", _nullable(frame))
            con.execute(f"create or replace table {target} as select * from journey_runner_frame")
            con.unregister("journey_runner_frame")


def read_file(path: Path, fmt: str = "auto", as_text: bool = False) -> pd.DataFrame:
    """A CSV or Parquet file (``fmt`` auto: .parquet/.pq is Parquet, else CSV).

    ``as_text`` keeps every CSV value as text (numbers checked later, rows named by file line:
    the index starts at 2 for CSV, the header being line 1, and at 1 for Parquet).
    """
    if not path.exists():
        raise SystemExit(f"error: input file {path} does not exist")
    if fmt == "auto":
        fmt = "parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv"
    if fmt == "parquet":
        frame = pd.read_parquet(path)
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
        return frame
    frame = pd.read_csv(path, dtype=str if as_text else None, keep_default_na=True)
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")
    return frame
