"""The peer's side of scripts/benchmark_peer.py: retentioneering 5 on the same raw events.

Runs inside the peer's own virtual environment (.venv-peer: retentioneering, its DuckDB and
pandas; nothing of this project is imported), as a new user would use the tool:

  staging_sessions  read the raw Parquet files with DuckDB and keep what the package's
                    validation keeps (same rules: ids, timestamps in range, first load of a
                    duplicated event id, canonical names from seeds/journey_event_taxonomy.csv),
                    cut each actor's events (device id, else user id) where a new user
                    id appears inside a gap session (the package's shared-device rule,
                    which retentioneering cannot express), build an Eventstream per such
                    run and split_sessions(timeout=...);
  transitions       transition_graph_data(edge_weight='count') per session and per actor;
  funnel            funnel_data(steps, path_col='session_id').

Events with equal timestamps are ordered as the package orders them (sequence number, then
event id) through the Eventstream's `index` column, which retentioneering's tools order by.
Each step is timed in this process (imports excluded), `--repeat` times; the fastest counts.
Writes into --out: sessions.parquet (actor_id, session_started_at, event_count),
transitions.parquet (from_event_name, to_event_name, transition_count; session paths) and
peer.json (timings, funnel counts, versions).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("RETENTIONEERING_NO_TRACK", "1")

import duckdb
import pandas as pd
import retentioneering
from retentioneering import Eventstream


def staging_sql(
    events_glob: str,
    taxonomy_csv: str,
    min_event_date: str,
    max_future_minutes: int,
    timeout_minutes: int,
) -> str:
    """Valid, de-duplicated events with canonical names, an actor and a tie-free order."""
    normalized = "trim(regexp_replace(lower(e.event_name), '[^a-z0-9]+', '_', 'g'), '_')"
    order = "event_at, sequence_number nulls last, event_id"
    return f"""
with raw as (
    select
        event_id,
        event_name,
        event_timestamp as event_at,
        nullif(user_id, '') as user_id,
        nullif(anonymous_id, '') as anonymous_id,
        sequence_number,
        loaded_at
    from read_parquet('{events_glob}', union_by_name = true)
),
valid as (
    select * from raw
    where event_id is not null and event_id <> ''
        and event_name is not null and trim(event_name) <> ''
        and event_at is not null
        and (user_id is not null or anonymous_id is not null)
        and event_at >= timestamp '{min_event_date}'
        and event_at <= coalesce(loaded_at, now() at time zone 'UTC') + interval {max_future_minutes} minute
),
first_load as (
    select * from valid
    qualify row_number() over (
        partition by event_id order by loaded_at nulls last, {order}
    ) = 1
),
taxonomy as (
    select raw_event_name, event_name, source_name
    from read_csv('{taxonomy_csv}', header = true, all_varchar = true)
    where source_name in ('generic', '*')
),
named as (
    select
        coalesce(anonymous_id, user_id) as actor_id,
        e.user_id,
        coalesce(specific.event_name, any_source.event_name, {normalized}) as event_name,
        e.event_at,
        e.sequence_number,
        e.event_id
    from first_load as e
    left join taxonomy as specific
        on e.event_name = specific.raw_event_name and specific.source_name = 'generic'
    left join taxonomy as any_source
        on e.event_name = any_source.raw_event_name and any_source.source_name = '*'
),
gap_numbered as (
    -- the package starts a session when a new user id appears inside a gap session (a shared
    -- device switching user); retentioneering splits on time only, so each actor's events are
    -- cut into runs of one user before split_sessions: the same boundaries, timed on this side
    select
        *,
        sum(case when previous_at is null or event_at > previous_at + interval {timeout_minutes} minute
            then 1 else 0 end) over (
            partition by actor_id order by {order} rows between unbounded preceding and current row
        ) as gap_number
    from (select *, lag(event_at) over (partition by actor_id order by {order}) as previous_at from named)
),
user_changes as (
    select
        *,
        case when user_id is not null and user_id <> last_value(user_id ignore nulls) over (
            partition by actor_id, gap_number order by {order}
            rows between unbounded preceding and 1 preceding
        ) then 1 else 0 end as is_user_change
    from gap_numbered
)
select
    actor_id,
    actor_id || '#' || sum(is_user_change) over (
        partition by actor_id order by {order} rows between unbounded preceding and current row
    ) as path_id,
    event_name,
    event_at,
    row_number() over (partition by actor_id order by {order}) as "index"
from user_changes
"""


def stage_and_sessionize(args: argparse.Namespace) -> Eventstream:
    con = duckdb.connect()
    frame = con.sql(
        staging_sql(
            args.events,
            args.taxonomy,
            args.min_event_date,
            args.max_future_minutes,
            args.timeout_minutes,
        )
    ).df()
    con.close()
    stream = Eventstream(
        frame,
        schema={
            "path_cols": ["path_id"],
            "event_col": "event_name",
            "timestamp_col": "event_at",
            "custom_cols": ["actor_id"],
        },
    )
    return stream.split_sessions(timeout=f"{args.timeout_minutes}m")


def timed(repeat: int, work):  # type: ignore[no-untyped-def]
    """Run `work` `repeat` times; return the fastest seconds and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def transitions_long(matrix: pd.DataFrame) -> pd.DataFrame:
    """Counts matrix to rows, with the package's names for the path boundaries."""
    matrix = matrix.copy()
    matrix.index = matrix.index.astype(str)
    matrix.columns = matrix.columns.astype(str)
    long = matrix.rename_axis(index="from_event_name", columns="to_event_name").stack()
    long = long[long > 0].rename("transition_count").reset_index()
    boundaries = {"path_start": "$start", "path_end": "$end"}
    for column in ("from_event_name", "to_event_name"):
        long[column] = long[column].replace(boundaries)
    long["transition_count"] = long["transition_count"].astype("int64")
    return long


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", required=True, help="glob of the raw Parquet event files")
    parser.add_argument("--taxonomy", required=True, help="seeds/journey_event_taxonomy.csv")
    parser.add_argument("--funnel-steps", required=True, help="comma-separated event names")
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument("--timeout-minutes", type=int, default=30)
    parser.add_argument("--min-event-date", default="2000-01-01")
    parser.add_argument("--max-future-minutes", type=int, default=1440)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    steps = args.funnel_steps.split(",")
    seconds: dict[str, float] = {}

    seconds["staging_sessions"], stream = timed(args.repeat, lambda: stage_and_sessionize(args))

    def transitions() -> tuple[pd.DataFrame, pd.DataFrame]:
        by_session = stream.transition_graph_data(edge_weight="count", path_col="session_id")
        by_actor = stream.transition_graph_data(edge_weight="count", path_col="path_id")
        return by_session, by_actor

    seconds["transitions"], (by_session, _) = timed(args.repeat, transitions)
    seconds["funnel"], funnel = timed(
        args.repeat, lambda: stream.funnel_data(steps=steps, path_col="session_id")
    )

    events = stream.to_dataframe()
    sessions = (
        events.groupby("session_id", observed=True)
        .agg(
            actor_id=("actor_id", "first"),
            session_started_at=("event_at", "min"),
            event_count=("event_name", "size"),
        )
        .reset_index(drop=True)
    )
    sessions.to_parquet(args.out / "sessions.parquet", index=False)
    transitions_long(by_session).to_parquet(args.out / "transitions.parquet", index=False)
    (args.out / "peer.json").write_text(
        json.dumps(
            {
                "seconds": seconds,
                "repeat": args.repeat,
                "events": len(events),
                "sessions": len(sessions),
                "funnel": [
                    {"step_index": i, "step": s["step"], "units_reached": int(s["unique_paths"])}
                    for i, s in enumerate(funnel["steps"], start=1)
                ],
                "versions": {
                    "retentioneering": retentioneering.__version__,
                    "duckdb": duckdb.__version__,
                    "pandas": pd.__version__,
                },
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
