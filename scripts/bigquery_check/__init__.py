"""Offline BigQuery compile check of the journey dbt package.

``offline``: a throw-away BigQuery profile and a guard that makes any warehouse request fail at
once; ``dbt_worker``: dbt in-process (parse once, compile each incremental mode, render hooks);
``sql_rules``: what sqlglot's BigQuery dialect does not check by itself; ``cli``: the command
line of scripts/compile_bigquery.py.
"""
