{{ config(enabled=journey.journey_var('journey__source_segment_enabled')) }}

{#-
    Segment track calls, one row each. The raw name is event_text as sent ('Order Completed'),
    else the slug. Events whose per-event table is listed in var journey__segment_event_tables
    are read from that table instead of `tracks` (it repeats the common columns and adds the
    properties), so each call is still one row: properties become the JSON properties and, for
    the names in journey__segment_revenue_events, revenue = revenue, else total, else value.
    No rows when 'tracks' is not in var journey__segment_tables.
-#}
{{ journey.segment_tracks_model() }}
