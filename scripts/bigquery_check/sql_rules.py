"""Checks of one compiled SQL text for BigQuery, on top of sqlglot's BigQuery dialect.

sqlglot parses the text (a syntax error is a finding) but accepts, and silently rewrites,
DuckDB spellings BigQuery rejects or misreads (``x::int64``, ``try_cast``, ``"name"``...):
those are found on sqlglot's BigQuery tokens, so strings, comments and backticked names are
never matched. Two BigQuery rules no parser knows are checked on the parse tree: no window frame
on row_number/rank/lag..., and no DATETIME (dbt.dateadd) left to meet a TIMESTAMP. A line, or the
line after a comment ``-- bq-compile-check: ignore``, is exempt from all but the parse.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.bigquery import BigQuery
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.tokens import Token, TokenType

IGNORE_PRAGMA = "bq-compile-check: ignore"

# Functions called with a DuckDB name (a regex of the whole name) -> the BigQuery way.
DUCKDB_FUNCTIONS: dict[str, str] = {
    "try_cast": "safe_cast() (journey.try_cast)",
    "regexp_(?:matches|full_match)": "regexp_contains() (journey.regexp_contains)",
    "epoch(?:_us|_ms|_ns)?": "unix_seconds()/unix_micros() or timestamp_diff (journey.seconds_between)",
    "list_[a-z0-9_]*": "ARRAY functions and UNNEST",
    "struct_pack": "STRUCT(x AS a, ...)",
    "json_extract_string": "json_value() (journey.json_extract_string)",
    "read_(?:parquet|csv|csv_auto|json|json_auto|ndjson)": "a source table",
    "str[fp]time": "format_timestamp()/parse_timestamp()",
    "generate_series": "generate_array()/generate_date_array()/generate_timestamp_array()",
    "now": "current_timestamp()",
}
DUCKDB_FUNCTION = re.compile("|".join(f"(?:{p})" for p in DUCKDB_FUNCTIONS), re.IGNORECASE)
# Operators sqlglot reads as BigQuery but BigQuery does not have.
DUCKDB_OPERATORS: dict[TokenType, str] = {
    TokenType.DCOLON: ":: cast is not BigQuery; use cast(x as type) or safe_cast",
    TokenType.DARROW: "->> JSON operator is DuckDB/PostgreSQL; BigQuery has json_value()",
    TokenType.ILIKE: "ilike is not BigQuery; use lower(x) like lower(pattern)",
}
INTERVAL_UNITS = frozenset(
    [
        "year",
        "quarter",
        "month",
        "week",
        "day",
        "hour",
        "minute",
        "second",
        "millisecond",
        "microsecond",
    ]
)
# Functions BigQuery refuses to run with a window frame (ROWS/RANGE ...).
FRAMELESS_FUNCTIONS = frozenset(
    [
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
    ]
)
# sqlglot nodes of BigQuery functions that return DATETIME (dbt.dateadd compiles to one), and
# the parents that convert a DATETIME straight away.
DATETIME_PRODUCERS = (exp.DatetimeAdd, exp.DatetimeSub, exp.DatetimeTrunc, exp.CurrentDatetime)
DATETIME_CONSUMERS = frozenset({"cast", "trycast", "date", "timestamp"})


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


def _duckdb_spelling(tokens: Sequence[Token], index: int, sql: str) -> str | None:
    """Why token `index` is DuckDB, not BigQuery; None when it is fine."""
    token = tokens[index]
    after = tokens[index + 1 : index + 3]
    kind, text = token.token_type, token.text.lower()
    if kind == TokenType.STRING and sql[token.start] == '"':
        return (
            'double-quoted "..." is a string literal on BigQuery, not an identifier; quote '
            "identifiers with backticks (adapter.quote) and strings with single quotes"
        )
    if kind in DUCKDB_OPERATORS:
        return DUCKDB_OPERATORS[kind]
    if kind == TokenType.STAR and [t.text.lower() for t in after] == ["exclude", "("]:
        return "exclude: SELECT * EXCLUDE (...) is DuckDB; BigQuery spells it SELECT * EXCEPT (...)"
    if (
        kind == TokenType.INTERVAL
        and after[:1]
        and after[0].token_type == TokenType.STRING
        and (len(after) < 2 or after[1].text.lower() not in INTERVAL_UNITS)
    ):
        return "interval_string: interval '1 day' is DuckDB; BigQuery writes interval 1 day"
    called = after[:1] and after[0].token_type == TokenType.L_PAREN
    if kind == TokenType.VAR and called and DUCKDB_FUNCTION.fullmatch(text):
        hint = next(v for p, v in DUCKDB_FUNCTIONS.items() if re.fullmatch(p, text, re.I))
        return f"{text}: {text}() is DuckDB; BigQuery has {hint}"
    return None


def scan_denylist(sql: str, path: str) -> list[Finding]:
    """DuckDB-only syntax in compiled SQL, one finding per token (strings and comments skipped)."""
    try:
        tokens = BigQuery().tokenize(sql)
    except TokenError:
        return []  # parse_bigquery reports it
    return [
        Finding(path, token.line, "denylist", message)
        for index, token in enumerate(tokens)
        if (message := _duckdb_spelling(tokens, index, sql))
    ]


def _function_name(node: exp.Expression) -> str:
    while isinstance(node, exp.IgnoreNulls | exp.RespectNulls):
        node = node.this
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower() if isinstance(node, exp.Func) else node.key.lower()


def _line_in(node: exp.Expression) -> int | None:
    """The first source line sqlglot recorded for the node or one of its descendants."""
    return next((s.meta["line"] for s in node.walk() if s.meta and "line" in s.meta), None)


def _window_frame(window: exp.Window) -> tuple[exp.Expression | None, str | None]:
    """The frame a window call runs with, following named windows; and that window's name."""
    if window.args.get("spec") is not None:
        return window.args["spec"], None
    select = window.find_ancestor(exp.Select)
    definitions = {
        str(d.this.name).lower(): d for d in (select.args.get("windows") or [] if select else [])
    }
    name_node, seen = window.args.get("alias"), set()
    while isinstance(name_node, exp.Identifier):
        name = str(name_node.name).lower()
        if name in seen or name not in definitions:
            return None, None
        seen.add(name)
        if definitions[name].args.get("spec") is not None:
            return definitions[name].args["spec"], name
        name_node = definitions[name].args.get("alias")
    return None, None


def bigquery_rules(statements: Sequence[exp.Expression], path: str) -> list[Finding]:
    """Semantic rules of BigQuery that parse fine but fail when the query runs."""
    findings: list[Finding] = []
    for statement in statements:
        for window in statement.find_all(exp.Window):
            function = _function_name(window.this)
            if isinstance(window.this, exp.Identifier) or function not in FRAMELESS_FUNCTIONS:
                continue  # a WINDOW clause definition, or a function that takes a frame
            frame, window_name = _window_frame(window)
            if frame is None:
                continue
            via = f" (through named window '{window_name}')" if window_name else ""
            message = (
                f"{function}() over a window with a frame clause{via}: BigQuery fails with "
                f"'Window framing clause is not allowed for analytic function {function}'; "
                "give it an OVER (partition by ... order by ...) without ROWS/RANGE"
            )
            findings.append(Finding(path, _line_in(window), "bigquery", message))
        for producer in statement.find_all(*DATETIME_PRODUCERS):
            if producer.parent is not None and producer.parent.key in DATETIME_CONSUMERS:
                continue
            message = (
                f"{_function_name(producer)}() returns DATETIME (dbt.dateadd compiles to "
                "datetime_add on BigQuery); compared with or coalesced into a TIMESTAMP it fails "
                "with 'No matching signature for operator ... TIMESTAMP, DATETIME'. Wrap it in "
                "cast(... as timestamp) or use timestamp_add"
            )
            findings.append(Finding(path, _line_in(producer), "bigquery", message))
    return findings


def incremental_cost_findings(
    model: dict[str, Any], compiled_sql: str | None, path: str, dataset: str
) -> list[Finding]:
    """Bytes an incremental run may bill on BigQuery, bounded where the design allows.

    The model must be partitioned and clustered on BigQuery (a run's merge and reads prune by
    them), and its incremental branch must read its own table (in `dataset`) by named columns:
    BigQuery bills every column a scan names. A read of the whole history itself is expected
    (late data of any age and erasures are found by event id), so no partition filter is asked.
    """
    name = model["name"]
    findings = [
        Finding(path, None, "cost", f"incremental model {name} has no {key} on BigQuery")
        for key in ("partition_by", "cluster_by")
        if not model.get(key)
    ]
    statements, _ = parse_bigquery(compiled_sql, path) if compiled_sql else ([], [])
    for statement in statements:
        for table in statement.find_all(exp.Table):
            select = table.find_ancestor(exp.Select)
            if (
                (table.name, table.db) == (name, dataset)
                and select is not None
                and any(isinstance(e, exp.Star) for e in select.expressions)
            ):
                message = (
                    f"the incremental branch reads every column of {name} itself (select *): "
                    "name the columns it needs"
                )
                findings.append(Finding(path, _line_in(table), "cost", message))
    return findings


def parse_bigquery(sql: str, path: str) -> tuple[list[exp.Expression], list[Finding]]:
    """Parse with sqlglot's BigQuery dialect; every parse error becomes a finding."""
    try:
        statements = sqlglot.parse(sql, read="bigquery", error_level=ErrorLevel.RAISE)
    except ParseError as error:
        return [], [
            Finding(
                path,
                detail.get("line") if isinstance(detail.get("line"), int) else None,
                "parse",
                f"{detail.get('description')}"
                + (f" near '{detail['highlight']}'" if detail.get("highlight") else ""),
            )
            for detail in error.errors or [{"description": str(error)}]
        ]
    except TokenError as error:
        return [], [Finding(path, None, "parse", f"tokenizer: {error}")]
    parsed = [statement for statement in statements if statement is not None]
    return parsed, [] if parsed else [Finding(path, None, "parse", "compiled SQL is empty")]


def check_sql(sql: str, path: str) -> list[Finding]:
    """All checks on one compiled SQL text: parse, BigQuery rules, DuckDB spellings."""
    statements, findings = parse_bigquery(sql, path)
    findings += bigquery_rules(statements, path) + scan_denylist(sql, path)
    ignored = {
        line
        for number, text in enumerate(sql.splitlines(), start=1)
        if IGNORE_PRAGMA in text
        for line in (number, number + 1)
    }
    kept = {f for f in findings if f.rule == "parse" or f.line not in ignored}
    return sorted(kept, key=lambda f: (f.path, f.line or 0, f.rule, f.message))
