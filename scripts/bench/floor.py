"""The physical floor: one DuckDB pass that sessionises the events into a table.

Run as a child process by scripts/benchmark.py (so its memory is its own):

    python scripts/bench/floor.py --events 'dir/*.parquet' --database floor.duckdb --variant wide

'wide' writes every raw column plus actor_id and session_number; 'narrow' only the ordering
keys (event_id, actor_id, event_timestamp, sequence_number) and session_number. Both order an
actor's events by time, sequence number, event id, and start a session after a gap strictly
greater than the timeout; rows without a timestamp or any id are left out. Prints one JSON object: seconds of the statement and its checkpoint
(not the process start), rows written, sessions.
"""

from __future__ import annotations

import argparse
import json
import time

import duckdb

VARIANTS = ("narrow", "wide")


def floor_sql(events_glob: str, variant: str, timeout_minutes: int) -> str:
    """The one statement that is timed.

    Windows sort every column they carry, so both variants sessionise the ordering keys only;
    'wide' then joins every raw column back by file and row number (about twice as fast as
    carrying them through the windows, the cheapest formulation found).
    """
    order = "event_timestamp, sequence_number nulls last, event_id"
    source = f"read_parquet('{events_glob}', union_by_name = true, filename = true, file_row_number = true)"
    keys = f"""
keys as (
    select
        filename,
        file_row_number,
        event_id,
        event_timestamp,
        sequence_number,
        coalesce(nullif(anonymous_id, ''), nullif(user_id, '')) as actor_id
    from {source}
    where event_timestamp is not null
),
gaps as (
    select *,
        case when lag(event_timestamp) over w is null
            or epoch(event_timestamp) - epoch(lag(event_timestamp) over w) > {timeout_minutes * 60}
            then 1 else 0 end as is_session_start
    from keys
    where actor_id is not null
    window w as (partition by actor_id order by {order})
),
sessionized as (
    select * exclude (is_session_start),
        sum(is_session_start) over (
            partition by actor_id order by {order} rows between unbounded preceding and current row
        ) as session_number
    from gaps
)"""
    if variant == "narrow":
        final = (
            "select event_id, actor_id, event_timestamp, sequence_number, session_number "
            "from sessionized"
        )
    else:
        final = f"""select raw.* exclude (filename, file_row_number), sessionized.actor_id,
    sessionized.session_number
from {source} as raw
inner join sessionized using (filename, file_row_number)"""
    return f"create or replace table floor_sessions as\nwith {keys.strip()}\n{final}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", required=True, help="glob of the Parquet event files")
    parser.add_argument("--database", required=True, help="DuckDB file to write (replaced)")
    parser.add_argument("--variant", choices=VARIANTS, default="wide")
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0 = default)")
    parser.add_argument("--timeout-minutes", type=int, default=30)
    args = parser.parse_args(argv)
    con = duckdb.connect(args.database)
    if args.threads:
        con.execute(f"set threads = {args.threads}")
    started = time.perf_counter()
    con.execute(floor_sql(args.events, args.variant, args.timeout_minutes))
    con.execute("checkpoint")
    seconds = time.perf_counter() - started
    rows, sessions = con.execute(
        "select count(*), count(distinct (actor_id, session_number)) from floor_sessions"
    ).fetchone()  # type: ignore[misc]
    con.close()
    print(json.dumps({"seconds": seconds, "rows": rows, "sessions": sessions}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
