"""Validate the contracted marts with Great Expectations and write offline Data Docs.

Route (the one that works with GE 1.24 and DuckDB, see docs/notes): each mart is read with the
duckdb client into pandas (only the columns its suite uses; a reservoir sample above
``max_rows``), validated by a checkpoint whose action updates the Data Docs site. GE's Data Docs
load Bootstrap, jQuery and fonts from CDNs; ``make_offline`` strips every remote asset, drops
the scripts that need them, points the logo at the site's own copy and inlines a small
stylesheet, and ``write_index`` replaces GE's script-built index with a static summary table.
"""

from __future__ import annotations

import contextlib
import html
import io
import logging
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from tqdm import tqdm

from journey_analytics.quality.suites import MAY_BE_EMPTY, Suite, suites_by_mart

OFFLINE_CSS = """
body{font-family:system-ui,sans-serif;margin:0 24px;color:#222}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
.container-fluid,.row,.col-md-12{display:block}
.alert{padding:8px;border:1px solid #ddd;margin:8px 0}
.text-danger{color:#b00}.text-success{color:#070}
nav,footer,.ge-walkthrough-modal,.modal{display:none}
.fail{color:#b00;font-weight:600}.warn{color:#a60;font-weight:600}.ok{color:#070}
"""
REMOTE_ASSET = re.compile(
    r"<link[^>]+href=[\"']https?://[^>]*>|<script[^>]+src=[\"']https?://[^>]*>\s*</script>", re.I
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>.*?</script>", re.S | re.I)
REMOTE_CSS_URL = re.compile(r"url\(\s*['\"]?https?://[^)]*\)", re.I)
REMOTE_IMG = re.compile(r"(<img[^>]+src=)[\"']https?://[^\"']*[\"']", re.I)


@dataclass
class MartResult:
    mart: str
    rows: int
    validated_rows: int
    evaluated: int = 0
    failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing: bool = False
    docs_path: str | None = None

    @property
    def success(self) -> bool:
        return not self.failed and not self.missing


@dataclass
class QualityRun:
    results: list[MartResult]
    docs_index: Path

    @property
    def success(self) -> bool:
        return all(r.success for r in self.results)

    def summary(self) -> str:
        lines = [
            f"Great Expectations on {len(self.results)} contracted marts: "
            f"{sum(r.evaluated for r in self.results)} expectations, "
            f"{sum(len(r.failed) for r in self.results)} failed, "
            f"{sum(len(r.warnings) for r in self.results)} warnings."
        ]
        for r in self.results:
            if r.missing:
                lines.append(f"  MISSING {r.mart}: not in the database")
            for item in r.failed:
                lines.append(f"  FAILED  {r.mart}: {item}")
            for item in r.warnings:
                lines.append(f"  WARNING {r.mart}: {item}")
        lines.append(f"Data Docs (offline): {self.docs_index.resolve()}")
        return "\n".join(lines)


def build_expectations(
    suite: Suite, con: duckdb.DuckDBPyConnection, sampled: bool = False
) -> list[Any]:
    import great_expectations.expectations as gxe

    expectations = []
    if suite.mart not in MAY_BE_EMPTY:
        expectations.append(
            gxe.ExpectTableRowCountToBeBetween(
                min_value=1, notes="the mart holds rows (0 rows passes every dbt test)"
            )
        )
    for spec in suite.specs:
        if sampled and spec.whole_table:
            continue
        kwargs = spec.kwargs(con) if callable(spec.kwargs) else dict(spec.kwargs)
        kwargs.pop("row_condition_columns", None)
        cls = getattr(gxe, spec.expectation)
        expectations.append(cls(**kwargs, severity=spec.severity, notes=spec.why or None))
    return expectations


def describe(config: Any) -> str:
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id",)}
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{config.type}({args})"


def read_mart(
    con: duckdb.DuckDBPyConnection, mart: str, columns: set[str], max_rows: int
) -> tuple[Any, int]:
    total = con.execute(f'select count(*) from "{mart}"').fetchone()[0]
    present = {r[0] for r in con.execute(f'describe "{mart}"').fetchall()}
    wanted = sorted(columns & present) or sorted(present)[:1]
    select = ", ".join(f'"{c}"' for c in wanted)
    sample = f" using sample reservoir({max_rows} rows) repeatable (7)" if total > max_rows else ""
    return con.execute(f'select {select} from "{mart}"{sample}').df(), total


def run_quality(
    database: Path,
    docs_dir: Path,
    marts: list[str] | None = None,
    max_rows: int = 2_000_000,
    progress: bool = True,
) -> QualityRun:
    import great_expectations as gx

    suites = suites_by_mart()
    names = marts or sorted(suites)
    unknown = sorted(set(names) - set(suites))
    if unknown:
        raise KeyError(
            f"no Great Expectations suite for {unknown} (journey_analytics/quality/suites.py)"
        )
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    workdir = Path(tempfile.mkdtemp(prefix="journey-gx-"))
    con = duckdb.connect(str(database), read_only=True)
    results = []
    try:
        context = gx.get_context(mode="file", project_root_dir=str(workdir))
        source = context.data_sources.add_pandas("marts")
        present = {
            r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
        }
        for mart in tqdm(names, desc="great expectations", unit="mart", disable=not progress):
            if mart not in present:
                results.append(MartResult(mart, 0, 0, missing=True))
                continue
            suite = suites[mart]
            sampled = con.execute(f'select count(*) from "{mart}"').fetchone()[0] > max_rows
            expectations = build_expectations(suite, con, sampled)
            columns = set().union(*(s.columns() for s in suite.specs)) if suite.specs else set()
            columns |= {e.column for e in expectations if getattr(e, "column", None)}
            frame, total = read_mart(con, mart, columns, max_rows)
            batch = source.add_dataframe_asset(name=mart).add_batch_definition_whole_dataframe(
                "all"
            )
            gx_suite = context.suites.add(gx.ExpectationSuite(name=mart, expectations=expectations))
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=mart, data=batch, suite=gx_suite)
            )
            checkpoint = context.checkpoints.add(
                gx.Checkpoint(
                    name=f"{mart}_checkpoint",
                    validation_definitions=[definition],
                    actions=[],
                    result_format="SUMMARY",
                )
            )
            with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore")
                outcome = checkpoint.run(batch_parameters={"dataframe": frame})
            result = MartResult(mart, total, len(frame))
            for validation in outcome.run_results.values():
                for item in validation.results:
                    result.evaluated += 1
                    if item.success:
                        continue
                    observed = (item.result or {}).get("observed_value")
                    text = describe(item.expectation_config) + (
                        f" observed {observed}" if observed is not None else ""
                    )
                    severity = str(getattr(item.expectation_config, "severity", "critical"))
                    (result.warnings if "warning" in severity.lower() else result.failed).append(
                        text
                    )
            results.append(result)
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            context.build_data_docs()
        site = workdir / "gx" / "uncommitted" / "data_docs" / "local_site"
        if docs_dir.exists():
            shutil.rmtree(docs_dir)
        shutil.copytree(site, docs_dir)
    finally:
        con.close()
        shutil.rmtree(workdir, ignore_errors=True)
    make_offline(docs_dir)
    link_results(docs_dir, results)
    index = write_index(docs_dir, results, database)
    return QualityRun(results, index)


def make_offline(docs_dir: Path) -> None:
    """Strip remote assets from every Data Docs page and stylesheet: they render offline."""
    logo = "static/images/logo-long.png"
    for page in docs_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        depth = len(page.relative_to(docs_dir).parts) - 1
        text = REMOTE_ASSET.sub("", text)
        text = INLINE_SCRIPT.sub("", text)  # they all need jQuery or Bootstrap
        local_logo = "../" * depth + logo
        text = REMOTE_IMG.sub(lambda m, src=local_logo: f'{m.group(1)}"{src}"', text)
        text = REMOTE_CSS_URL.sub("none", text)
        text = text.replace("</head>", f"<style>{OFFLINE_CSS}</style></head>", 1)
        page.write_text(text, encoding="utf-8")
    for sheet in docs_dir.rglob("*.css"):
        sheet.write_text(REMOTE_CSS_URL.sub("none", sheet.read_text(encoding="utf-8")))


def link_results(docs_dir: Path, results: list[MartResult]) -> None:
    for result in results:
        pages = sorted((docs_dir / "validations" / result.mart).rglob("*.html"))
        if pages:
            result.docs_path = pages[-1].relative_to(docs_dir).as_posix()


def write_index(docs_dir: Path, results: list[MartResult], database: Path) -> Path:
    """A static index (GE's own builds its tables with jQuery): one row per mart."""
    rows = []
    for r in results:
        status = (
            '<span class="fail">missing</span>' if r.missing
            else '<span class="fail">failed</span>' if r.failed
            else '<span class="warn">warnings</span>' if r.warnings
            else '<span class="ok">passed</span>'
        )  # fmt: skip
        link = (
            f'<a href="{html.escape(r.docs_path)}">{html.escape(r.mart)}</a>'
            if r.docs_path
            else html.escape(r.mart)
        )
        sampled = "" if r.validated_rows == r.rows else f" (sample of {r.validated_rows:,})"
        notes = "<br>".join(html.escape(x) for x in [*r.failed, *r.warnings])
        rows.append(
            f"<tr><td>{link}</td><td>{status}</td><td>{r.rows:,}{sampled}</td>"
            f"<td>{r.evaluated}</td><td>{notes}</td></tr>"
        )
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Data quality: Great Expectations</title><style>{OFFLINE_CSS}</style></head><body>"
        f"<h1>Data quality of the contracted marts</h1><p>{html.escape(str(database.resolve()))}"
        " - Great Expectations suites from journey_analytics/quality/suites.py. Warnings are "
        "plausibility bands; failures are broken invariants.</p><table><tr><th>mart</th>"
        "<th>status</th><th>rows</th><th>expectations</th><th>failed / warnings</th></tr>"
        + "".join(rows)
        + "</table></body></html>\n"
    )
    index = docs_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
