#!/usr/bin/env python3
"""Offline BigQuery compile check for the journey dbt package.

Compiles the project for BigQuery without a network or credentials (a throw-away profile with a
locally generated service-account key, ``--no-populate-cache``), once per incremental mode:

* ``full``: ``journey__offline_compile: full`` compiles the full-refresh branch;
* ``incremental``: ``journey__offline_compile: incremental`` compiles the incremental branch
  (``journey.is_incremental_run()`` answers from the var, so no warehouse query is made).

Then every compiled ``.sql`` file and every rendered hook is checked: parsed with sqlglot's
BigQuery dialect (error level RAISE), scanned for DuckDB-only syntax that sqlglot accepts but
BigQuery rejects or misreads (a denylist, outside strings and comments), and checked against
BigQuery rules a parser does not know (no window frame on row_number/rank/lag...; no DATETIME
from dbt.dateadd left to meet a TIMESTAMP). A compiled line, or the line after a comment
``-- bq-compile-check: ignore``, is exempt from the last two. The denylist runs on sqlglot's
BigQuery tokens, so strings, comments and backticked names are never matched. Incremental
models are checked for cost: partition_by and cluster_by set on BigQuery, and the incremental
branch reading the model's own table by named columns (BigQuery bills each column scanned).

What is compiled: SQL models and analyses in both modes; singular tests and the project's own
generic tests (``--tests all`` adds dbt's built-in ones) with the first mode only, as tests do
not depend on it; model pre/post hooks and on-run hooks, rendered with ``dbt compile --inline``
(``this`` is then ``inline_query``). Not compiled: Python models (excluded: they are not SQL,
and their compiled code calls is_incremental(), a warehouse query) and unit tests (they need the
warehouse's column types).

dbt runs in a worker subprocess (killed after ``--timeout``), in-process there: one parse, then
one compile per mode from that manifest. Any attempt to reach Google meanwhile (``run_query``,
``is_incremental()``, ``adapter.get_relation``...) fails at once with the node's name instead of
retrying Google's token endpoint for many minutes.

Nothing is written inside the project: profiles, key file, target and log paths live in a
temporary directory (or ``--work-dir``). Exit status 0 when every check passes, 1 otherwise.

Usage: python scripts/compile_bigquery.py [--vars '{journey__source_snowplow_enabled: true}']
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from sqlglot import exp
from sqlglot.dialects.bigquery import BigQuery
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.tokens import Token, TokenType

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


# DuckDB (or PostgreSQL) syntax that BigQuery rejects or misreads though sqlglot parses it. The
# compiled SQL is tokenized by sqlglot's BigQuery tokenizer, so strings, comments and backticked
# names are never matched. Functions: a name token followed by '('.
DUCKDB_FUNCTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), message)
    for pattern, message in (
        ("try_cast", "try_cast() is DuckDB; BigQuery has safe_cast() (use journey.try_cast)"),
        (
            "regexp_(?:matches|full_match)",
            "regexp_matches() is DuckDB; BigQuery has regexp_contains() (journey.regexp_contains)",
        ),
        (
            "epoch(?:_us|_ms|_ns)?",
            "epoch*() is DuckDB; BigQuery has unix_seconds()/unix_micros() or timestamp_diff "
            "(journey.seconds_between)",
        ),
        (
            "list_[a-z0-9_]*",
            "list_*() functions are DuckDB; BigQuery uses ARRAY functions and UNNEST",
        ),
        (
            "struct_pack",
            "struct_pack() is DuckDB; BigQuery builds structs with STRUCT(x AS a, ...)",
        ),
        (
            "json_extract_string",
            "json_extract_string() is DuckDB; BigQuery has json_value() (journey.json_extract_string)",
        ),
        (
            "read_(?:parquet|csv|csv_auto|json|json_auto|ndjson)",
            "read_parquet()/read_csv() are DuckDB table functions; on BigQuery use a source table",
        ),
        (
            "str[fp]time",
            "strftime()/strptime() are DuckDB; BigQuery has format_timestamp()/parse_timestamp()",
        ),
        (
            "generate_series",
            "generate_series() is DuckDB/PostgreSQL; BigQuery has generate_array()/"
            "generate_date_array()/generate_timestamp_array()",
        ),
    )
)
DUCKDB_OPERATORS: dict[TokenType, str] = {
    TokenType.DCOLON: "::: '::' cast is not BigQuery; use cast(x as type) or safe_cast",
    TokenType.DARROW: "->>: '->>' JSON operator is DuckDB/PostgreSQL; BigQuery has json_value()",
    TokenType.ILIKE: "ilike: ILIKE is not BigQuery; use lower(x) like lower(pattern)",
}
INTERVAL_UNITS = frozenset(
    {"year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond"}
    | {"microsecond"}
)
NAME_TOKENS = frozenset({TokenType.VAR})

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


def scan_denylist(sql: str, path: str) -> list[Finding]:
    """DuckDB-only syntax in compiled SQL, reported per line (strings and comments skipped)."""
    try:
        tokens = BigQuery().tokenize(sql)
    except TokenError:
        return []  # parse_bigquery reports it

    def finding(token: Token, message: str) -> Finding:
        return Finding(path, _line_of(sql, token.start), "denylist", message)

    findings = []
    for index, token in enumerate(tokens):
        after = tokens[index + 1 : index + 3]
        kind, text = token.token_type, token.text.lower()
        if kind == TokenType.STRING and sql[token.start] == '"':
            findings.append(
                finding(
                    token,
                    'double-quoted "..." is a string literal on BigQuery, not an identifier; '
                    "quote identifiers with backticks (adapter.quote) and strings with single "
                    "quotes",
                )
            )
        elif kind in DUCKDB_OPERATORS:
            findings.append(finding(token, DUCKDB_OPERATORS[kind]))
        elif kind == TokenType.STAR and [t.text.lower() for t in after] == ["exclude", "("]:
            findings.append(
                finding(
                    token,
                    "exclude: SELECT * EXCLUDE (...) is DuckDB; BigQuery spells it "
                    "SELECT * EXCEPT (...)",
                )
            )
        elif (
            kind == TokenType.INTERVAL
            and after
            and after[0].token_type == TokenType.STRING
            and (len(after) < 2 or after[1].text.lower() not in INTERVAL_UNITS)
        ):
            findings.append(
                finding(
                    token,
                    "interval_string: interval '1 day' is DuckDB; BigQuery writes interval 1 day",
                )
            )
        elif kind in NAME_TOKENS and after and after[0].token_type == TokenType.L_PAREN:
            if text == "now" and len(after) > 1 and after[1].token_type == TokenType.R_PAREN:
                findings.append(
                    finding(token, "now: now() is not BigQuery; use current_timestamp()")
                )
            for pattern, message in DUCKDB_FUNCTIONS:
                if pattern.fullmatch(text):
                    findings.append(finding(token, f"{text}: {message}"))
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


def incremental_cost_findings(
    model: dict[str, Any], compiled_sql: str | None, path: str
) -> list[Finding]:
    """Bytes an incremental run may bill on BigQuery, bounded where the design allows.

    The model must be partitioned and clustered on BigQuery (a run's merge and reads prune by
    them), and its incremental branch must read its own table by named columns: BigQuery bills
    every column a scan names, and `select *` of a wide event table bills all of them. A read of
    the whole history itself is expected (late data of any age and erasures are found by
    comparing event ids), so no partition filter is required of it.
    """
    findings = []
    name = model["name"]
    for key in ("partition_by", "cluster_by"):
        if not model.get(key):
            findings.append(
                Finding(path, None, "cost", f"incremental model {name} has no {key} on BigQuery")
            )
    if compiled_sql is None:
        return findings
    statements, _ = parse_bigquery(compiled_sql, path)
    for statement in statements:
        for table in statement.find_all(exp.Table) if statement else []:
            if table.name != name or table.db != DATASET:
                continue
            select = table.find_ancestor(exp.Select)
            if select is not None and any(isinstance(e, exp.Star) for e in select.expressions):
                findings.append(
                    Finding(
                        path,
                        _line_in(table),
                        "cost",
                        f"the incremental branch reads every column of {name} itself "
                        "(select *): name the columns it needs",
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
            "https://www.googleapis.com/robot/v1/metadata/x509/" + email.replace("@", "%40")
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
# Worker: dbt in-process (run in a subprocess of the checker, so a hang can be timed out)
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
    """Make every Google API or token request fail at once, naming the node that made it.

    Without it, a query at compile time retries Google's token endpoint for many minutes.
    """
    import google.auth.transport.requests as google_requests

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise WarehouseAccessError(
            f"offline BigQuery compile: {_current_node()} tried to query the warehouse at "
            f"compile time (run_query, is_incremental(), adapter.get_relation...); guard it "
            f"with var('{MODE_VAR}') as journey.is_incremental_run and "
            "journey.check_source_columns do"
        )

    originals = (google_requests.AuthorizedSession.request, google_requests.Request.__call__)
    google_requests.AuthorizedSession.request = refuse  # type: ignore[method-assign]
    google_requests.Request.__call__ = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        google_requests.AuthorizedSession.request = originals[0]  # type: ignore[method-assign]
        google_requests.Request.__call__ = originals[1]  # type: ignore[method-assign]


def _clean(text: object) -> str:
    return ANSI_ESCAPE.sub("", str(text)).strip()


def _stop_thread_pools() -> None:
    """Stop the thread pools a failed dbt command leaves running.

    dbt compile stops at the first error without closing its pool: the pool goes on compiling
    the queued nodes and would fire into (and break) the next command of this process.
    """
    from multiprocessing.pool import ThreadPool

    for obj in gc.get_objects():
        if isinstance(obj, ThreadPool):
            obj.terminate()


def _invoke_dbt(
    args: list[str], manifest: Any = None, verbose: bool = False
) -> tuple[Any, list[str]]:
    """Run one dbt command in-process; return dbt's result object and its error messages."""
    from dbt.cli.main import dbtRunner

    events: list[str] = []

    def on_event(event: Any) -> None:
        if event.info.level == "error":
            events.append(_clean(event.info.msg))

    log_args = [] if verbose else ["--log-level", "none", "--log-level-file", "debug"]
    result = dbtRunner(manifest=manifest, callbacks=[on_event]).invoke([*args, *log_args])
    if not result.success:
        _stop_thread_pools()
    errors: list[str] = []
    for node_result in getattr(result.result, "results", None) or []:
        status = str(getattr(node_result, "status", "")).lower()
        if status.endswith(("error", "fail")):
            node_id = getattr(getattr(node_result, "node", None), "unique_id", "?")
            errors.append(f"{node_id}: {_clean(getattr(node_result, 'message', ''))}")
    if result.exception is not None:
        errors.append(_clean(result.exception))
    if not result.success and not errors:
        errors = events or ["dbt failed without a message (rerun with --verbose)"]
    return result, list(dict.fromkeys(errors))


def _uncompiled(manifest: Any) -> Any:
    """The parsed manifest, made ready for another compile.

    Compiling marks nodes (compiled code, ephemeral CTEs injected): reset those marks so the
    next compile renders every node again with its own vars, and drop inline query nodes.
    Copies do not work in dbt 1.11: Manifest.deepcopy() fails on disabled nodes and a pickled
    manifest mixes up its lookups.
    """
    for unique_id in [k for k, n in manifest.nodes.items() if _resource_type(n) == "sql_operation"]:
        del manifest.nodes[unique_id]
    from dbt.contracts.graph.nodes import CompiledNode

    for node in manifest.nodes.values():
        if isinstance(node, CompiledNode):
            node.extra_ctes_injected = False
            node.extra_ctes = []
            node.compiled = False
            node.compiled_code = None
    return manifest


def _hooks_of(manifest: Any, project_name: str) -> list[tuple[str, str]]:
    """(label, jinja) of every pre/post hook of the project's nodes and every on-run hook."""
    hooks: list[tuple[str, str]] = []
    for unique_id, node in sorted(manifest.nodes.items()):
        if node.package_name != project_name or getattr(node, "language", "sql") == "python":
            continue
        if str(node.resource_type) in ("operation", "NodeType.Operation"):
            hooks.append((unique_id, str(node.raw_code)))
            continue
        config = node.config
        for kind in ("pre_hook", "post_hook"):
            for index, hook in enumerate(getattr(config, kind, None) or []):
                sql = getattr(hook, "sql", hook)
                if sql and str(sql).strip():
                    hooks.append((f"{unique_id} {kind}[{index}]", str(sql)))
    return hooks


def _compile_hooks(
    hooks: list[tuple[str, str]], manifest: Any, args: list[str], verbose: bool
) -> tuple[list[dict[str, str]], list[str]]:
    """Render hooks with `dbt compile --inline`: all at once, one by one if that fails."""
    if not hooks:
        return [], []
    inline = "\n".join(f"{HOOK_MARKER} {index}\n{sql}" for index, (_, sql) in enumerate(hooks))
    result, errors = _invoke_dbt([*args, "--inline", inline], _uncompiled(manifest), verbose)
    results = getattr(result.result, "results", None) or []
    if result.success and results:
        compiled = str(getattr(results[0].node, "compiled_code", "") or "")
        chunks = re.split(rf"^{re.escape(HOOK_MARKER)} (\d+)\s*$", compiled, flags=re.MULTILINE)
        rendered = [
            {"label": hooks[int(index)][0], "sql": sql.strip("\n")}
            for index, sql in zip(chunks[1::2], chunks[2::2], strict=True)
        ]
        return rendered, []
    hook_errors: list[str] = []
    rendered = []
    for label, sql in hooks:
        result, errors = _invoke_dbt([*args, "--inline", sql], _uncompiled(manifest), verbose)
        results = getattr(result.result, "results", None) or []
        if result.success and results:
            compiled = str(getattr(results[0].node, "compiled_code", "") or "")
            rendered.append({"label": label, "sql": compiled})
        else:
            hook_errors += [f"hook {label}: {error}" for error in errors]
    return rendered, hook_errors


def _resource_type(node: Any) -> str:
    return str(getattr(node.resource_type, "value", node.resource_type)).lower()


def _selection(
    manifest: Any, project_name: str, tests: str, python_paths: Sequence[str]
) -> list[str]:
    """dbt node selection of one compile: SQL models, analyses and the chosen data tests.

    tests: 'all' (every data test), 'project' (singular tests and generic tests whose macro is
    the project's own; dbt's not_null/unique/... are dbt-bigquery's and known to work) or 'none'.
    Unit tests are never compiled: that needs the warehouse's column types.
    """
    select = ["resource_type:model", "resource_type:analysis"]
    if tests == "all":
        select.append("resource_type:test")
    elif tests == "project":
        names = set()
        for node in manifest.nodes.values():
            metadata = getattr(node, "test_metadata", None)
            if _resource_type(node) != "test" or node.package_name != project_name:
                continue
            if metadata is None:
                select.append("test_type:singular")
            elif f"macro.{project_name}.test_{metadata.name}" in node.depends_on.macros:
                names.add(metadata.name)
        select += [f"test_name:{name}" for name in sorted(names)]
    selection = ["--select", *dict.fromkeys(select), "--indirect-selection", "empty"]
    if python_paths:
        selection += ["--exclude", *(f"path:{path}" for path in python_paths)]
    return selection


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Parse once, then compile each mode from a copy of that manifest (dbt in-process)."""
    work_dir = Path(spec["work_dir"])
    verbose = bool(spec.get("verbose"))
    modes: list[str] = list(spec["modes"])

    def common(mode: str, target: Path) -> list[str]:
        return [
            "--project-dir",
            spec["project_dir"],
            "--profiles-dir",
            spec["profiles_dir"],
            "--target",
            TARGET_NAME,
            "--target-path",
            str(target),
            "--log-path",
            str(work_dir / "logs"),
            "--no-send-anonymous-usage-stats",
            "--vars",
            json.dumps({**spec["extra_vars"], MODE_VAR: mode}),
        ]

    report: dict[str, Any] = {"parse": {}, "modes": {}, "python_models": []}
    with offline_network_guard():
        started = time.perf_counter()
        parsed, errors = _invoke_dbt(
            ["parse", *common(modes[0], work_dir / "target-parse")], verbose=verbose
        )
        manifest = parsed.result if parsed.success else None
        report["parse"] = {
            "ok": manifest is not None,
            "errors": errors,
            "seconds": time.perf_counter() - started,
        }
        if manifest is None:
            return report
        project_name = str(manifest.metadata.project_name or "journey")
        report["project_name"] = project_name
        python_paths = sorted(
            node.original_file_path
            for node in manifest.nodes.values()
            if node.package_name == project_name
            and _resource_type(node) == "model"
            and getattr(node, "language", "sql") == "python"
        )
        report["python_models"] = python_paths
        report["incremental_models"] = [
            {
                "name": node.name,
                "path": node.original_file_path,
                "partition_by": node.config.get("partition_by"),
                "cluster_by": node.config.get("cluster_by"),
            }
            for node in manifest.nodes.values()
            if node.package_name == project_name
            and _resource_type(node) == "model"
            and node.config.materialized == "incremental"
        ]
        tests = str(spec.get("tests", "project"))
        for index, mode in enumerate(modes):
            started = time.perf_counter()
            target = work_dir / f"target-{mode}"
            # Data tests do not depend on the mode: they are compiled with the first mode only.
            selection = _selection(
                manifest, project_name, tests if index == 0 else "none", python_paths
            )
            mode_manifest = _uncompiled(manifest)
            args = ["compile", *common(mode, target), "--no-populate-cache"]
            compiled, errors = _invoke_dbt([*args, *selection], mode_manifest, verbose)
            hooks: list[dict[str, str]] = []
            hook_errors: list[str] = []
            if compiled.success and spec.get("check_hooks", True):
                # A separate target path: dbt writes the inline query's SQL there too.
                hook_args = [
                    "compile",
                    *common(mode, work_dir / f"hooks-{mode}"),
                    "--no-populate-cache",
                ]
                hooks, hook_errors = _compile_hooks(
                    _hooks_of(manifest, project_name), manifest, hook_args, verbose
                )
            report["modes"][mode] = {
                "ok": bool(compiled.success),
                "errors": errors + hook_errors,
                "target_path": str(target),
                "tests_compiled": index == 0 and tests != "none",
                "hooks": hooks,
                "seconds": time.perf_counter() - started,
            }
    return report


# --------------------------------------------------------------------------------------------
# Checker: run the worker, then check what it compiled
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
    incremental_models: int = 0
    tests_compiled: bool = False

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


def check_compiled(mode: str, outcome: dict[str, Any], project_name: str) -> ModeReport:
    """Check every compiled .sql file and every rendered hook of one mode."""
    report = ModeReport(
        mode,
        seconds=float(outcome.get("seconds", 0.0)),
        compile_errors=list(outcome.get("errors", [])),
        tests_compiled=bool(outcome.get("tests_compiled")),
    )
    compiled_root = Path(outcome["target_path"]) / "compiled" / project_name
    files = sorted(f for f in compiled_root.rglob("*.sql") if f.is_file())
    for file in files:
        relative = file.relative_to(compiled_root)
        kind = _kind_of(relative)
        if kind == "model":
            report.models += 1
        elif kind == "test":
            report.tests += 1
        else:
            report.analyses += 1
        report.findings += check_sql(file.read_text(encoding="utf-8"), relative.as_posix())
    for hook in outcome.get("hooks", []):
        report.hooks += 1
        if hook["sql"].strip():
            report.findings += check_sql(hook["sql"], f"hook {hook['label']}")
    if outcome.get("ok") and report.models == 0:
        report.compile_errors.append("dbt compile succeeded but wrote no model SQL")
    return report


def run_worker_process(spec: dict[str, Any], timeout: float) -> tuple[dict[str, Any], str]:
    """Run the worker in a fresh Python process; return its report and its output."""
    work_dir = Path(spec["work_dir"])
    spec_path = work_dir / "worker-spec.json"
    result_path = work_dir / "worker-result.json"
    spec_path.write_text(json.dumps({**spec, "result_path": str(result_path)}), encoding="utf-8")
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(spec_path)]
    try:
        completed = subprocess.run(
            command,
            capture_output=not spec.get("verbose"),
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {}, f"dbt worker timed out after {timeout:.0f}s (a compile-time query?)"
    output = (completed.stdout or "") + (completed.stderr or "")
    if not result_path.exists():
        return {}, f"dbt worker exited with {completed.returncode} without a report:\n{output}"
    return json.loads(result_path.read_text(encoding="utf-8")), output


def run_checks(
    project_dir: Path,
    work_dir: Path,
    extra_vars: dict[str, Any],
    modes: Sequence[str] = MODES,
    tests: str = "project",
    check_hooks: bool = True,
    verbose: bool = False,
    timeout: float = 600.0,
) -> list[ModeReport]:
    """Compile offline for each mode and check the output; one report per mode."""
    profiles_dir = write_offline_profile(work_dir / "profiles")
    spec = {
        "project_dir": str(project_dir),
        "profiles_dir": str(profiles_dir),
        "work_dir": str(work_dir),
        "modes": list(modes),
        "extra_vars": extra_vars,
        "tests": tests,
        "check_hooks": check_hooks,
        "verbose": verbose,
    }
    result, output = run_worker_process(spec, timeout)
    parse = result.get("parse", {})
    if not parse.get("ok"):
        errors = parse.get("errors") or [output.strip() or "dbt parse failed"]
        return [ModeReport(modes[0], compile_errors=[f"dbt parse: {e}" for e in errors])]
    project_name = str(result.get("project_name", "journey"))
    reports = []
    for mode in modes:
        outcome = result["modes"].get(mode)
        if outcome is None:
            reports.append(ModeReport(mode, compile_errors=["not compiled"]))
            continue
        report = check_compiled(mode, outcome, project_name)
        if mode == "incremental":
            compiled_root = Path(outcome["target_path"]) / "compiled" / project_name
            for model in result.get("incremental_models", []):
                compiled = compiled_root / model["path"]
                sql = compiled.read_text(encoding="utf-8") if compiled.exists() else None
                report.findings += incremental_cost_findings(model, sql, model["path"])
            report.incremental_models = len(result.get("incremental_models", []))
        if mode == modes[0]:
            report.seconds += float(parse.get("seconds", 0.0))
        reports.append(report)
    skipped = result.get("python_models") or []
    if skipped:
        print(f"note: {len(skipped)} Python model(s) not compiled: {', '.join(skipped)}")
    return reports


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
        raise argparse.ArgumentTypeError(f"{MODE_VAR} is set by this script, once per mode")
    return merged


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=(
            "Compile the journey dbt project for BigQuery offline (full-refresh and incremental "
            "branches) and check the compiled SQL: sqlglot's BigQuery parser, a denylist of "
            "DuckDB-only syntax, and BigQuery window-frame and DATETIME rules."
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
        help="extra dbt vars (a YAML dict) merged into both modes; repeatable, e.g. "
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
        "(not inside the project's target/)",
    )
    parser.add_argument(
        "--tests",
        choices=("project", "all", "none"),
        default="project",
        help="data tests to compile and check (with the first mode): 'project' (default: "
        "singular tests and the project's own generic tests), 'all' (dbt's built-in generic "
        "tests too; slower), 'none'",
    )
    parser.add_argument("--no-hooks", action="store_true", help="do not render and check hooks")
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds allowed for dbt (default 600)"
    )
    parser.add_argument("--verbose", action="store_true", help="show dbt's own log output")
    parser.add_argument("--worker", metavar="SPEC", help=argparse.SUPPRESS)
    return parser


def summarize(reports: Sequence[ModeReport], seconds: float) -> bool:
    """Print every problem, then one summary line; True when all is well."""
    ok = all(report.ok for report in reports)
    for report in reports:
        for error in report.compile_errors:
            print(f"FAIL [{report.mode}] dbt: {error}")
        for finding in report.findings:
            print(f"FAIL [{report.mode}] {finding}")
    parts = []
    for r in reports:
        tests = f"{r.tests} tests, " if r.tests_compiled else ""
        costs = f", {r.incremental_models} incremental cost checks" if r.incremental_models else ""
        parts.append(
            f"{r.mode}: {r.models} models, {tests}{r.analyses} analyses, {r.hooks} hooks"
            f"{costs} ({r.seconds:.1f}s)"
        )
    detail = "; ".join(parts)
    if ok:
        print(f"OK BigQuery offline compile + sqlglot parse: {detail}; {seconds:.1f}s total")
    else:
        problems = sum(len(r.compile_errors) + len(r.findings) for r in reports)
        print(f"FAILED BigQuery offline compile: {problems} problem(s); {detail}; {seconds:.1f}s")
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.worker:
        spec = json.loads(Path(args.worker).read_text(encoding="utf-8"))
        report = worker(spec)
        Path(spec["result_path"]).write_text(json.dumps(report), encoding="utf-8")
        return 0
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
            project_dir,
            work_dir,
            extra_vars,
            modes,
            tests=args.tests,
            check_hooks=not args.no_hooks,
            verbose=args.verbose,
            timeout=args.timeout,
        )
        ok = summarize(reports, time.perf_counter() - started)
    if not ok and args.work_dir is None:
        print("(line numbers refer to the compiled SQL: rerun with --work-dir DIR to keep it)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
