{{ config(enabled=journey.journey_var('journey__source_segment_enabled')) }}

{#- Segment page calls (one row each) as canonical 'page' events; properties: name, category, title, path, search. -#}
{{ journey.segment_table_model(
    'pages',
    raw_event_name="'page'",
    page_columns=['url', 'context_page_url'],
    referrer_columns=['referrer', 'context_page_referrer'],
    property_columns=['name', 'category', 'title', 'path', 'search'],
) }}
