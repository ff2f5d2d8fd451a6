{#-
    CTEs that evaluate every attempt of one funnel (see funnel_configs for its shape) from
    fct_events; the last CTE, <prefix>final, has the columns of funnel_attempt_columns().

    An attempt starts at each entry event (a step-1 event whose event_date is in the entry
    date range; with order any_order, an event of any step; with attempt_policy first only the
    unit's first entry, unless an excluded attempt must fall back). Events are ordered exactly as in
    sessions (journey.event_order(): time, sequence number, event id) and numbered per unit
    (unit_rank); a step's event must come strictly later in that order than the previous
    step's, so one event never fills two steps. "Part" = unit plus the held-constant values:
    steps of an attempt are looked for in its part only.

      ordered    required steps are matched greedily: step k = the first step-k event after
                 step k-1's event (at least min_gap later), kept only when it is within the
                 conversion window from the entry (inclusive) and within `within` of the
                 previous required step (inclusive). Optional steps are then looked for
                 between their neighbouring reached steps; they never change the required
                 chain.
      strict     step k must be the very next event of the unit after the last reached step,
                 ignoring `ignore_events`; an optional step that is not next is skipped.
      any_order  from the entry on, within the window, each event fills the lowest-numbered
                 unfilled step it matches: step k = the first step-k event at or after the
                 entry that has not filled an earlier step.

    Exclusion j between [a, b] excludes the attempt when an exclusion event of the unit
    comes after step a's event and before step b's event, or, when step b was not reached,
    while the attempt could still progress (open_until_at, the strict breaking event).
    With count_by attempts, next_attempt_id links each attempt to the first entry after it
    has ended (converted, excluded or timed out), as Mixpanel's total conversions do.

    Per-step search runs as equi-joins on precomputed "next step-k event" ranks (window
    functions over the small filtered event table), or as one window pass over probes and
    candidate events (funnel_next_match_sql) where a minimum gap is involved: no join of
    attempts with events ever multiplies rows.
-#}
{% macro funnel_attempts_ctes(funnel, prefix) -%}
{%- set ctx = journey.funnel_attempt_context(funnel, prefix) -%}
{%- if funnel.order == 'strict' -%}
    {{ journey.funnel_strict_stream_ctes(funnel, ctx) }}
{%- else -%}
    {{ journey.funnel_source_ctes(funnel, ctx) }}
{%- endif %}

{{ journey.funnel_ranked_event_ctes(funnel, ctx) }}

{{ journey.funnel_entries_cte(funnel, ctx) }}
{%- if funnel.order == 'ordered' -%}
    {{ journey.funnel_ordered_step_ctes(funnel, ctx) }}
{%- elif funnel.order == 'strict' -%}
    {{ journey.funnel_strict_step_ctes(funnel, ctx) }}
{%- else -%}
    {{ journey.funnel_any_order_step_ctes(funnel, ctx) }}
{%- endif %}

{{ journey.funnel_summary_cte(funnel, ctx) }}

{{ journey.funnel_exclusion_ctes(funnel, ctx) }}
{%- if funnel.count_by == 'attempts' %}

{{ journey.funnel_next_attempt_cte(funnel, ctx) }}
{%- endif %}

{{ journey.funnel_final_cte(funnel, ctx) }}
{%- endmacro %}
