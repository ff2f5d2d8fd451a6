{#-
    The per-unit aggregate of one metric component (experiment_metric_component) over the rows
    of a unit joined to its events, where `seconds_after_exposure` is the event's offset from
    the first exposure (null when the unit has no event in range).

    Distinct counts avoid count(distinct), the costly part of the aggregate, where they can:
    - sessions of any event: the sessions that start inside the window (their first event,
      event_index 1, is in it) plus the sessions started before the window that have an event in
      it (a distinct count over those few rows only: session_start_seconds < start). A session's
      events all belong to one user (fct_events), so its first event is the unit's too.
    - active days: each event's UTC day as a bit of one integer (day_offset, days from the
      exposure's date, shifted to start at bit 0), OR-ed together, the set bits counted. A window
      [start, end) spans the days floor(start / 86400) .. ceil(end / 86400) from the exposure's
      date, so windows spanning up to 62 days fit a BIGINT; longer ones use count(distinct).
    - sessions of named events: count(distinct) (the session's first event may be another event).
-#}
{% macro experiment_metric_aggregate(component) -%}
    {%- set c = component -%}
    {%- set condition -%}
        seconds_after_exposure >= {{ c.start_seconds }} and seconds_after_exposure < {{ c.end_seconds }}
        {%- if c.events %} and event_name in ('{{ c.events | join("', '") }}'){% endif -%}
    {%- endset -%}
    {%- if c.agg == 'any' -%}
        max(case when {{ condition }} then 1 else 0 end)
    {%- elif c.agg == 'count' -%}
        sum(case when {{ condition }} then 1 else 0 end)
    {%- elif c.agg == 'sum' -%}
        {%- set value = 'revenue' if c.value == 'revenue' else journey.try_cast(journey.json_extract_string('properties', c.value), journey.segment_type_double()) -%}
        sum(case when {{ condition }} then coalesce({{ value }}, 0) else 0 end)
    {%- elif c.agg == 'sessions' and not c.events -%}
        sum(case when {{ condition }} and event_index = 1 then 1 else 0 end)
        + count(distinct case when {{ condition }} and session_start_seconds < {{ c.start_seconds }} then session_id end)
    {%- elif c.agg == 'sessions' -%}
        count(distinct case when {{ condition }} then session_id end)
    {%- else -%}
        {%- set first_day = c.start_seconds // 86400 -%}
        {%- set last_day = -(-c.end_seconds // 86400) -%}
        {%- if last_day - first_day + 1 <= 62 -%}
            {%- set bit = 'cast(power(2, day_offset - (' ~ first_day ~ ')) as ' ~ dbt.type_bigint() ~ ')' -%}
            bit_count(bit_or(case when {{ condition }} then {{ bit }} else 0 end))
        {%- else -%}
            count(distinct case when {{ condition }} then event_date end)
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
