#!/usr/bin/env python3
"""Offline BigQuery compile check of the journey dbt project (package scripts/bigquery_check).

Usage: python scripts/compile_bigquery.py [--vars '{journey__source_snowplow_enabled: true}']
(--help lists the options).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bigquery_check.cli import main

if __name__ == "__main__":
    sys.exit(main())
