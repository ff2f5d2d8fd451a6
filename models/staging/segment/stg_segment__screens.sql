{{ config(enabled=journey.journey_var('journey__source_segment_enabled')) }}

{#- Segment screen calls (mobile screen views, one row each) as 'screen' events; properties: name, category. -#}
{{ journey.segment_table_model(
    'screens',
    raw_event_name="'screen'",
    page_columns=['context_page_url'],
    referrer_columns=['context_page_referrer'],
    property_columns=['name', 'category'],
) }}
