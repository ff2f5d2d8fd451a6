"""The hand-made trigger fixture: declarations, events and the expected decisions.

Events come from tests/python/fixtures/triggers/events.csv (README.md there explains each
case); a clock user adds one page view per hour from 2026-03-02 to 2026-03-31, loaded a minute
after it happened, so the load watermark advances hour by hour. Expected values are worked out
by hand in the README (times UTC); the holdout arms are computed here with hashlib, an
implementation independent of the SQL.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

FIXTURE_DIR = Path(__file__).resolve().parent / "fixtures" / "triggers"

GLOBAL_CONTROL = {"share": 0.1, "salt": "journey-global"}
PROBE_HOLDOUT = {"share": 0.3, "salt": "probe-salt"}

TRIGGERS: list[dict[str, Any]] = [
    {
        "name": "cart_abandoned_high_value",
        "entry": {"event": "cart_viewed", "where": {"cart_value": {">=": 150}}},
        "exit": {"events": ["order_completed"]},
        "steps": [
            {
                "name": "email",
                "offset": "24 hours",
                "channel": "email",
                "payload": {"template_id": "cart_one_click"},
            }
        ],
        "reentry": "every 7 days",
        "priority": 10,
        "goal": {"event": "order_completed", "within": "72 hours"},
    },
    {
        "name": "signup_no_profile",
        "entry": "account_created",
        "exit": "profile_completed",
        "steps": [
            {
                "name": "email",
                "offset": "2 hours",
                "channel": "email",
                "payload": {"template_id": "profile_nudge"},
            }
        ],
        "priority": 5,
    },
    {
        "name": "promo",
        "entry": "product_viewed",
        "steps": [{"name": "email", "offset": "24 hours", "channel": "email"}],
        "priority": 1,
    },
    {
        "name": "trial_disengaged",
        "entry": {"event": "trial_started", "where": {"plan": {"is_null": False}}},
        "exit": ["user_logged_in", "subscription_started"],
        "steps": [
            {"name": "case_study", "offset": "3 days", "channel": "email"},
            {"name": "demo_offer", "offset": "6 days", "channel": "in_app"},
            {"name": "discount", "offset": "12 days", "channel": "email"},
        ],
    },
    {
        "name": "loan_paystub_stall",
        "entry": {"event": "document_upload_started", "where": {"document_type": "paystub"}},
        "exit": {"events": "document_upload_completed", "match_property": "loan_id"},
        "steps": [
            {
                "name": "chatbot_help",
                "offset": "2 minutes",
                "channel": "chatbot",
                "payload": {"article_id": "paystub_help"},
            }
        ],
        "reentry": "every 1 day",
    },
    {
        "name": "qh_delay",
        "entry": "product_wishlisted",
        "steps": [{"name": "push", "offset": "1 hour", "channel": "push"}],
        "quiet_hours": {"start": "21:00", "end": "08:00", "action": "delay"},
    },
    {
        "name": "qh_drop",
        "entry": "review_submitted",
        "steps": [{"name": "push", "offset": "1 hour", "channel": "push"}],
        "quiet_hours": {"start": "22:00", "end": "07:00", "action": "drop"},
    },
    {
        "name": "weekly_sms",
        "entry": "referral_sent",
        "steps": [{"name": "sms", "offset": "1 hour", "channel": "sms"}],
        "reentry": "every 1 minute",
    },
    {
        "name": "holdout_probe",
        "entry": "form_submitted",
        "steps": [{"name": "hook", "offset": "1 hour", "channel": "webhook"}],
        "holdout": PROBE_HOLDOUT,
        "goal": {"event": "order_completed", "within": "1 day"},
    },
    {
        "name": "nudge_unsubscribed",
        "entry": "feature_used",
        "exit": {"events": ["subscription_started"], "since": "ever"},
        "steps": [{"name": "tip", "offset": "1 hour", "channel": "in_app"}],
    },
    {
        # a state entry: a home visit 30 - 60 days after a content-gap cancellation (CRM survey
        # SURVEY), an immediate step and a payload read from the state row and the entry event
        "name": "winback",
        "entry": {
            "event": "page_viewed",
            "where": {"page": "home"},
            "state": {
                "relation": "dim_user_cancellation_clusters",
                "where": {"cancellation_cluster": "content_gap"},
                "within": {"column": "cancelled_at", "min": "30 days", "max": "60 days"},
            },
        },
        "exit": {"events": ["subscription_started"]},
        "steps": [
            {
                "name": "ad",
                "offset": "0 minutes",
                "channel": "ads",
                "payload": {
                    "template_id": "new_titles",
                    "genre": {"column": "preferred_genre"},
                    "page": {"property": "page"},
                },
            },
            {
                "name": "offer",
                "offset": "3 days",
                "channel": "in_app",
                "payload": {
                    "template_id": "winback_offer",
                    "offer": {
                        "column": "title_views",
                        "tiers": [{"min": 3, "value": "free_month"}],
                        "default": "discount_20",
                    },
                },
            },
        ],
    },
    {
        "name": "never_matches",
        "entry": {"event": "cart_viewed", "where": {"cart_value": {">": 100000}}},
        "steps": [{"name": "email", "offset": "1 hour", "channel": "email"}],
    },
]

CAPS = {"email": {"max": 1, "per": "day"}, "sms": {"max": 1, "per": "week"}}

# the CRM cancellation survey: user, cancelled_at, reason (ke's reason is none of the three)
SURVEY = [
    ("ka", "2026-01-31 10:00:00", "content"),
    ("kb", "2026-02-20 00:00:00", " Content "),
    ("kc", "2026-02-01 00:00:00", "price"),
    ("kd", "2026-01-10 00:00:00", "content"),
    ("ke", "2026-01-25 00:00:00", "other"),
]

SUPPRESSIONS = [
    ("sup1", "email_unsubscribed", "2026-03-01 00:00:00"),
    ("sup2", "email_unsubscribed", "2026-03-10 00:00:00"),
]

# (trigger, step, user, entry event id, send_at) of every fire, worked out in the README
EXPECTED_FIRES = {
    ("cart_abandoned_high_value", "email", "ca", "ca-1", "2026-03-03 10:00:00"),
    ("cart_abandoned_high_value", "email", "ck", "ck-1", "2026-03-03 10:00:00"),
    ("cart_abandoned_high_value", "email", "cf", "cf-1", "2026-03-03 10:00:00"),
    ("cart_abandoned_high_value", "email", "cf", "cf-3", "2026-03-11 10:00:00"),
    ("cart_abandoned_high_value", "email", "cg", "cg-1", "2026-03-03 10:00:00"),
    ("cart_abandoned_high_value", "email", "cz", "cz-1", "2026-03-29 10:00:00"),
    ("cart_abandoned_high_value", "email", "sup2", "sup2-1", "2026-03-03 10:00:00"),
    ("cart_abandoned_high_value", "email", "pa", "pa-1", "2026-03-03 10:00:00"),
    ("signup_no_profile", "email", "sa", "sa-1", "2026-03-02 11:00:00"),
    ("promo", "email", "pb", "pb-1", "2026-03-03 08:00:00"),
    ("trial_disengaged", "case_study", "ta", "ta-1", "2026-03-05 12:00:00"),
    ("trial_disengaged", "demo_offer", "ta", "ta-1", "2026-03-08 12:00:00"),
    ("trial_disengaged", "discount", "ta", "ta-1", "2026-03-14 12:00:00"),
    ("trial_disengaged", "case_study", "tb", "tb-1", "2026-03-05 12:00:00"),
    ("loan_paystub_stall", "chatbot_help", "la", "la-1", "2026-03-02 14:02:00"),
    ("loan_paystub_stall", "chatbot_help", "la", "la-3", "2026-03-03 14:02:00"),
    ("loan_paystub_stall", "chatbot_help", "lc", "lc-1", "2026-03-02 14:02:00"),
    # 06:30 UTC is 01:30 EST on the day New York springs forward: delayed to 08:00 EDT = 12:00 UTC
    ("qh_delay", "push", "qa", "qa-1", "2026-03-08 12:00:00"),
    # an unknown time zone ('Mars/Olympus') falls back to UTC: 11:00 is outside quiet hours
    ("qh_delay", "push", "qb", "qb-1", "2026-03-02 11:00:00"),
    # 22:30 UTC is 23:30 in Berlin: delayed to 08:00 CET = 07:00 UTC next day
    ("qh_delay", "push", "qc", "qc-1", "2026-03-03 07:00:00"),
    # 03:30 UTC Monday is 23:30 EDT Sunday (ISO week of 03-02); 04:30 UTC is 00:30 EDT Monday
    ("weekly_sms", "sms", "wa", "wa-1", "2026-03-09 03:30:00"),
    ("weekly_sms", "sms", "wa", "wa-2", "2026-03-09 04:30:00"),
    ("nudge_unsubscribed", "tip", "nb", "nb-1", "2026-03-02 11:00:00"),
    # winback: the visit is the entry, step 1 at once, step 2 three days later
    ("winback", "ad", "ka", "ka-1", "2026-03-02 12:00:00"),
    ("winback", "offer", "ka", "ka-1", "2026-03-05 12:00:00"),
    ("winback", "ad", "ke", "ke-1", "2026-03-04 15:00:00"),
    ("winback", "offer", "ke", "ke-1", "2026-03-07 15:00:00"),
    ("winback", "ad", "kb", "kb-2", "2026-03-23 09:00:00"),
}

# (trigger, step, user, entry event id) -> payload of the win-back decisions, from the README
EXPECTED_WINBACK_PAYLOADS = {
    ("ad", "ka", "ka-1"): {"genre": "drama", "page": "home", "template_id": "new_titles"},
    ("offer", "ka", "ka-1"): {"offer": "free_month", "template_id": "winback_offer"},
    ("ad", "ke", "ke-1"): {"genre": "comedy", "page": "home", "template_id": "new_titles"},
    ("offer", "ke", "ke-1"): {"offer": "discount_20", "template_id": "winback_offer"},
    ("ad", "kb", "kb-2"): {"genre": "thriller", "page": "home", "template_id": "new_titles"},
    ("offer", "kb", "kb-2"): {"offer": "discount_20", "template_id": "winback_offer"},
    ("ad", "ke", "ke-2"): {"genre": "comedy", "page": "home", "template_id": "new_titles"},
    ("offer", "ke", "ke-2"): {"offer": "discount_20", "template_id": "winback_offer"},
}

# (trigger, step, user, entry event id, reason) of every skip other than the holdout probe's
EXPECTED_SKIPS = {
    ("cart_abandoned_high_value", "email", "cc", "cc-1", "exited"),
    ("cart_abandoned_high_value", "email", "ce", "ce-1", "exited"),
    ("cart_abandoned_high_value", "email", "cf", "cf-2", "already_entered"),
    ("cart_abandoned_high_value", "email", "sup1", "sup1-1", "suppressed"),
    ("cart_abandoned_high_value", "email", "pb", "pb-2", "capped"),
    ("signup_no_profile", "email", "sa", "sa-2", "already_entered"),
    ("signup_no_profile", "email", "sb", "sb-1", "exited"),
    ("signup_no_profile", "email", "sc", "sc-1", "exited"),
    ("promo", "email", "pa", "pa-2", "lower_priority"),
    ("trial_disengaged", "demo_offer", "tb", "tb-1", "exited"),
    ("trial_disengaged", "discount", "tb", "tb-1", "exited"),
    ("loan_paystub_stall", "chatbot_help", "lb", "lb-1", "exited"),
    ("loan_paystub_stall", "chatbot_help", "la", "la-2", "already_entered"),
    ("qh_drop", "push", "qd", "qd-1", "quiet_hours"),
    ("weekly_sms", "sms", "wa", "wa-3", "capped"),
    # exit since: ever - na subscribed the day before the entry ("has not subscribed")
    ("nudge_unsubscribed", "tip", "na", "na-1", "exited"),
    # kb resubscribed a day after the visit: step 2 exited; ke's second visit is not re-entered
    ("winback", "offer", "kb", "kb-2", "exited"),
    ("winback", "ad", "ke", "ke-2", "already_entered"),
    ("winback", "offer", "ke", "ke-2", "already_entered"),
}

PROBE_USERS = [f"h{i:02d}" for i in range(40)]


def bucket(user_id: str, salt: str) -> int:
    """The interface's holdout hash, independently of the SQL."""
    return int(hashlib.md5(f"{salt}:{user_id}".encode()).hexdigest()[:8], 16) % 10000


def expected_arm(user_id: str, holdout: dict[str, Any]) -> str:
    if bucket(user_id, GLOBAL_CONTROL["salt"]) < GLOBAL_CONTROL["share"] * 10000:
        return "global_control"
    if bucket(user_id, holdout["salt"]) < holdout["share"] * 10000:
        return "control"
    return "treatment"


def fire_id(trigger: str, step: str, user: str, entry_event_id: str) -> str:
    return hashlib.md5(f"{trigger}|{step}|{user}|{entry_event_id}".encode()).hexdigest()


def events() -> list[dict[str, Any]]:
    """The fixture rows plus the hourly clock user."""
    with (FIXTURE_DIR / "events.csv").open() as handle:
        rows = [dict(row) for row in csv.DictReader(handle)]
    moment = datetime(2026, 3, 2)
    while moment <= datetime(2026, 3, 31):
        rows.append(
            {
                "event_id": f"clock-{moment:%m%d%H}",
                "event_name": "page_viewed",
                "event_timestamp": f"{moment:%Y-%m-%d %H:%M:%S}",
                "user_id": "zz_clock",
                "properties": "{}",
                "revenue": "",
                "currency": "",
                "loaded_at": f"{moment + timedelta(minutes=1):%Y-%m-%d %H:%M:%S}",
            }
        )
        moment += timedelta(hours=1)
    return rows


def write_batch(rows: list[dict[str, Any]], path: Path) -> None:
    """Write rows as a generic-source Parquet file (server-side events: no anonymous id)."""
    with duckdb.connect() as con:
        con.execute(
            "create table batch (event_id varchar, event_name varchar, event_timestamp timestamp, "
            "user_id varchar, anonymous_id varchar, properties varchar, revenue varchar, "
            "currency varchar, loaded_at timestamp)"
        )
        con.executemany(
            "insert into batch values (?, ?, ?, ?, null, ?, nullif(?, ''), nullif(?, ''), ?)",
            [
                (
                    r["event_id"],
                    r["event_name"],
                    r["event_timestamp"],
                    r["user_id"],
                    r["properties"],
                    r["revenue"],
                    r["currency"],
                    r["loaded_at"],
                )
                for r in rows
            ],
        )
        con.execute(f"copy batch to '{path}' (format parquet)")


def suppressions_relation(folder: Path) -> str:
    path = folder / "suppressions.csv"
    lines = ["user_id,list,added_at"] + [",".join(row) for row in SUPPRESSIONS]
    path.write_text("\n".join(lines) + "\n")
    return (
        f"read_csv('{path}', header = true, columns = "
        "{'user_id': 'varchar', 'list': 'varchar', 'added_at': 'timestamp'})"
    )


def survey_path(folder: Path) -> Path:
    path = folder / "cancellation_survey.csv"
    lines = ["user_id,cancelled_at,reason"] + [",".join(row) for row in SURVEY]
    path.write_text("\n".join(lines) + "\n")
    return path


def project_vars(folder: Path, live: Path) -> dict[str, Any]:
    return {
        "journey__crm_cancellation_survey_path": str(survey_path(folder)),
        "journey__generic_events_path": f"{live}/*.parquet",
        "journey__triggers": TRIGGERS,
        "journey__trigger_global_control": GLOBAL_CONTROL,
        "journey__trigger_channel_caps": CAPS,
        "journey__trigger_allowed_lateness": "0 minutes",
        "journey__trigger_suppressions_relation": suppressions_relation(folder),
    }
