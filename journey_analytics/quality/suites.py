"""The expectations per contracted mart: what Great Expectations adds over the dbt tests.

dbt's tests in models/marts/*/_*__models.yml already check keys (unique, not_null), accepted
values, relationships and the integrity of each family (funnel counts never rise, attribution
credits add up, flows balance, RFM totals match). None of them is repeated here. These suites
check what those tests do not:

- every mart that should hold rows holds some (a typo in a declared step gives 0 rows and a
  green dbt build);
- value ranges: rates and shares in [0, 1], counts, durations and money not negative, scores in
  their scale (there is no range test among the dbt tests: no dbt_utils here);
- distributions, as ``severity: warning`` plausibility bands that flag data that looks wrong
  without failing the run: the engaged share of sessions, the share of unmapped events, the
  median session length, users per identified person, period-0 retention;
- cross-mart totals that dbt would need a custom test for: events in sessions = fct_events rows.

A spec's kwargs may be a function of the database (for totals read from another mart).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

Kwargs = dict[str, Any] | Callable[[duckdb.DuckDBPyConnection], dict[str, Any]]

# marts that are empty on clean data: their suites skip the row-count expectation
MAY_BE_EMPTY = {"fct_quarantined_events", "fct_event_value_issues", "fct_unmapped_event_names"}
# nobody may be in a trigger's audience window, and a run may change no membership
MAY_BE_EMPTY |= {"fct_trigger_audiences", "fct_trigger_audience_changes"}


@dataclass(frozen=True)
class Spec:
    """One expectation: its Great Expectations class name, arguments and severity."""

    expectation: str
    kwargs: Kwargs
    severity: str = "critical"
    why: str = ""
    whole_table: bool = False  # a total: meaningless on a sample of the rows, skipped there

    def columns(self) -> set[str]:
        if callable(self.kwargs):
            return set()
        names = {self.kwargs.get(k) for k in ("column", "column_A", "column_B")}
        return {n for n in names if n} | set(self.kwargs.get("row_condition_columns", ()))


@dataclass(frozen=True)
class Suite:
    mart: str
    specs: list[Spec] = field(default_factory=list)


def rates(*columns: str) -> list[Spec]:
    return [
        Spec("ExpectColumnValuesToBeBetween", {"column": c, "min_value": 0, "max_value": 1},
             why="a rate or share")
        for c in columns
    ]  # fmt: skip


def not_negative(*columns: str) -> list[Spec]:
    return [
        Spec("ExpectColumnValuesToBeBetween", {"column": c, "min_value": 0}, why="never negative")
        for c in columns
    ]


def scores(*columns: str, low: int = 1, high: int = 5) -> list[Spec]:
    return [
        Spec("ExpectColumnValuesToBeBetween", {"column": c, "min_value": low, "max_value": high},
             why=f"a score from {low} to {high}")
        for c in columns
    ]  # fmt: skip


def band(expectation: str, column: str, low: float | None, high: float | None, why: str) -> Spec:
    """A plausibility band on a statistic: a warning, not a failure."""
    return Spec(
        expectation,
        {"column": column, "min_value": low, "max_value": high},
        severity="warning",
        why=why,
    )


def ordered(later: str, earlier: str) -> Spec:
    return Spec(
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {"column_A": later, "column_B": earlier, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
        why=f"{later} is not before {earlier}",
    )  # fmt: skip


def _share_of_events(share: float) -> Kwargs:
    def kwargs(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        n = con.execute("select count(*) from fct_events").fetchone()[0]
        return {"min_value": 0, "max_value": int(share * n)}

    return kwargs


def _event_rows(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    n = con.execute("select count(*) from fct_events").fetchone()[0]
    return {"column": "event_count", "min_value": n, "max_value": n}


SUITES = [
    # --- core ---
    Suite("fct_events", [
        band("ExpectColumnMeanToBeBetween", "is_mapped_event", 0.95, 1,
             "at least 95% of events are in the taxonomy (else fix the taxonomy seed)"),
        Spec("ExpectColumnUniqueValueCountToBeBetween", {"column": "event_name", "min_value": 2,
             "max_value": 500}, severity="warning", why="a taxonomy-sized set of event names"),
        Spec("ExpectColumnValueLengthsToBeBetween", {"column": "event_name", "min_value": 1,
             "max_value": 120}, why="canonical names are short"),
        ordered("event_at", "session_started_at"),
        Spec("ExpectColumnValuesToBeBetween", {"column": "event_index", "min_value": 1},
             why="1-based position in the session"),
    ]),
    Suite("fct_sessions", [
        *not_negative("duration_seconds", "page_view_count", "conversion_count",
                      "unconverted_revenue_event_count"),
        Spec("ExpectColumnValuesToBeBetween", {"column": "event_count", "min_value": 1},
             why="a session has an event"),
        ordered("session_ended_at", "session_started_at"),
        Spec("ExpectColumnSumToBeBetween", _event_rows, whole_table=True,
             why="every event of fct_events is in exactly one session"),
        band("ExpectColumnMeanToBeBetween", "is_engaged", 0.2, 0.9,
             "real sites see 20-90% engaged sessions; near 100% means the rule is too loose"),
        band("ExpectColumnMedianToBeBetween", "duration_seconds", 0, 1800,
             "a median session under 30 minutes"),
        band("ExpectColumnMeanToBeBetween", "has_conversion", 0, 0.5,
             "under half the sessions convert"),
    ]),
    Suite("dim_users", [
        *not_negative("stitched_device_count", "engaged_session_count", "conversion_count"),
        Spec("ExpectColumnValuesToBeBetween", {"column": "session_count", "min_value": 1},
             why="a user has a session"),
        ordered("last_seen_at", "first_seen_at"),
        band("ExpectColumnMeanToBeBetween", "stitched_device_count", 0, 5,
             "few devices per person; many means over-eager stitching"),
    ]),
    # --- data quality ---
    Suite("fct_quarantined_events", [
        Spec("ExpectTableRowCountToBeBetween", _share_of_events(0.05), severity="warning",
             why="under 5% of the valid events' count is quarantined"),
    ]),
    Suite("fct_event_value_issues", [
        Spec("ExpectTableRowCountToBeBetween", _share_of_events(0.01), severity="warning",
             why="under 1% of events have a bad value"),
    ]),
    Suite("fct_unmapped_event_names", [
        *not_negative("event_count", "user_count"),
        Spec("ExpectTableRowCountToBeBetween", {"max_value": 50}, severity="warning",
             why="a handful of names outside the taxonomy at most"),
    ]),
    # --- funnels ---
    Suite("fct_funnel_units", [
        *not_negative("seconds_to_convert"),
        Spec("ExpectColumnValuesToBeBetween", {"column": "steps_reached", "min_value": 1},
             why="a unit reached the first step"),
        ordered("converted_at", "entered_at"),
    ]),
    Suite("fct_funnel_unit_steps", [
        *not_negative("seconds_from_entry", "seconds_from_previous_step"),
        ordered("step_at", "entry_date"),
    ]),
    Suite("fct_funnel_steps", [
        *rates("conversion_rate_from_start", "conversion_rate_from_previous", "drop_off_rate"),
        *not_negative("units_entered", "units_reached", "drop_off_units",
                      "seconds_from_previous_median", "seconds_from_entry_median"),
        ordered("seconds_from_previous_p75", "seconds_from_previous_p25"),
        ordered("seconds_from_entry_p90", "seconds_from_entry_median"),
    ]),
    Suite("fct_funnel_trend", [
        *rates("conversion_rate"),
        *not_negative("units_entered", "units_converted", "seconds_to_convert_median"),
        ordered("units_entered", "units_converted"),
    ]),
    # --- retention ---
    Suite("fct_active_user_days", [
        Spec("ExpectColumnValuesToBeBetween", {"column": "event_count", "min_value": 1},
             why="an active day has an event"),
        *not_negative("session_count", "conversion_count", "days_since_previous_activity"),
    ]),
    Suite("fct_active_users_daily", [
        *rates("dau_wau_ratio", "dau_mau_ratio", "wau_mau_ratio"),
        *not_negative("dau", "new_users"),
        ordered("wau", "dau"),
        ordered("mau", "wau"),
        band("ExpectColumnMeanToBeBetween", "dau_mau_ratio", 0.01, 0.8,
             "stickiness between 1% and 80%"),
    ]),
    Suite("fct_power_user_curves", [*rates("user_share"), *not_negative("user_count")]),
    Suite("fct_lifecycle_periods", [
        *not_negative("active_users", "new_users", "returning_users", "resurrecting_users",
                      "dormant_users", "quick_ratio"),
    ]),
    Suite("fct_retention_cohorts", [
        *rates("retention_rate", "retention_on_or_after_rate"),
        *not_negative("cohort_users", "retained_users"),
        ordered("retained_on_or_after_users", "retained_users"),
        ordered("cohort_users", "retained_on_or_after_users"),
    ]),
    Suite("fct_retention_curves", [
        *rates("retention_rate", "retention_on_or_after_rate"),
        ordered("cohort_users", "retained_users"),
        band("ExpectColumnMedianToBeBetween", "retention_rate", 0, 0.99,
             "retention after period 0 is not everyone (median over all cells)"),
    ]),
    # --- segments ---
    Suite("fct_rfm_snapshots", [
        *scores("recency_score", "frequency_score", "monetary_score"),
        Spec("ExpectColumnValuesToBeBetween", {"column": "frequency", "min_value": 1},
             why="a customer has a purchase"),
        *not_negative("recency_days", "monetary_value"),
    ]),
    Suite("dim_customer_rfm", [
        *scores("recency_score", "frequency_score", "monetary_score"),
        Spec("ExpectColumnValuesToBeBetween", {"column": "rfm_score", "min_value": 3,
             "max_value": 15}, why="sum of three 1-5 scores"),
        Spec("ExpectColumnValuesToMatchRegex", {"column": "rfm_cell", "regex": "^[1-5]{3}$"},
             why="three digits 1-5"),
        ordered("last_purchase_date", "first_purchase_date"),
        band("ExpectColumnProportionOfUniqueValuesToBeBetween", "segment_name", 0, 0.5,
             "segments group customers (not one segment per customer)"),
    ]),
    Suite("fct_rfm_segment_transitions", [
        *rates("share_of_from_segment"),
        ordered("from_segment_customer_count", "customer_count"),
    ]),
    Suite("dim_power_user_cohorts", []),
    Suite("dim_user_clv", not_negative("order_count", "purchase_day_count")),
    Suite("fct_clv_acquisition_cohorts", [
        *not_negative("cohort_users", "purchasing_users", "revenue", "cumulative_revenue"),
        ordered("cohort_users", "purchasing_users"),
    ]),
    Suite("dim_user_journey_stages", not_negative("staged_event_count")),
    Suite("dim_user_cancellation_clusters", [
        *not_negative("pricing_page_views", "help_page_views", "title_views"),
        Spec("ExpectColumnValuesToNotBeNull", {"column": "preferred_genre",
             "row_condition": "title_views > 0", "condition_parser": "pandas",
             "row_condition_columns": ("title_views",)},
             severity="warning",
             why="titles viewed since cancelling name a preferred genre (else the win-back ad has none)"),
    ]),
    Suite("fct_journey_stage_transitions", not_negative("user_count")),
    # --- paths ---
    Suite("fct_path_transitions", [
        *rates("transition_share"),
        *not_negative("transition_count", "median_seconds_between"),
        ordered("from_event_count", "transition_count"),
    ]),
    Suite("fct_path_flow_nodes", [*rates("share_of_anchor"), *not_negative("unit_count")]),
    Suite("fct_path_flow_links", [*rates("share_of_source", "share_of_anchor"),
                                  *not_negative("unit_count")]),
    Suite("fct_path_top_paths", [
        *rates("session_share", "conversion_rate"),
        ordered("session_count", "converted_session_count"),
    ]),
    Suite("fct_path_ngrams", [*rates("occurrence_share"), *not_negative("occurrence_count")]),
    # --- attribution ---
    Suite("fct_attribution_conversions", []),
    Suite("fct_attribution_touchpoints", [
        *not_negative("seconds_before_path_end"),
        Spec("ExpectColumnValuesToBeBetween", {"column": "touchpoint_count", "min_value": 1},
             why="a path has a touchpoint"),
    ]),
    Suite("fct_attribution_touchpoint_credits", []),
    Suite("fct_attribution_paths", [
        ordered("touchpoint_count", "transformed_touchpoint_count"),
    ]),
    Suite("fct_attribution_path_summary", []),
    Suite("fct_attribution_channel_report", [
        *not_negative("spend"),
        # heuristic rules share each conversion out; data-driven credit (Shapley, Markov) can
        # legitimately be negative for a channel that hurts conversion
        *[Spec("ExpectColumnValuesToBeBetween", {"column": c, "min_value": -1e-6,
               "row_condition": 'model_family=="heuristic"', "condition_parser": "pandas",
               "row_condition_columns": ("model_family",)},
               why="a heuristic rule gives no negative credit")
          for c in ("attributed_conversions", "roas")],
    ]),
    Suite("fct_attribution_channel_report_wide", not_negative("spend")),
    # --- triggers ---
    Suite("dim_trigger_steps", [
        *rates("holdout_share", "global_control_share"),
        *not_negative("offset_seconds", "goal_window_seconds"),
    ]),
    Suite("fct_trigger_fires", [
        ordered("condition_true_at", "entered_at"),
        ordered("send_at", "condition_true_at"),
    ]),
    Suite("fct_trigger_skips", [ordered("condition_true_at", "entered_at")]),
    Suite("fct_trigger_outcomes", [
        ordered("goal_at", "condition_true_at"),
        ordered("outcome_window_end_at", "condition_true_at"),
        *not_negative("goal_value"),
    ]),
    Suite("fct_trigger_audiences", []),
    Suite("fct_trigger_audience_changes", []),
    # --- experiments and lift ---
    Suite("fct_experiment_assignments", [
        Spec("ExpectColumnValuesToBeBetween", {"column": "exposure_count", "min_value": 1},
             why="an assigned unit was exposed"),
    ]),
    Suite("fct_experiment_sufficient_stats", [*not_negative("units", "sum_y2", "sum_x2")]),
    Suite("fct_experiment_results", [
        *rates("p_value", "p_value_adjusted"),
        ordered("absolute_effect", "absolute_ci_lower"),
        ordered("absolute_ci_upper", "absolute_effect"),
        ordered("p_value_adjusted", "p_value"),
    ]),
    Suite("fct_experiment_srm", [*rates("p_value", "declared_share"), *not_negative("units")]),
    Suite("fct_trigger_lift", [
        *rates("conversion_rate_treatment", "conversion_rate_control", "conversion_p_value"),
        ordered("conversion_lift", "conversion_lift_ci_lower"),
        ordered("conversion_lift_ci_upper", "conversion_lift"),
    ]),
]  # fmt: skip


def suites_by_mart() -> dict[str, Suite]:
    return {suite.mart: suite for suite in SUITES}
