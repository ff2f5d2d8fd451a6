"""dbt in-process for the offline compile: parse once, then compile each incremental mode.

Run as ``python -m bigquery_check.dbt_worker SPEC.json`` (a subprocess of the checker, so a
hang can be timed out): it writes a JSON report next to the spec with, per mode, the compiled
SQL of every model, analysis and selected data test (from dbt's own results) and the rendered
hooks. Unit tests are never compiled (they need the warehouse's column types), nor Python models
(not SQL, and their code calls is_incremental(), a warehouse query).
"""

from __future__ import annotations

import gc
import json
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bigquery_check.offline import MODE_VAR, TARGET_NAME, offline_network_guard

HOOK_MARKER = "-- journey-bq-compile-check hook"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def _clean(text: object) -> str:
    return ANSI_ESCAPE.sub("", str(text)).strip()


def _resource_type(node: Any) -> str:
    return str(getattr(node.resource_type, "value", node.resource_type)).lower()


def invoke_dbt(
    args: list[str], manifest: Any = None, verbose: bool = False
) -> tuple[Any, list[str]]:
    """Run one dbt command in-process; return dbt's result object and its error messages."""
    from multiprocessing.pool import ThreadPool

    from dbt.cli.main import dbtRunner

    events: list[str] = []

    def on_event(event: Any) -> None:
        if event.info.level == "error":
            events.append(_clean(event.info.msg))

    log_args = [] if verbose else ["--log-level", "none", "--log-level-file", "debug"]
    result = dbtRunner(manifest=manifest, callbacks=[on_event]).invoke([*args, *log_args])
    if not result.success:
        # a failed compile leaves its thread pool compiling the queued nodes, which would fire
        # into (and break) the next command of this process
        for obj in gc.get_objects():
            if isinstance(obj, ThreadPool):
                obj.terminate()
    errors = [
        f"{r.node.unique_id}: {_clean(r.message)}"
        for r in getattr(result.result, "results", None) or []
        if str(r.status).lower().endswith(("error", "fail"))
    ]
    if result.exception is not None:
        errors.append(_clean(result.exception))
    if not result.success and not errors:
        errors = events or ["dbt failed without a message (rerun with --verbose)"]
    return result, list(dict.fromkeys(errors))


def uncompiled(manifest: Any) -> Any:
    """The parsed manifest, made ready for another compile.

    Compiling marks nodes (compiled code, ephemeral CTEs injected): reset those marks so the next
    compile renders every node again with its own vars, and drop inline query nodes. Copies do
    not work in dbt 1.11: Manifest.deepcopy() fails on disabled nodes and a pickled manifest
    mixes up its lookups.
    """
    from dbt.contracts.graph.nodes import CompiledNode

    for unique_id in [k for k, n in manifest.nodes.items() if _resource_type(n) == "sql_operation"]:
        del manifest.nodes[unique_id]
    for node in manifest.nodes.values():
        if isinstance(node, CompiledNode):
            node.extra_ctes_injected, node.extra_ctes = False, []
            node.compiled, node.compiled_code = False, None
    return manifest


def hooks_of(manifest: Any, project_name: str) -> list[tuple[str, str]]:
    """(label, jinja) of every pre/post hook of the project's SQL nodes and every on-run hook."""
    hooks: list[tuple[str, str]] = []
    for unique_id, node in sorted(manifest.nodes.items()):
        if node.package_name != project_name or getattr(node, "language", "sql") == "python":
            continue
        if _resource_type(node) == "operation":
            hooks.append((unique_id, str(node.raw_code)))
            continue
        for kind in ("pre_hook", "post_hook"):
            for index, hook in enumerate(getattr(node.config, kind, None) or []):
                sql = str(getattr(hook, "sql", hook))
                if sql.strip():
                    hooks.append((f"{unique_id} {kind}[{index}]", sql))
    return hooks


def compile_hooks(
    hooks: list[tuple[str, str]], manifest: Any, args: list[str], verbose: bool
) -> tuple[list[dict[str, str]], list[str]]:
    """Render hooks with `dbt compile --inline`: all at once, one by one if that fails."""
    if not hooks:
        return [], []

    def inline(sql: str) -> tuple[str | None, list[str]]:
        result, errors = invoke_dbt([*args, "--inline", sql], uncompiled(manifest), verbose)
        results = getattr(result.result, "results", None) or []
        ok = result.success and results
        return (str(results[0].node.compiled_code or "") if ok else None), errors

    joined = "\n".join(f"{HOOK_MARKER} {index}\n{sql}" for index, (_, sql) in enumerate(hooks))
    compiled, _ = inline(joined)
    if compiled is not None:
        chunks = re.split(rf"^{re.escape(HOOK_MARKER)} (\d+)\s*$", compiled, flags=re.MULTILINE)
        return [
            {"label": hooks[int(index)][0], "sql": sql.strip("\n")}
            for index, sql in zip(chunks[1::2], chunks[2::2], strict=True)
        ], []
    rendered, hook_errors = [], []
    for label, sql in hooks:
        compiled, errors = inline(sql)
        if compiled is not None:
            rendered.append({"label": label, "sql": compiled})
        hook_errors += [f"hook {label}: {error}" for error in errors]
    return rendered, hook_errors


def selection(
    manifest: Any, project_name: str, tests: str, python_paths: Sequence[str]
) -> list[str]:
    """dbt node selection of one compile: SQL models, analyses and the chosen data tests.

    tests: 'all' (every data test), 'project' (singular tests and generic tests whose macro is
    the project's own; dbt's not_null/unique/... are dbt-bigquery's and known to work) or 'none'.
    """
    select = ["resource_type:model", "resource_type:analysis"]
    if tests == "all":
        select.append("resource_type:test")
    elif tests == "project":
        for node in manifest.nodes.values():
            metadata = getattr(node, "test_metadata", None)
            if _resource_type(node) != "test" or node.package_name != project_name:
                continue
            if metadata is None:
                select.append("test_type:singular")
            elif f"macro.{project_name}.test_{metadata.name}" in node.depends_on.macros:
                select.append(f"test_name:{metadata.name}")
    exclude = [f"path:{path}" for path in python_paths]
    return [
        *("--select", *sorted(set(select))),
        *("--indirect-selection", "empty"),
        *(("--exclude", *exclude) if exclude else ()),
    ]


def compiled_nodes(result: Any) -> list[dict[str, str]]:
    """Kind (model, test, analysis), file and compiled SQL of each node dbt compiled."""
    return [
        {
            "kind": _resource_type(r.node),
            # a YAML file declares many data tests: name the test too
            "path": str(r.node.original_file_path)
            + (f" ({r.node.name})" if _resource_type(r.node) == "test" else ""),
            "sql": str(r.node.compiled_code or ""),
        }
        for r in getattr(result.result, "results", None) or []
        if getattr(r.node, "compiled_code", None) is not None
    ]


def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Parse once, then compile each mode (dbt in-process, no network)."""
    work_dir = Path(spec["work_dir"])
    verbose = bool(spec.get("verbose"))
    modes: list[str] = list(spec["modes"])

    def common(mode: str, target: str) -> list[str]:
        return [
            *("--project-dir", spec["project_dir"], "--profiles-dir", spec["profiles_dir"]),
            *("--target", TARGET_NAME, "--target-path", str(work_dir / target)),
            *("--log-path", str(work_dir / "logs"), "--no-send-anonymous-usage-stats"),
            *("--vars", json.dumps({**spec["extra_vars"], MODE_VAR: mode})),
        ]

    report: dict[str, Any] = {"parse": {}, "modes": {}, "python_models": []}
    with offline_network_guard():
        started = time.perf_counter()
        parsed, errors = invoke_dbt(["parse", *common(modes[0], "target-parse")], verbose=verbose)
        manifest = parsed.result if parsed.success else None
        report["parse"] = {"ok": manifest is not None, "errors": errors}
        report["parse"]["seconds"] = time.perf_counter() - started
        if manifest is None:
            return report
        project_name = str(manifest.metadata.project_name or "journey")
        models = [
            node
            for node in manifest.nodes.values()
            if node.package_name == project_name and _resource_type(node) == "model"
        ]
        python_paths = sorted(n.original_file_path for n in models if n.language == "python")
        report["python_models"] = python_paths
        report["incremental_models"] = [
            {
                "name": node.name,
                "path": node.original_file_path,
                "partition_by": node.config.get("partition_by"),
                "cluster_by": node.config.get("cluster_by"),
            }
            for node in models
            if node.config.materialized == "incremental"
        ]
        for index, mode in enumerate(modes):
            started = time.perf_counter()
            # data tests do not depend on the mode: compiled with the first mode only
            tests = str(spec.get("tests", "project")) if index == 0 else "none"
            chosen = selection(manifest, project_name, tests, python_paths)
            args = ["compile", *common(mode, f"target-{mode}"), "--no-populate-cache"]
            compiled, errors = invoke_dbt([*args, *chosen], uncompiled(manifest), verbose)
            # read now: the nodes are the manifest's, which the hooks' compile resets
            nodes = compiled_nodes(compiled)
            hooks: list[dict[str, str]] = []
            if compiled.success and spec.get("check_hooks", True):
                # a separate target path: dbt writes the inline query's SQL there too
                hook_args = ["compile", *common(mode, f"hooks-{mode}"), "--no-populate-cache"]
                hooks, hook_errors = compile_hooks(
                    hooks_of(manifest, project_name), manifest, hook_args, verbose
                )
                errors += hook_errors
            report["modes"][mode] = {
                "ok": bool(compiled.success),
                "errors": errors,
                "nodes": nodes,
                "tests_compiled": tests != "none",
                "hooks": hooks,
                "seconds": time.perf_counter() - started,
            }
    return report


def main(argv: Sequence[str] | None = None) -> int:
    spec_path = Path((argv or sys.argv[1:])[0])
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    Path(spec["result_path"]).write_text(json.dumps(run(spec)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
