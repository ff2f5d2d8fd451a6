"""Side by side with an independent tool: retentioneering 5 on the same raw events.

Three steps, each done by this project's dbt models and by retentioneering, on one generated
sample (--users, --days; the same samples as scripts/benchmark.py):

  staging_sessions  ours: `dbt run --full-refresh -s +fct_sessions` (staging, validation,
                    identity, fct_events, fct_sessions); peer: read the raw files, keep the
                    events our validation keeps, Eventstream + split_sessions (same timeout);
  transitions       ours: fct_path_transitions (session and user paths); peer:
                    transition_graph_data(edge_weight='count') per session and per actor;
  funnel            ours: the funnel models for one funnel of journey__funnels (--funnel,
                    default checkout, passed alone through --vars); peer: funnel_data(steps)
                    per session.

The results are compared first (sessions: every (actor, start, event count) on both sides;
transitions between events within sessions, including the path start and end; funnel: units
reaching each step); a mismatch is listed and the exit code is 1, and no timing is claimed
for a step whose results differ. Times exclude process start-up on both sides: ours is the span
of the step's dbt nodes (first start to last end, run_results.json), the peer's is measured in
its process after its imports; the fastest of --repeat runs counts. Ratio = ours / peer (below
1: we are faster).

The peer runs in its own virtual environment (its DuckDB pin differs from ours): `make
bench-peer` creates .venv-peer from scripts/bench/peer-requirements.txt. Writes
<out>/peer.json and <out>/peer.md (default target/bench/).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import duckdb
import yaml
from bench.dbt import DbtWorkspace
from bench.measure import run_measured
from bench.report import machine, markdown_table, write_report
from bench.sample import PROJECT_DIR, ensure_sample
from tqdm import tqdm

#: (step, dbt selector, exclusions): each step builds what the earlier steps did not
STEPS: list[tuple[str, str, list[str]]] = [
    ("staging_sessions", "+fct_sessions", []),
    ("transitions", "+fct_path_transitions", ["+fct_sessions"]),
    ("funnel", "+fct_funnel_steps", ["+fct_sessions", "+fct_path_transitions"]),
]

#: funnel keys the peer's funnel_data has no counterpart for
UNALIGNABLE_FUNNEL_KEYS = (
    "order",
    "ignore_events",
    "conversion_window",
    "entry_date_range",
    "hold_constant",
    "breakdown",
    "exclusions",
    "exclusion_removes",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmark_peer.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=2000, help="simulated people (size knob)")
    parser.add_argument("--days", type=int, default=60, help="simulated days (default 60)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--out", type=Path, default=PROJECT_DIR / "target" / "bench", help="report folder"
    )
    parser.add_argument("--workdir", type=Path, help="samples and databases (default <out>/work)")
    parser.add_argument(
        "--peer-python",
        type=Path,
        default=PROJECT_DIR / ".venv-peer" / "bin" / "python",
        help="python of the peer's virtual environment (make bench-peer creates .venv-peer)",
    )
    parser.add_argument("--funnel", default="checkout", help="name in journey__funnels")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2, help="dbt threads")
    parser.add_argument("--repeat", type=int, default=1, help="runs per step; the fastest counts")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no printed report")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.workdir = args.workdir or args.out / "work"
    return args


def project_vars() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def funnel_config(name: str, variables: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The funnel `name` of journey__funnels and its step events, if the peer can compute it."""
    funnels = variables.get("journey__funnels") or []
    chosen = next((f for f in funnels if isinstance(f, dict) and f.get("name") == name), None)
    if chosen is None:
        names = [f.get("name") for f in funnels if isinstance(f, dict)]
        raise SystemExit(f"--funnel {name!r} is not in journey__funnels (there: {names})")
    if chosen.get("count_by") != "sessions":
        raise SystemExit(
            f"funnel {name!r}: count_by {chosen.get('count_by')!r}; the side by side compares "
            "funnels counted by sessions (the peer's sessions are ours; its users are not)"
        )
    used = [key for key in UNALIGNABLE_FUNNEL_KEYS if chosen.get(key) not in (None, "ordered")]
    if used:
        raise SystemExit(f"funnel {name!r} uses {used}, which the peer's funnel has no match for")
    steps = []
    for index, step in enumerate(chosen["steps"], start=1):
        if isinstance(step, str):
            steps.append(step)
        elif isinstance(step, dict) and set(step) == {"event"} and isinstance(step["event"], str):
            steps.append(step["event"])
        else:
            raise SystemExit(
                f"funnel {name!r} step {index}: {step!r}; only plain single-event steps align "
                "with the peer (no filters, optional steps, within or min_gap)"
            )
    return chosen, steps


def compare(database: Path, peer_dir: Path, funnel: str, peer: dict[str, Any]) -> dict[str, Any]:
    """Ours against the peer's, step by step: counts on each side and rows found on one only."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        sessions = _two_way(
            con,
            "select actor_id, session_started_at, event_count from fct_sessions",
            f"select actor_id, session_started_at, event_count from '{peer_dir}/sessions.parquet'",
        )
        transitions = _two_way(
            con,
            "select from_event_name, to_event_name, transition_count from fct_path_transitions "
            "where path_unit = 'session'",
            "select from_event_name, to_event_name, transition_count "
            f"from '{peer_dir}/transitions.parquet'",
        )
        ours_funnel = con.execute(
            "select step_index, units_reached from fct_funnel_steps "
            "where funnel_name = ? and breakdown_value = '(all)' order by step_index",
            [funnel],
        ).fetchall()
    finally:
        con.close()
    peer_funnel = [(s["step_index"], s["units_reached"]) for s in peer["funnel"]]
    return {
        "staging_sessions": sessions,
        "transitions": transitions,
        "funnel": {
            "ours": [count for _, count in ours_funnel],
            "peer": [count for _, count in peer_funnel],
            "agree": [(int(i), int(c)) for i, c in ours_funnel] == peer_funnel,
        },
    }


def _two_way(con: duckdb.DuckDBPyConnection, ours: str, peer: str) -> dict[str, Any]:
    def count(sql: str) -> int:
        row = con.execute(f"select count(*) from ({sql})").fetchone()
        return int(row[0]) if row else 0

    only_ours = count(f"({ours}) except all ({peer})")
    only_peer = count(f"({peer}) except all ({ours})")
    return {
        "rows_ours": count(ours),
        "rows_peer": count(peer),
        "only_ours": only_ours,
        "only_peer": only_peer,
        "agree": only_ours == 0 and only_peer == 0,
    }


def render_markdown(report: dict[str, Any]) -> str:
    size, steps = report["size"], report["steps"]
    agreement = report["agreement"]
    lines = [
        "# Side by side: journey analytics vs retentioneering",
        "",
        f"{size['events']:,} raw events ({size['users']:,} simulated people x {size['days']} "
        f"days, seed {size['seed']}); retentioneering {report['peer']['versions']['retentioneering']}"
        f" (DuckDB {report['peer']['versions']['duckdb']}) in its own virtual environment; "
        f"{report['machine']['cpus']} CPUs, dbt threads {report['threads']}, load "
        f"{report['machine']['load_average_1m']} at the start and "
        f"{report['machine']['load_average_1m_end']} at the end; fastest of "
        f"{report['repeat']} run(s) per step.",
        "",
        "## Results agree",
        "",
        markdown_table(
            ["step", "compared", "ours", "peer", "only ours", "only peer", "agree"],
            [
                [
                    "staging_sessions",
                    "(actor, session start, event count)",
                    agreement["staging_sessions"]["rows_ours"],
                    agreement["staging_sessions"]["rows_peer"],
                    agreement["staging_sessions"]["only_ours"],
                    agreement["staging_sessions"]["only_peer"],
                    agreement["staging_sessions"]["agree"],
                ],
                [
                    "transitions",
                    "(from, to, count) within sessions",
                    agreement["transitions"]["rows_ours"],
                    agreement["transitions"]["rows_peer"],
                    agreement["transitions"]["only_ours"],
                    agreement["transitions"]["only_peer"],
                    agreement["transitions"]["agree"],
                ],
                [
                    f"funnel ({report['funnel']['name']})",
                    "sessions reaching each step",
                    " / ".join(str(c) for c in agreement["funnel"]["ours"]),
                    " / ".join(str(c) for c in agreement["funnel"]["peer"]),
                    "",
                    "",
                    agreement["funnel"]["agree"],
                ],
            ],
        ),
        "",
        "## Time per step",
        "",
        "Ours: span of the step's dbt nodes (start-up and parse excluded; wall of the dbt process",
        "in brackets). Peer: measured in its process after its imports. Ratio = ours / peer.",
        "",
        markdown_table(
            ["step", "ours s", "(ours wall s)", "peer s", "ours / peer", "faster"],
            [
                [
                    name,
                    step["ours_s"],
                    step["ours_wall_s"],
                    step["peer_s"],
                    step["ratio"],
                    "ours" if step["ratio"] < 1 else "peer",
                ]
                for name, step in steps.items()
            ],
        ),
        "",
        f"All three steps: ours {report['total']['ours_s']:,.2f} s, peer "
        f"{report['total']['peer_s']:,.2f} s, ratio {report['total']['ratio']:.2f}. Faster than "
        f"the peer on every step: {'yes' if report['faster_on_every_step'] else 'no'}.",
        "",
        f"Peak memory: our dbt runs {report['peak_rss_mib']['ours']:,.0f} MiB, the peer's process "
        f"{report['peak_rss_mib']['peer']:,.0f} MiB.",
        "",
        "## What each side computes",
        "",
        "- staging_sessions. Peer: the kept events (same validation, first load of a duplicated",
        "  event id, canonical names) and each event's session. Ours, besides: quarantine reasons,",
        "  identity stitching, every raw column in fct_events, and per session its traffic source,",
        "  channel, landing and exit pages, revenue and engagement in fct_sessions.",
        "- transitions. Peer: counts between events of a session and of an actor. Ours: counts",
        "  within sessions and within (stitched) users, with distinct users and sessions,",
        "  cross-session counts, shares and median seconds between the events.",
        "- funnel. Peer: sessions reaching each step. Ours: per session the furthest attempt and",
        "  its step times, conversion and drop-off rates and time percentiles.",
        "",
        "Models of each of our steps: "
        + "; ".join(f"{name}: {', '.join(step['models'])}" for name, step in steps.items()),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    machine_at_start = machine()
    if not args.peer_python.exists():
        raise SystemExit(
            f"{args.peer_python} not found: `make bench-peer` creates .venv-peer with "
            "scripts/bench/peer-requirements.txt (or pass --peer-python)"
        )
    variables = project_vars()
    funnel, funnel_steps = funnel_config(args.funnel, variables)
    work: Path = args.workdir
    progress = tqdm(total=3 + len(STEPS) * args.repeat, unit="step", disable=args.quiet)

    progress.set_description(f"sample ({args.users:,} people x {args.days} days)")
    sample = ensure_sample(work, args.users, args.days, args.seed)
    events_glob = f"{sample}/events/*.parquet"
    con = duckdb.connect()
    events_row = con.execute(f"select count(*) from read_parquet('{events_glob}')").fetchone()
    con.close()
    events = int(events_row[0]) if events_row else 0
    workspace = DbtWorkspace(
        work / "peer-dbt",
        threads=args.threads,
        vars={"journey__generic_events_path": events_glob, "journey__funnels": [funnel]},
    )
    workspace.reset_database()
    workspace.run("seed", "seed")
    progress.update()

    ours: dict[str, dict[str, Any]] = {}
    peak_ours = 0.0
    for attempt in range(args.repeat):
        for name, select, exclude in STEPS:
            progress.set_description(f"ours: {name} ({attempt + 1}/{args.repeat})")
            extra = ["--exclude", *exclude] if exclude else []
            measured, results = workspace.run(
                name, "run", "--full-refresh", "--select", select, *extra
            )
            if results.failed():
                raise SystemExit(f"dbt step {name} failed; log {measured.log_path}")
            peak_ours = max(peak_ours, measured.peak_rss_mib)
            span = results.span_seconds()
            if name not in ours or span < ours[name]["ours_s"]:
                ours[name] = {
                    "ours_s": span,
                    "ours_wall_s": measured.seconds,
                    "models": [node.name for node in results.of_type("model")],
                }
            progress.update()

    progress.set_description("peer: retentioneering")
    peer_dir = work / "peer-out"
    worker = Path(__file__).resolve().parent / "bench" / "peer_worker.py"
    peer_run = run_measured(
        "peer",
        [
            str(args.peer_python),
            str(worker),
            f"--events={events_glob}",
            f"--taxonomy={PROJECT_DIR / 'seeds' / 'journey_event_taxonomy.csv'}",
            f"--funnel-steps={','.join(funnel_steps)}",
            f"--out={peer_dir}",
            f"--timeout-minutes={variables['journey__session_timeout_minutes']}",
            f"--min-event-date={variables['journey__min_event_date']}",
            f"--max-future-minutes={variables['journey__max_future_minutes']}",
            f"--repeat={args.repeat}",
        ],
        work / "logs" / "peer.log",
        env={**os.environ, "RETENTIONEERING_NO_TRACK": "1"},
    )
    if peer_run.returncode != 0:
        raise SystemExit(f"the peer failed; log {peer_run.log_path}:\n{peer_run.tail()}")
    peer = json.loads((peer_dir / "peer.json").read_text())
    progress.update()

    progress.set_description("compare")
    agreement = compare(workspace.database, peer_dir, args.funnel, peer)
    steps = {
        name: {
            **ours[name],
            "peer_s": peer["seconds"][name],
            "ratio": ours[name]["ours_s"] / peer["seconds"][name],
            "results_agree": agreement[name]["agree"],
        }
        for name, _, _ in STEPS
    }
    report: dict[str, Any] = {
        "size": {"users": args.users, "days": args.days, "seed": args.seed, "events": events},
        "machine": {**machine_at_start, "load_average_1m_end": round(os.getloadavg()[0], 2)},
        "threads": args.threads,
        "repeat": args.repeat,
        "funnel": {"name": args.funnel, "steps": funnel_steps},
        "peer": {
            "tool": "retentioneering",
            "versions": peer["versions"],
            "process_wall_s": peer_run.seconds,
        },
        "agreement": agreement,
        "steps": steps,
        "total": {
            "ours_s": sum(step["ours_s"] for step in steps.values()),
            "peer_s": sum(step["peer_s"] for step in steps.values()),
        },
        "peak_rss_mib": {"ours": peak_ours, "peer": peer_run.peak_rss_mib},
        "faster_on_every_step": all(step["ratio"] < 1 for step in steps.values()),
    }
    report["total"]["ratio"] = report["total"]["ours_s"] / report["total"]["peer_s"]
    markdown = render_markdown(report)
    paths = write_report(args.out, "peer", report, markdown)
    progress.update()
    progress.close()
    if not args.quiet:
        print(markdown)
    print(f"report: {', '.join(str(path) for path in paths)}")
    disagree = [name for name, result in agreement.items() if not result["agree"]]
    if disagree:
        print(
            f"\nRESULTS DIFFER in {disagree}: the times of those steps compare different work "
            f"(details in {paths[0]})",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
