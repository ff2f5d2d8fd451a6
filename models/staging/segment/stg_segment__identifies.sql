{{ config(enabled=journey.journey_var('journey__source_segment_enabled')) }}

{#-
    Segment identify calls as canonical 'identify' events: each row with both an anonymous id
    and a user id is identity evidence (int_identity_pairs_daily). Traits are not read.
-#}
{{ journey.segment_table_model(
    'identifies',
    raw_event_name="'identify'",
    page_columns=['context_page_url'],
    referrer_columns=['context_page_referrer'],
) }}
