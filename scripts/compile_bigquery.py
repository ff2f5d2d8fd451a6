#!/usr/bin/env python3
"""Offline BigQuery compile check for the journey dbt package.

Compiles the project for BigQuery without a network or credentials (a throw-away profile with a
locally generated service-account key, ``--no-populate-cache``), once per incremental mode:

* ``full``: ``journey__offline_compile: full`` compiles the full-refresh branch;
* ``incremental``: ``journey__offline_compile: incremental`` compiles the incremental branch
  (``journey.is_incremental_run()`` answers from the var, so no warehouse query is made).

Then every compiled ``.sql`` file (models, analyses, data tests) and every model hook is
checked: parsed with sqlglot's BigQuery dialect (error level RAISE), scanned for DuckDB-only
syntax that sqlglot accepts but BigQuery rejects or misreads, and checked against a few
BigQuery semantic rules that a parser does not know. Python models are compiled but not parsed.
Unit tests are excluded: compiling them needs the warehouse's column types.

dbt runs in-process. Any attempt to reach Google during the compile (an introspective query:
``run_query``, ``is_incremental()``, ``adapter.get_relation``...) fails at once with the name of
the node, instead of hanging on Google's token endpoint.

Nothing is written inside the project: profiles, key file, target and log paths live in a
temporary directory (or ``--work-dir``). Exit status 0 when every check passes, 1 otherwise.

Usage: python scripts/compile_bigquery.py [--vars '{journey__source_snowplow_enabled: true}']
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError

REPO_ROOT = Path(__file__).resolve().parent.parent
PROFILE_NAME = "journey"
TARGET_NAME = "bigquery_offline"
GCP_PROJECT = "journey-offline"
DATASET = "journey_ci"
MODE_VAR = "journey__offline_compile"
MODES: tuple[str, ...] = ("full", "incremental")
# A compiled line (or the line before it) that carries this comment is exempt from the
# denylist and the BigQuery rules, e.g. `-- bq-compile-check: ignore` in a model.
IGNORE_PRAGMA = "bq-compile-check: ignore"
HOOK_MARKER = "-- journey-bq-compile-check hook"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


# --------------------------------------------------------------------------------------------
# Findings and the SQL checks (pure functions: no dbt needed)
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem in one compiled file: where, which check, what."""

    path: str
    line: int | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: [{self.rule}] {self.message}"


# DuckDB (or PostgreSQL) syntax that BigQuery rejects; matched outside strings and comments.
DENYLIST: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("::", re.compile(r"::"), "'::' cast is not BigQuery; use cast(x as type) or safe_cast"),
    (
        "try_cast",
        re.compile(r"\btry_cast\s*\(", re.IGNORECASE),
        "try_cast() is DuckDB; BigQuery has safe_cast() (use journey.try_cast)",
    ),
    (
        "regexp_matches",
        re.compile(r"\bregexp_(?:matches|full_match)\s*\(", re.IGNORECASE),
        "regexp_matches() is DuckDB; BigQuery has regexp_contains() (journey.regexp_contains)",
    ),
    (
        "epoch",
        re.compile(r"\bepoch(?:_us|_ms|_ns)?\s*\(", re.IGNORECASE),
        "epoch*() is DuckDB; BigQuery has unix_seconds()/unix_micros() or "
        "timestamp_diff (journey.seconds_between)",
    ),
    (
        "list_",
        re.compile(r"\blist_[a-z0-9_]*\s*\(", re.IGNORECASE),
        "list_*() functions are DuckDB; BigQuery uses ARRAY functions and UNNEST",
    ),
    (
        "struct_pack",
        re.compile(r"\bstruct_pack\s*\(", re.IGNORECASE),
        "struct_pack() is DuckDB; BigQuery builds structs with STRUCT(x AS a, ...)",
    ),
    (
        "json_extract_string",
        re.compile(r"\bjson_extract_string\s*\(", re.IGNORECASE),
        "json_extract_string() is DuckDB; BigQuery has json_value() (journey.json_extract_string)",
    ),
    (
        "read_files",
        re.compile(r"\bread_(?:parquet|csv|csv_auto|json|json_auto|ndjson)\s*\(", re.IGNORECASE),
        "read_parquet()/read_csv() are DuckDB table functions; on BigQuery use a source table",
    ),
    (
        "strftime",
        re.compile(r"\bstr[fp]time\s*\(", re.IGNORECASE),
        "strftime()/strptime() are DuckDB; BigQuery has format_timestamp()/parse_timestamp()",
    ),
    (
        "ilike",
        re.compile(r"\bilike\b", re.IGNORECASE),
        "ILIKE is not BigQuery; use lower(x) like lower(pattern)",
    ),
    (
        "exclude",
        re.compile(r"\*\s*exclude\s*\(", re.IGNORECASE),
        "SELECT * EXCLUDE (...) is DuckDB; BigQuery spells it SELECT * EXCEPT (...)",
    ),
    (
        "interval_string",
        re.compile(
            r"\binterval\s+'[^']*'(?!\s*(?:year|quarter|month|week|day|hour|minute|second"
            r"|millisecond|microsecond)\b)",
            re.IGNORECASE,
        ),
        "interval '1 day' is DuckDB; BigQuery writes interval 1 day",
    ),
    (
        "now",
        re.compile(r"\bnow\s*\(\s*\)", re.IGNORECASE),
        "now() is not BigQuery; use current_timestamp()",
    ),
    (
        "generate_series",
        re.compile(r"\b(?:generate_series|range)\s*\(", re.IGNORECASE),
        "generate_series()/range() are DuckDB; BigQuery has generate_array()/"
        "generate_date_array()/generate_timestamp_array()",
    ),
    (
        "json_arrow",
        re.compile(r"->>"),
        "'->>' JSON operator is DuckDB/PostgreSQL; BigQuery has json_value()",
    ),
)

# Functions that BigQuery refuses to run with a window frame (ROWS/RANGE ...).
FRAMELESS_FUNCTIONS = frozenset(
    {
        "row_number",
        "rank",
        "dense_rank",
        "percent_rank",
        "cume_dist",
        "ntile",
        "lag",
        "lead",
        "percentile_cont",
        "percentile_disc",
    }
)

# sqlglot nodes for BigQuery functions that return DATETIME (dbt.dateadd compiles to one).
DATETIME_PRODUCERS: tuple[type[exp.Expression], ...] = tuple(
    cls
    for cls in (
        getattr(exp, name, None)
        for name in ("DatetimeAdd", "DatetimeSub", "DatetimeTrunc", "CurrentDatetime")
    )
    if isinstance(cls, type)
)
# A DATETIME value is fine when it is converted straight away.
DATETIME_CONSUMERS = frozenset({"cast", "trycast", "date", "timestamp"})


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def mask_sql(sql: str) -> tuple[str, list[int]]:
    """Blank out comments, string contents and backticked identifiers (newlines kept).

    Returns the masked text (same length as ``sql``, so offsets and lines still match) and the
    offsets of double-quoted literals, which BigQuery reads as strings, not identifiers.
    """
    out = list(sql)
    double_quoted: list[int] = []
    n = len(sql)
    i = 0

    def blank(start: int, end: int) -> None:
        for k in range(start, min(end, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        ch = sql[i]
        if sql.startswith("--", i) or ch == "#":
            end = sql.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            blank(i, end)
            i = end
        elif ch in ("'", '"'):
            if ch == '"':
                double_quoted.append(i)
            delim = ch * 3 if sql.startswith(ch * 3, i) else ch
            j = i + len(delim)
            while j < n and not sql.startswith(delim, j):
                j += 2 if sql[j] == "\\" else 1
            end = min(j + len(delim), n)
            blank(i + len(delim), min(j, n))
            i = end
        elif ch == "`":
            end = sql.find("`", i + 1)
            end = n if end < 0 else end + 1
            blank(i + 1, end - 1)
            i = end
        else:
            i += 1
    return "".join(out), double_quoted


def scan_denylist(sql: str, path: str) -> list[Finding]:
    """DuckDB-only syntax in compiled SQL, reported per line."""
    masked, double_quoted = mask_sql(sql)
    findings = [
        Finding(
            path,
            _line_of(sql, offset),
            "denylist",
            'double-quoted "..." is a string literal on BigQuery, not an identifier; quote '
            "identifiers with backticks (adapter.quote) and strings with single quotes",
        )
        for offset in double_quoted
    ]
    for name, pattern, message in DENYLIST:
        for match in pattern.finditer(masked):
            findings.append(
                Finding(path, _line_of(sql, match.start()), "denylist", f"{name}: {message}")
            )
    return findings


def _function_name(node: exp.Expression) -> str:
    while isinstance(node, exp.IgnoreNulls | exp.RespectNulls):
        node = node.this
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return node.key.lower()


def _line_in(node: exp.Expression) -> int | None:
    """The first source line sqlglot recorded for the node or one of its descendants."""
    for sub in node.walk():
        line = sub.meta.get("line") if sub.meta else None
        if isinstance(line, int):
            return line
    return None


def _window_frame(window: exp.Window) -> tuple[exp.Expression | None, str | None]:
    """The frame a window call runs with, following named windows; and that window's name."""
    spec = window.args.get("spec")
    if spec is not None:
        return spec, None
    name_node = window.args.get("alias")
    select = window.find_ancestor(exp.Select)
    definitions: dict[str, exp.Window] = {}
    if select is not None:
        for definition in select.args.get("windows") or []:
            definitions[str(definition.this.name).lower()] = definition
    seen: set[str] = set()
    while isinstance(name_node, exp.Identifier):
        name = str(name_node.name).lower()
        if name in seen or name not in definitions:
            return None, None
        seen.add(name)
        definition = definitions[name]
        if definition.args.get("spec") is not None:
            return definition.args["spec"], name
        name_node = definition.args.get("alias")
    return None, None


def bigquery_rules(statements: Sequence[exp.Expression | None], path: str) -> list[Finding]:
    """Semantic rules of BigQuery that parse fine but fail when the query runs."""
    findings: list[Finding] = []
    for statement in statements:
        if statement is None:
            continue
        for window in statement.find_all(exp.Window):
            if isinstance(window.this, exp.Identifier):  # a WINDOW clause definition
                continue
            function = _function_name(window.this)
            if function not in FRAMELESS_FUNCTIONS:
                continue
            frame, window_name = _window_frame(window)
            if frame is None:
                continue
            via = f" (through named window '{window_name}')" if window_name else ""
            findings.append(
                Finding(
                    path,
                    _line_in(window),
                    "bigquery",
                    f"{function}() over a window with a frame clause{via}: BigQuery fails with "
                    f"'Window framing clause is not allowed for analytic function {function}'; "
                    "give it an OVER (partition by ... order by ...) without ROWS/RANGE",
                )
            )
        for producer in statement.find_all(*DATETIME_PRODUCERS):
            parent = producer.parent
            if parent is not None and parent.key.lower() in DATETIME_CONSUMERS:
                continue
            name = producer.meta.get("bigquery_name") if producer.meta else None
            name = name or _function_name(producer)
            findings.append(
                Finding(
                    path,
                    _line_in(producer),
                    "bigquery",
                    f"{name}() returns DATETIME (dbt.dateadd compiles to datetime_add on "
                    "BigQuery); compared with or coalesced into a TIMESTAMP it fails with 'No "
                    "matching signature for operator ... TIMESTAMP, DATETIME'. Wrap it in "
                    "cast(... as timestamp) or use timestamp_add",
                )
            )
    return findings


def parse_bigquery(sql: str, path: str) -> tuple[list[exp.Expression | None], list[Finding]]:
    """Parse with sqlglot's BigQuery dialect; every parse error becomes a finding."""
    try:
        statements = sqlglot.parse(sql, read="bigquery", error_level=ErrorLevel.RAISE)
    except ParseError as error:
        findings = []
        for detail in error.errors or [{"description": str(error)}]:
            line = detail.get("line")
            highlight = detail.get("highlight")
            near = f" near '{highlight}'" if highlight else ""
            findings.append(
                Finding(
                    path,
                    line if isinstance(line, int) else None,
                    "parse",
                    f"{detail.get('description')}{near}",
                )
            )
        return [], findings
    except TokenError as error:
        return [], [Finding(path, None, "parse", f"tokenizer: {error}")]
    if not any(statement is not None for statement in statements):
        return [], [Finding(path, None, "parse", "compiled SQL is empty")]
    return list(statements), []


def _ignored_lines(sql: str) -> set[int]:
    lines: set[int] = set()
    for number, text in enumerate(sql.splitlines(), start=1):
        if IGNORE_PRAGMA in text:
            lines.update({number, number + 1})
    return lines


def check_sql(sql: str, path: str) -> list[Finding]:
    """All checks on one compiled SQL text: parse, BigQuery rules, DuckDB denylist."""
    statements, findings = parse_bigquery(sql, path)
    if statements:
        findings += bigquery_rules(statements, path)
    findings += scan_denylist(sql, path)
    ignored = _ignored_lines(sql)
    kept = [f for f in findings if f.rule == "parse" or f.line not in ignored]
    return sorted(set(kept), key=lambda f: (f.path, f.line or 0, f.rule, f.message))


# --------------------------------------------------------------------------------------------
# Offline profile
# --------------------------------------------------------------------------------------------


def fake_service_account_key() -> dict[str, str]:
    """A well-formed service-account key with a real, locally generated RSA private key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")
    email = f"offline-compile@{GCP_PROJECT}.iam.gserviceaccount.com"
    return {
        "type": "service_account",
        "project_id": GCP_PROJECT,
        "private_key_id": "0" * 40,
        "private_key": pem,
        "client_email": email,
        "client_id": "100000000000000000000",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": (
            "https://www.googleapis.com/robot/v1/metadata/x509/"
            + email.replace("@", "%40")
        ),
        "universe_domain": "googleapis.com",
    }


def write_offline_profile(directory: Path) -> Path:
    """Write keyfile.json and profiles.yml (profile journey, target bigquery_offline)."""
    directory.mkdir(parents=True, exist_ok=True)
    keyfile = directory / "keyfile.json"
    keyfile.write_text(json.dumps(fake_service_account_key(), indent=2), encoding="utf-8")
    keyfile.chmod(0o600)
    profile = {
        PROFILE_NAME: {
            "target": TARGET_NAME,
            "outputs": {
                TARGET_NAME: {
                    "type": "bigquery",
                    "method": "service-account",
                    "keyfile": str(keyfile),
                    "project": GCP_PROJECT,
                    "dataset": DATASET,
                    "threads": 1,
                    "location": "US",
                    "job_retries": 0,
                }
            },
        }
    }
    (directory / "profiles.yml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    return directory


# --------------------------------------------------------------------------------------------
# dbt in-process
# --------------------------------------------------------------------------------------------


class WarehouseAccessError(RuntimeError):
    """Raised when the offline compile tries to talk to Google."""


def _current_node() -> str:
    try:
        from dbt.adapters.factory import FACTORY

        adapter = FACTORY.adapters.get("bigquery")
        if adapter is not None:
            return str(adapter.connections.get_thread_connection().name)
    except Exception:  # best effort: only used to word the error
        pass
    return "a node"


@contextlib.contextmanager
def offline_network_guard() -> Iterator[None]:
    """Make every Google API or token request fail at once, naming the node that made it."""
    import google.auth.transport.requests as google_requests

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise WarehouseAccessError(
            f"offline BigQuery compile: {_current_node()} tried to query the warehouse at "
            f"compile time; guard the query with var('{MODE_VAR}') (see "
            "journey.is_incremental_run and journey.check_source_columns)"
        )

    originals = (google_requests.AuthorizedSession.request, google_requests.Request.__call__)
    google_requests.AuthorizedSession.request = refuse  # type: ignore[method-assign]
    google_requests.Request.__call__ = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        google_requests.AuthorizedSession.request = originals[0]  # type: ignore[method-assign]
        google_requests.Request.__call__ = originals[1]  # type: ignore[method-assign]


@dataclasses.dataclass
class DbtOutcome:
    success: bool
    errors: list[str]
    results: list[Any]


def run_dbt(args: list[str], verbose: bool = False) -> DbtOutcome:
    """Invoke dbt in-process with the network guard; collect error events."""
    from dbt.cli.main import dbtRunner

    errors: list[str] = []

    def on_event(event: Any) -> None:
        if event.info.level == "error":
            errors.append(ANSI_ESCAPE.sub("", event.info.msg).strip())

    log_args = [] if verbose else ["--log-level", "none", "--log-level-file", "debug"]
    with offline_network_guard():
        result = dbtRunner(callbacks=[on_event]).invoke([*args, *log_args])
    results = list(getattr(result.result, "results", None) or [])
    if result.exception is not None:
        message = ANSI_ESCAPE.sub("", str(result.exception)).strip()
        if not any(message in error for error in errors):
            errors.append(message)
    for node_result in results:
        status = str(getattr(node_result, "status", "")).lower()
        if status.endswith("error") or status.endswith("fail"):
            node = getattr(node_result, "node", None)
            name = getattr(node, "unique_id", "?")
            errors.append(f"{name}: {getattr(node_result, 'message', '')}")
    return DbtOutcome(success=bool(result.success), errors=errors, results=results)


# --------------------------------------------------------------------------------------------
# One mode: compile, then check the files and the hooks
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class ModeReport:
    mode: str
    seconds: float = 0.0
    compile_errors: list[str] = dataclasses.field(default_factory=list)
    findings: list[Finding] = dataclasses.field(default_factory=list)
    models: int = 0
    tests: int = 0
    analyses: int = 0
    hooks: int = 0
    python_models: int = 0

    @property
    def ok(self) -> bool:
        return not self.compile_errors and not self.findings


def _kind_of(relative: Path) -> str:
    if relative.parts[0] == "analyses":
        return "analysis"
    if relative.parts[0] == "tests" or any(
        part.endswith((".yml", ".yaml")) for part in relative.parts[:-1]
    ):
        return "test"
    return "model"


def collect_hooks(manifest: dict[str, Any], project_name: str) -> list[tuple[str, str]]:
    """(label, jinja) for each pre/post hook of the project's nodes and each on-run hook."""
    hooks: list[tuple[str, str]] = []
    for unique_id, node in sorted(manifest.get("nodes", {}).items()):
        if node.get("package_name") != project_name:
            continue
        if node.get("resource_type") == "operation":
            hooks.append((f"{unique_id}", str(node.get("raw_code", ""))))
            continue
        config = node.get("config") or {}
        for kind in ("pre_hook", "post_hook"):
            for index, hook in enumerate(config.get(kind) or []):
                sql = hook.get("sql") if isinstance(hook, dict) else hook
                if sql and str(sql).strip():
                    hooks.append((f"{unique_id} {kind}[{index}]", str(sql)))
    return hooks


def check_mode(
    mode: str,
    project_dir: Path,
    profiles_dir: Path,
    work_dir: Path,
    extra_vars: dict[str, Any],
    check_hooks: bool = True,
    verbose: bool = False,
) -> ModeReport:
    report = ModeReport(mode)
    started = time.perf_counter()
    target_path = work_dir / f"target-{mode}"
    dbt_vars = {**extra_vars, MODE_VAR: mode}
    base_args = [
        "compile",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir),
        "--target",
        TARGET_NAME,
        "--target-path",
        str(target_path),
        "--log-path",
        str(work_dir / f"logs-{mode}"),
        "--no-populate-cache",
        "--no-send-anonymous-usage-stats",
        "--vars",
        json.dumps(dbt_vars),
    ]
    outcome = run_dbt([*base_args, "--exclude", "resource_type:unit_test"], verbose)
    report.compile_errors += outcome.errors
    if not outcome.success and not outcome.errors:
        report.compile_errors.append("dbt compile failed (rerun with --verbose)")

    manifest_path = target_path / "manifest.json"
    manifest: dict[str, Any] = {}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    project_name = str(manifest.get("metadata", {}).get("project_name") or "journey")

    compiled_root = target_path / "compiled" / project_name
    for file in sorted(compiled_root.rglob("*.sql")) if compiled_root.exists() else []:
        relative = file.relative_to(compiled_root)
        kind = _kind_of(relative)
        if kind == "model":
            report.models += 1
        elif kind == "test":
            report.tests += 1
        else:
            report.analyses += 1
        report.findings += check_sql(file.read_text(encoding="utf-8"), relative.as_posix())
    report.python_models = sum(
        1
        for r in outcome.results
        if getattr(r.node, "resource_type", None) == "model"
        and getattr(r.node, "language", "sql") == "python"
    )

    if check_hooks and outcome.success:
        hooks = collect_hooks(manifest, project_name)
        report.hooks = len(hooks)
        report.findings += _check_hooks(hooks, base_args, verbose, report)
    report.seconds = time.perf_counter() - started
    return report


def _check_hooks(
    hooks: list[tuple[str, str]], base_args: list[str], verbose: bool, report: ModeReport
) -> list[Finding]:
    """Compile every hook in one inline query (split again by marker comments) and check it."""
    if not hooks:
        return []
    inline = "\n".join(f"{HOOK_MARKER} {index}\n{sql}" for index, (_, sql) in enumerate(hooks))
    outcome = run_dbt([*base_args, "--inline", inline], verbose)
    compiled = ""
    if outcome.results:
        compiled = str(getattr(outcome.results[0].node, "compiled_code", "") or "")
    if not outcome.success or not compiled:
        # Compile the hooks one by one to name the one that fails.
        for label, sql in hooks:
            single = run_dbt([*base_args, "--inline", sql], verbose)
            if not single.success:
                report.compile_errors += [f"hook {label}: {e}" for e in single.errors]
        return []
    findings: list[Finding] = []
    chunks = re.split(rf"^{re.escape(HOOK_MARKER)} (\d+)\s*$", compiled, flags=re.MULTILINE)
    for index_text, sql in zip(chunks[1::2], chunks[2::2], strict=True):
        label = hooks[int(index_text)][0]
        if sql.strip():
            findings += check_sql(sql.strip("\n"), f"hook {label}")
    return findings


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def parse_vars(texts: Sequence[str]) -> dict[str, Any]:
    """Merge --vars YAML dictionaries, later ones winning."""
    merged: dict[str, Any] = {}
    for text in texts:
        value = yaml.safe_load(text) if text.strip() else {}
        if value is None:
            continue
        if not isinstance(value, dict):
            raise argparse.ArgumentTypeError(f"--vars must be a YAML dictionary, got: {text!r}")
        merged.update(value)
    if MODE_VAR in merged:
        raise argparse.ArgumentTypeError(f"{MODE_VAR} is set by this script per mode")
    return merged


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=(
            "Compile the journey dbt project for BigQuery offline (full-refresh and incremental "
            "branches) and check the compiled SQL with sqlglot's BigQuery dialect, a DuckDB-only "
            "syntax denylist and BigQuery window/DATETIME rules."
        )
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=REPO_ROOT,
        help="dbt project to compile (default: this repository)",
    )
    parser.add_argument(
        "--vars",
        action="append",
        default=[],
        metavar="YAML",
        help="extra dbt vars (YAML dict), merged; repeatable, e.g. "
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
        help="keep profiles, compiled SQL and logs here instead of a temporary directory "
        "(must be outside the project's target/)",
    )
    parser.add_argument("--no-hooks", action="store_true", help="do not compile model hooks")
    parser.add_argument("--verbose", action="store_true", help="show dbt's own log output")
    return parser


def run_checks(
    project_dir: Path,
    work_dir: Path,
    extra_vars: dict[str, Any],
    modes: Sequence[str] = MODES,
    check_hooks: bool = True,
    verbose: bool = False,
) -> list[ModeReport]:
    profiles_dir = write_offline_profile(work_dir / "profiles")
    return [
        check_mode(mode, project_dir, profiles_dir, work_dir, extra_vars, check_hooks, verbose)
        for mode in modes
    ]


def summarize(reports: Sequence[ModeReport], seconds: float, out: Any = None) -> bool:
    out = out or sys.stdout
    ok = all(report.ok for report in reports)
    for report in reports:
        for error in report.compile_errors:
            print(f"FAIL [{report.mode}] dbt compile: {error}", file=out)
        for finding in report.findings:
            print(f"FAIL [{report.mode}] {finding}", file=out)
    parts = []
    for r in reports:
        skipped = f", {r.python_models} python skipped" if r.python_models else ""
        parts.append(
            f"{r.mode}: {r.models} models{skipped}, {r.tests} tests, {r.analyses} analyses, "
            f"{r.hooks} hooks ({r.seconds:.1f}s)"
        )
    detail = "; ".join(parts)
    if ok:
        print(f"OK BigQuery offline compile: {detail}; {seconds:.1f}s total", file=out)
    else:
        problems = sum(len(r.compile_errors) + len(r.findings) for r in reports)
        print(
            f"FAILED BigQuery offline compile: {problems} problem(s); {detail}; "
            f"{seconds:.1f}s total",
            file=out,
        )
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        extra_vars = parse_vars(args.vars)
    except (argparse.ArgumentTypeError, yaml.YAMLError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    project_dir = args.project_dir.resolve()
    modes = tuple(dict.fromkeys(args.modes or MODES))
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if args.work_dir is not None:
            work_dir = args.work_dir.resolve()
            if work_dir.is_relative_to(project_dir / "target"):
                print("error: --work-dir must not be inside the project's target/", file=sys.stderr)
                return 2
            work_dir.mkdir(parents=True, exist_ok=True)
        else:
            work_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bq-compile-")))
        reports = run_checks(
            project_dir, work_dir, extra_vars, modes, not args.no_hooks, args.verbose
        )
        ok = summarize(reports, time.perf_counter() - started)
    if not ok and args.work_dir is None:
        print("(rerun with --work-dir DIR to keep the compiled SQL; line numbers refer to it)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
