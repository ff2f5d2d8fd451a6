"""Helpers of scripts/benchmark.py and scripts/benchmark_peer.py (no dbt import, no journey_analytics).

measure: run a child process and record its wall time and peak memory.
floor:   the one-pass DuckDB sessionisation that the builds are compared with (run as a script).
sample:  generate a sample once per size and split off its last day of loads.
dbt:     run dbt as a child process on a private DuckDB file and read run_results.json.
report:  write a report as JSON and markdown.
peer_worker: runs inside the peer tool's own virtual environment (duckdb, pandas, retentioneering).
"""
