"""A BigQuery profile that needs no network or credentials, and a guard that refuses requests.

dbt-bigquery's ``oauth-secrets`` method takes a bearer token as is: with a dummy token dbt
compiles without a key file or a login, and nothing is sent until a query is run, which the
guard then refuses at once (google-auth would otherwise retry its token endpoint for minutes).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

PROFILE_NAME = "journey"
TARGET_NAME = "bigquery_offline"
GCP_PROJECT = "journey-offline"
DATASET = "journey_ci"
# The var that tells journey.is_incremental_run (and the source column checks) which branch to
# compile, without asking the warehouse.
MODE_VAR = "journey__offline_compile"


class WarehouseAccessError(RuntimeError):
    """Raised when the offline compile tries to talk to Google."""


def write_offline_profile(directory: Path) -> Path:
    """Write profiles.yml (profile journey, target bigquery_offline) in directory; return it."""
    directory.mkdir(parents=True, exist_ok=True)
    output = {
        "type": "bigquery",
        "method": "oauth-secrets",
        "token": "offline-compile-has-no-token",
        "project": GCP_PROJECT,
        "dataset": DATASET,
        "threads": 1,
        "location": "US",
        "job_retries": 0,
    }
    profile = {PROFILE_NAME: {"target": TARGET_NAME, "outputs": {TARGET_NAME: output}}}
    (directory / "profiles.yml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    return directory


def _current_node() -> str:
    try:
        from dbt.adapters.factory import FACTORY

        return str(FACTORY.adapters["bigquery"].connections.get_thread_connection().name)
    except Exception:  # best effort: only used to word the error
        return "a node"


@contextlib.contextmanager
def offline_network_guard() -> Iterator[None]:
    """Make every Google API or token request fail at once, naming the node that made it."""
    import google.auth.transport.requests as google_requests

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise WarehouseAccessError(
            f"offline BigQuery compile: {_current_node()} tried to query the warehouse at "
            f"compile time (run_query, is_incremental(), adapter.get_relation...); guard it "
            f"with var('{MODE_VAR}') as journey.is_incremental_run and "
            "journey.check_source_columns do"
        )

    session, request = google_requests.AuthorizedSession, google_requests.Request
    originals = (session.request, request.__call__)
    session.request, request.__call__ = refuse, refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        session.request, request.__call__ = originals  # type: ignore[method-assign]
