{#-
    The per-unit aggregate of one metric component (experiment_metric_component) over the rows
    of a unit joined to its events, where `seconds_after_exposure` is the event's offset from
    the first exposure (null when the unit has no event in range).
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
    {%- elif c.agg == 'sessions' -%}
        count(distinct case when {{ condition }} then session_id end)
    {%- else -%}
        count(distinct case when {{ condition }} then event_date end)
    {%- endif -%}
{%- endmacro %}
