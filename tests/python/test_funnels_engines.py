"""Every funnel option compiles to SQL that BigQuery parses (offline compile with a throw-away
service-account key) and runs on DuckDB (a small messy CSV sample through the whole chain)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dbt_harness import PROJECT_DIR, DbtProject

# Every option at once, in a few funnels (used for the BigQuery compile).
ALL_OPTIONS: list[dict[str, Any]] = [
    {
        "name": "strict_all",
        "order": "strict",
        "count_by": "attempts",
        "ignore_events": ["page_viewed", "review_submitted"],
        "conversion_window": "2 hours",
        "entry_date_range": {"start": "2026-01-01", "end": "2026-01-31"},
        "hold_constant": ["product_id", {"column": "currency"}],
        "breakdown": {"column": "utm_source", "at": "last"},
        "exclusions": [
            {"event": "review_submitted", "between": [1, 3]},
            {"event": "products_searched", "where": {"query": {"contains": "x"}}},
        ],
        "exclusion_removes": "user",
        "steps": [
            "product_viewed",
            {"event": "product_added", "optional": True, "min_gap": "1 second"},
            {"event": ["cart_viewed", "checkout_shipping_submitted"], "within": "30 minutes"},
        ],
    },
    {
        "name": "ordered_all",
        "count_by": "sessions",
        "attempt_policy": "latest",
        "conversion_window": "1 day",
        "breakdown": {"property": "category", "at": 2},
        "exclusions": [{"event": "review_submitted", "between": [2, 4]}],
        "steps": [
            {"event": "page_viewed", "where_columns": {"page_path": {"starts_with": "/shop"}}},
            {
                "event": "product_viewed",
                "name": "viewed shoes",
                "where": {
                    "category": ["shoes", "boots"],
                    "brand": {"ne": "acme"},
                    "sku": {"regex": "^[A-Z]+-[0-9]+$"},
                },
            },
            {
                "event": "product_added",
                "optional": True,
                "min_gap": "5 seconds",
                "within": "1 hour",
                "where": {"price": {"gte": 10}, "gift": {"is_set": False}},
            },
            {"event": "cart_viewed", "min_gap": "1 second", "within": "2 hours"},
            {
                "event": "order_completed",
                "where": {"coupon": {"not_in": ["x", "y"]}, "note": {"ends_with": "'s"}},
                "where_columns": {"revenue": {"lt": 1000}, "is_identified": True},
            },
        ],
    },
    {
        "name": "any_all",
        "order": "any_order",
        "attempt_policy": "furthest",
        "conversion_window": "7 days",
        "breakdown": "plan",
        "exclusions": [{"event": "user_logged_in"}],
        "steps": [
            {"event": "feature_used", "where": {"feature": "export"}},
            "feature_used",
            "project_created",
        ],
    },
]


def _bigquery_profile(directory: Path) -> Path:
    """A BigQuery profile with a locally generated (never used) service-account key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    keyfile = directory / "key.json"
    keyfile.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "offline-project",
                "private_key_id": "0",
                "private_key": pem,
                "client_email": "compile@offline-project.iam.gserviceaccount.com",
                "client_id": "0",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    (directory / "profiles.yml").write_text(
        "journey:\n"
        "  target: bigquery\n"
        "  outputs:\n"
        "    bigquery:\n"
        "      type: bigquery\n"
        "      method: service-account\n"
        f"      keyfile: '{keyfile}'\n"
        "      project: offline-project\n"
        "      dataset: journey\n"
        "      threads: 1\n"
    )
    return directory


def test_every_option_compiles_for_bigquery(tmp_path: Path) -> None:
    import sqlglot
    from dbt.cli.main import dbtRunner

    profiles = _bigquery_profile(tmp_path)
    target = tmp_path / "target"
    result = dbtRunner().invoke(
        [
            "compile",
            "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", str(profiles),
            "--target-path", str(target),
            "--log-path", str(tmp_path / "logs"),
            "--no-populate-cache",
            "--vars", json.dumps({"journey__offline_compile": True, "journey__funnels": ALL_OPTIONS}),
            "-s", "int_funnel_attempts+",
        ]
    )  # fmt: skip
    assert result.success, result.exception
    compiled_models = target / "compiled" / "journey" / "models"
    compiled = sorted(
        [
            *(compiled_models / "intermediate" / "funnels").glob("*.sql"),
            *(compiled_models / "marts" / "funnels").glob("*.sql"),
        ]
    )
    assert {p.stem for p in compiled} >= {
        "int_funnel_attempts",
        "fct_funnel_units",
        "fct_funnel_unit_steps",
        "fct_funnel_steps",
        "fct_funnel_trend",
    }
    for path in compiled:
        sql = path.read_text()
        sqlglot.parse(sql, read="bigquery")  # raises on a syntax error
        for duckdb_only in ("::", "quantile_cont", "epoch_us", "to_seconds", "json_extract_string"):
            assert duckdb_only not in sql, (path.name, duckdb_only)
    attempts_sql = (
        target / "compiled/journey/models/intermediate/funnels/int_funnel_attempts.sql"
    ).read_text()
    assert "with recursive" not in attempts_sql
    units_sql = (target / "compiled/journey/models/marts/funnels/fct_funnel_units.sql").read_text()
    assert units_sql.lstrip().startswith("with recursive")


def test_every_option_runs_on_duckdb(tmp_path: Path) -> None:
    fixture = PROJECT_DIR / "tests" / "python" / "fixtures" / "core" / "messy_events.csv"
    project = DbtProject(
        workdir=tmp_path,
        base_vars={
            "journey__generic_events_path": str(fixture),
            "journey__generic_events_format": "csv",
            "journey__funnels": ALL_OPTIONS,
        },
    )
    project.run("seed")
    project.run("run", "-s", "+fct_funnel_steps", "+fct_funnel_trend")
    project.run("test", "-s", "int_funnel_attempts+", "--exclude", "test_type:unit")
    spine = project.query(
        "select funnel_name, count(*) from fct_funnel_steps where breakdown_value = '(all)' "
        "group by 1 order by 1"
    )
    entered = {name for name, _ in spine}
    assert entered <= {f["name"] for f in ALL_OPTIONS}
