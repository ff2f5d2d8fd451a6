"""The measurement framework: one North Star metric, the KPIs under it, leading indicators under
those, each a metric of models/semantic declared with

    config:
      meta:
        measurement_framework: {role: north_star | kpi | leading_indicator, parent: <metric>}

``load`` reads the declarations from dbt's target/manifest.json and checks them; every problem is
reported with the metric and the key at fault. Run as a module to print the tree:
``python -m journey_analytics.semantic.framework target/manifest.json``.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

META_KEY = "measurement_framework"
PARENT_ROLE = {"north_star": None, "kpi": "north_star", "leading_indicator": "kpi"}
ALLOWED_KEYS = {"role", "parent"}


class FrameworkError(ValueError):
    """A measurement framework declaration is wrong; the message names metric and key."""


@dataclass(frozen=True)
class Node:
    metric: str
    role: str
    parent: str | None
    label: str | None = None


def declarations(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """metric name -> its measurement_framework meta, for the metrics that declare one."""
    found = {}
    for metric in manifest.get("metrics", {}).values():
        meta = (metric.get("config") or {}).get("meta") or metric.get("meta") or {}
        if META_KEY in meta:
            found[metric["name"]] = {**meta[META_KEY], "_label": metric.get("label")}
    return found


def check(declared: dict[str, dict[str, Any]], known_metrics: set[str]) -> list[Node]:
    """Validate the declarations; return the nodes North Star first, then KPIs, then indicators."""
    errors = []
    nodes = {}
    for name, decl in sorted(declared.items()):
        where = f"metric '{name}': meta.{META_KEY}"
        if not isinstance(decl, dict):
            errors.append(f"{where} must be a mapping with role and parent, got {decl!r}")
            continue
        extra = sorted(set(decl) - ALLOWED_KEYS - {"_label"})
        if extra:
            errors.append(f"{where} has unknown key(s) {extra}; allowed: role, parent")
        role = decl.get("role")
        if role not in PARENT_ROLE:
            errors.append(f"{where}.role is {role!r}; allowed: {', '.join(PARENT_ROLE)}")
            continue
        parent = decl.get("parent")
        if role == "north_star" and parent is not None:
            errors.append(f"{where}.parent must be empty for the north_star, got {parent!r}")
        if role != "north_star" and parent is None:
            errors.append(f"{where}.parent is missing: a {role} needs a {PARENT_ROLE[role]}")
        nodes[name] = Node(name, role, parent, decl.get("_label"))
    for node in nodes.values():
        if node.parent is None or node.role == "north_star":
            continue
        where = f"metric '{node.metric}': meta.{META_KEY}.parent"
        if node.parent not in known_metrics:
            errors.append(f"{where} '{node.parent}' is not a metric")
        elif node.parent not in nodes or nodes[node.parent].role != PARENT_ROLE[node.role]:
            errors.append(
                f"{where} '{node.parent}' is not declared as a {PARENT_ROLE[node.role]} "
                f"(a {node.role} sits under a {PARENT_ROLE[node.role]})"
            )
    stars = sorted(n.metric for n in nodes.values() if n.role == "north_star")
    if len(stars) != 1:
        errors.append(f"exactly one metric must have role north_star; found {stars or 'none'}")
    if errors:
        raise FrameworkError("measurement framework: " + "; ".join(errors))
    order = list(PARENT_ROLE)
    return sorted(nodes.values(), key=lambda n: (order.index(n.role), n.metric))


def load(manifest_path: Path) -> list[Node]:
    manifest = json.loads(manifest_path.read_text())
    known = {m["name"] for m in manifest.get("metrics", {}).values()}
    return check(declarations(manifest), known)


def tree(nodes: list[Node]) -> str:
    children: dict[str | None, list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent, []).append(node)
    lines: list[str] = []

    def walk(node: Node, depth: int) -> None:
        lines.append(f"{'  ' * depth}{node.role}: {node.metric} ({node.label or node.metric})")
        for child in children.get(node.metric, []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("manifest", type=Path, help="dbt's target/manifest.json (after dbt parse)")
    args = parser.parse_args(argv)
    try:
        print(tree(load(args.manifest)))
    except FrameworkError as error:
        print(error)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
