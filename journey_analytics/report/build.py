"""Build the report: query every section, render the page, write it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from journey_analytics.report import html, sections
from journey_analytics.report.warehouse import Warehouse

MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class ReportResult:
    path: Path
    charts: list[sections.Chart]
    size_bytes: int

    @property
    def drawn(self) -> list[sections.Chart]:
        return [c for c in self.charts if not c.is_empty]

    @property
    def empty(self) -> list[sections.Chart]:
        return [c for c in self.charts if c.is_empty]


def plotly_js() -> str:
    """The plotly.js bundle shipped inside the plotly Python package (no network)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def build_report(
    database: Path,
    out: Path,
    schema: str | None = None,
    progress: bool = True,
) -> ReportResult:
    wh = Warehouse.open(database, schema)
    charts: list[sections.Chart] = []
    try:
        steps = tqdm(sections.SECTIONS, desc="report", unit="section", disable=not progress)
        for name, make in steps:
            steps.set_postfix_str(name)
            charts.extend(make(wh))
    finally:
        wh.close()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    page = html.render(
        charts,
        plotly_js(),
        title="Journey analytics report",
        subtitle=f"{database} (schema {wh.schema}), built {stamp}",
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    size = out.stat().st_size
    if size > MAX_BYTES:
        raise RuntimeError(f"report {out} is {size:,} bytes, over the {MAX_BYTES:,} byte budget")
    return ReportResult(path=out, charts=charts, size_bytes=size)
