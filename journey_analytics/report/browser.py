"""Headless Chromium: check that every chart of a report drew, and take a screenshot.

Uses the `chromium` binary (Debian package `chromium`) with --dump-dom, which prints the DOM after
the page's scripts ran; the report's script marks each drawn chart ``data-rendered="true"`` and
records script errors on ``<html data-script-errors>``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--mute-audio"]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    binary = find_chromium()
    if binary is None:
        raise FileNotFoundError("no chromium on PATH (Debian: apt-get install -y chromium)")
    return subprocess.run(
        [binary, *FLAGS, *args], capture_output=True, text=True, timeout=timeout, check=True
    )


@dataclass(frozen=True)
class RenderCheck:
    """What the page's DOM says after its scripts ran."""

    chart_ids: list[str]
    rendered_ids: list[str]
    svg_counts: dict[str, int]
    empty_state_ids: list[str]
    script_errors: str | None
    ready: bool


def dump_dom(page: Path, timeout: float = 60) -> str:
    return _run(
        ["--virtual-time-budget=30000", "--dump-dom", page.resolve().as_uri()], timeout
    ).stdout


def check_render(page: Path) -> RenderCheck:
    dom = dump_dom(page)
    charts = re.findall(r'<div class="chart[^"]*" id="([^"]+)"([^>]*)>', dom)
    # plotly draws each chart's SVG layers inside its div: count them up to the next chart
    starts = [m.start() for m in re.finditer(r'<div class="chart[^"]*" id="', dom)] + [len(dom)]
    svg_counts = {
        chart_id: dom.count('class="main-svg"', starts[i], starts[i + 1])
        for i, (chart_id, _) in enumerate(charts)
    }
    errors = re.search(r'<html[^>]*data-script-errors="([^"]*)"', dom)
    return RenderCheck(
        chart_ids=[chart_id for chart_id, _ in charts],
        rendered_ids=[cid for cid, attrs in charts if 'data-rendered="true"' in attrs],
        svg_counts=svg_counts,
        empty_state_ids=re.findall(r'<div class="empty-state" id="([^"]+)"', dom),
        script_errors=errors.group(1) if errors else None,
        ready=bool(re.search(r'<html[^>]*data-report-ready="true"', dom)),
    )


def screenshot(page: Path, png: Path, width: int = 1240, height: int = 2600) -> Path:
    png.parent.mkdir(parents=True, exist_ok=True)
    _run(
        [
            "--virtual-time-budget=30000",
            f"--window-size={width},{height}",
            f"--screenshot={png.resolve()}",
            page.resolve().as_uri(),
        ],
        timeout=120,
    )
    return png
