"""A generated sample per size (made once, then reused) and its split into base and last load day."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[2]


@dataclass
class Split:
    """The events of a full build (base) and of the incremental day (increment)."""

    base_glob: str
    increment_glob: str
    base_events: int
    increment_events: int
    cut_at: datetime

    @property
    def total_events(self) -> int:
        return self.base_events + self.increment_events


def ensure_sample(root: Path, users: int, days: int, seed: int) -> Path:
    """Generate the sample for this size under `root` unless it is there already."""
    sample = root / f"sample-u{users}-d{days}-s{seed}"
    if (sample / "truth.json").exists():
        return sample
    command = [
        sys.executable,
        str(PROJECT_DIR / "scripts" / "generate_events.py"),
        f"--users={users}",
        f"--days={days}",
        f"--seed={seed}",
        f"--out={sample}",
        "--quiet",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"generating the sample failed:\n{done.stdout}\n{done.stderr}")
    return sample


def last_load_day(sample: Path) -> datetime:
    """Midnight UTC of the sample's last simulated day (truth.json's date range)."""
    truth = json.loads((sample / "truth.json").read_text())
    start = date.fromisoformat(truth["date_range"]["start"])
    last = start + timedelta(days=int(truth["date_range"]["days"]) - 1)
    return datetime(last.year, last.month, last.day)


def split_last_load_day(sample: Path, out: Path) -> Split:
    """Write rows loaded before the last simulated day to out/base, the rest to out/increment.

    The generator stamps every row with loaded_at (the event time, or 6-48 h later for late
    arrivals and late duplicates). The increment is what a daily load adds on the last day: that
    day's events plus late rows of earlier days loaded from its midnight on (loaded_at >= cut).
    """
    cut = last_load_day(sample)
    base, increment = out / "base", out / "increment"
    for folder in (base, increment):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    source = f"read_parquet('{sample}/events/*.parquet', union_by_name = true)"
    con = duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false")
        con.execute(
            f"copy (select * from {source} where loaded_at < ?) "
            f"to '{base}/part-base.parquet' (format parquet)",
            [cut],
        )
        con.execute(
            f"copy (select * from {source} where loaded_at >= ?) "
            f"to '{increment}/part-increment.parquet' (format parquet)",
            [cut],
        )
        n_base = con.execute(f"select count(*) from '{base}/part-base.parquet'").fetchone()
        n_inc = con.execute(f"select count(*) from '{increment}/part-increment.parquet'").fetchone()
        n_all = con.execute(f"select count(*) from {source}").fetchone()
    finally:
        con.close()
    assert n_base is not None and n_inc is not None and n_all is not None
    if n_base[0] + n_inc[0] != n_all[0]:
        raise SystemExit(
            f"split of {sample} lost rows: {n_base[0]} + {n_inc[0]} != {n_all[0]} "
            "(is loaded_at null somewhere?)"
        )
    if n_inc[0] == 0:
        raise SystemExit(f"no rows loaded on or after {cut} in {sample}: nothing to increment")
    return Split(
        base_glob=f"{base}/*.parquet",
        increment_glob=f"{increment}/*.parquet",
        base_events=int(n_base[0]),
        increment_events=int(n_inc[0]),
        cut_at=cut,
    )
