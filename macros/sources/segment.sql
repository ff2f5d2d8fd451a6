{#-
    Segment warehouse schema -> canonical event rows. Every Segment table shares the common
    columns (id, anonymous_id, user_id, timestamp, received_at, uuid_ts, context_*); these
    macros map them once for tracks, pages, screens, identifies and the per-event tables.
-#}

{#- Columns of each Segment table that staging reads (unit-test fixtures provide these). -#}
{% macro segment_known_columns(table) -%}
    {%- set common = [
        'id', 'anonymous_id', 'user_id', 'timestamp', 'received_at', 'uuid_ts',
        'context_page_url', 'context_page_referrer', 'context_campaign_source',
        'context_campaign_medium', 'context_campaign_name', 'context_campaign_content',
        'context_campaign_term',
    ] -%}
    {%- set extra = {
        'tracks': ['event', 'event_text'],
        'pages': ['name', 'category', 'url', 'path', 'referrer', 'title', 'search'],
        'screens': ['name', 'category'],
        'identifies': [],
    } -%}
    {{ return(common + extra.get(table, ['event', 'event_text'])) }}
{%- endmacro %}


{#- Columns that are Segment's own, not an event's properties, in a per-event table. -#}
{% macro segment_is_property_column(column) -%}
    {%- set own = [
        'id', 'anonymous_id', 'user_id', 'event', 'event_text', 'timestamp', 'original_timestamp',
        'sent_at', 'received_at', 'uuid_ts', 'loaded_at', 'channel', 'context',
    ] -%}
    {{ return(column not in own and not column.startswith('context_') and not column.startswith('_')) }}
{%- endmacro %}


{#- The hint shown when a Segment table is missing. -#}
{% macro segment_missing_hint(table) -%}
    {{ return(
        "Point journey__segment_schema / journey__segment_path (with {table}) at your Segment "
        ~ "schema, or remove '" ~ table ~ "' from journey__segment_tables / "
        ~ "journey__segment_event_tables, or set journey__source_segment_enabled: false."
    ) }}
{%- endmacro %}


{#- The files a Segment table is read from on DuckDB (var journey__segment_path, {table} filled in, absolute). -#}
{% macro segment_table_path(table) -%}
    {%- set path = journey.journey_var('journey__segment_path') -%}
    {%- if '{table}' not in path -%}
        {{ exceptions.raise_compiler_error(
            "journey: journey__segment_path must contain {table} (each Segment table has its own files), got '" ~ path ~ "'"
        ) }}
    {%- endif -%}
    {{ return(journey.absolute_source_path(path | replace('{table}', table))) }}
{%- endmacro %}


{#-
    The relation of a per-event table that has no source entry of its own (its name comes from
    var journey__segment_event_tables): beside `tracks` in the same schema on a warehouse.
-#}
{% macro segment_event_table_relation(tracks_relation, table) -%}
    {{ return(adapter.dispatch('segment_event_table_relation', 'journey')(tracks_relation, table)) }}
{%- endmacro %}

{% macro default__segment_event_table_relation(tracks_relation, table) -%}
    {{ return(api.Relation.create(
        database=tracks_relation.database, schema=tracks_relation.schema, identifier=table
    )) }}
{%- endmacro %}

{#- DuckDB reads Segment tables from files: the same reader as the source, for this table. -#}
{% macro duckdb__segment_event_table_relation(tracks_relation, table) -%}
    {%- set p = journey.segment_table_path(table) -%}
    {%- set f = journey.journey_var('journey__segment_format') -%}
    {%- if f == 'csv' -%}
        {{ return("read_csv('" ~ p ~ "', header = true, all_varchar = true, union_by_name = true)") }}
    {%- elif f == 'json' -%}
        {{ return("read_json('" ~ p ~ "', format = 'newline_delimited', union_by_name = true)") }}
    {%- else -%}
        {{ return("read_parquet('" ~ p ~ "', union_by_name = true)") }}
    {%- endif -%}
{%- endmacro %}


{#-
    Canonical columns of one Segment table.
    relation: what to read; present: its lower-cased columns; raw_event_name: SQL of the raw
    name; page_columns / referrer_columns: where the URL and referrer are, in order of
    preference; properties: (key, SQL) pairs for the properties JSON (empty: null);
    with_revenue: take revenue / currency from the table's revenue, total or value column for
    the raw names in var journey__segment_revenue_events; where: an optional filter.
-#}
{% macro segment_event_select(
    relation, present, raw_event_name, page_columns, referrer_columns, properties=[],
    with_revenue=false, where=none
) -%}
    {%- set text = dbt.type_string() -%}
    {%- set revenue_columns = [] -%}
    {%- for column in ['revenue', 'total', 'value'] -%}
        {%- if column in present -%}
            {%- do revenue_columns.append(journey.try_cast(column, journey.type_double())) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set revenue_events = journey.journey_var('journey__segment_revenue_events') -%}
    select
        'segment' as source_name,
        {{ journey.tracker_text('id', present) }} as event_id,
        {{ raw_event_name }} as raw_event_name,
        {{ journey.tracker_text('timestamp', present) }} as event_timestamp_raw,
        {{ journey.tracker_typed('timestamp', present, dbt.type_timestamp()) }} as event_at,
        {{ journey.tracker_text('user_id', present) }} as user_id,
        {{ journey.tracker_text('anonymous_id', present) }} as anonymous_id,
        cast(null as {{ text }}) as tracker_session_id,
        cast(null as {{ dbt.type_bigint() }}) as sequence_number,
        {{ journey.tracker_first_text(page_columns, present) }} as page_url,
        {{ journey.tracker_first_text(referrer_columns, present) }} as page_referrer,
        {{ journey.tracker_text('context_campaign_source', present) }} as utm_source,
        {{ journey.tracker_text('context_campaign_medium', present) }} as utm_medium,
        {{ journey.tracker_text('context_campaign_name', present) }} as utm_campaign,
        {{ journey.tracker_text('context_campaign_content', present) }} as utm_content,
        {{ journey.tracker_text('context_campaign_term', present) }} as utm_term,
        {%- if with_revenue and revenue_columns and revenue_events %}
        case
            when {{ raw_event_name }} in ('{{ revenue_events | join("', '") }}')
                then {{ revenue_columns[0] if revenue_columns | length == 1 else 'coalesce(' ~ revenue_columns | join(', ') ~ ')' }}
        end as revenue,
        case
            when {{ raw_event_name }} in ('{{ revenue_events | join("', '") }}')
                then {{ journey.tracker_text('currency', present) }}
        end as currency,
        {%- else %}
        cast(null as {{ journey.type_double() }}) as revenue,
        cast(null as {{ text }}) as currency,
        {%- endif %}
        {{ journey.tracker_json_object(properties) }} as properties,
        {{ journey.tracker_first_typed(['uuid_ts', 'received_at'], present, dbt.type_timestamp()) }} as loaded_at
    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
{%- endmacro %}


{#-
    A whole staging model for one of Segment's fixed tables (pages, screens, identifies): its
    rows when the table is listed in var journey__segment_tables, else no rows.
-#}
{% macro segment_table_model(table, raw_event_name, page_columns, referrer_columns, property_columns=[]) -%}
    {%- if table not in journey.journey_var('journey__segment_tables') -%}
        {{ journey.tracker_empty_events() }}
    {%- else -%}
        {%- set relation = journey.resolved_source(source('segment', table)) -%}
        {%- set present = journey.tracker_source_columns(
            relation, ['id', 'timestamp'], 'segment.' ~ table,
            paths=[journey.segment_table_path(table)],
            hint=journey.segment_missing_hint(table),
            assumed_columns=journey.segment_known_columns(table),
        ) -%}
        {%- set properties = [] -%}
        {%- for column in property_columns if column in present -%}
            {%- do properties.append((column, journey.tracker_text(column, present))) -%}
        {%- endfor %}
with source_rows as (

    {{ journey.segment_event_select(relation, present, raw_event_name, page_columns, referrer_columns, properties) }}

),

final as (

    select
        {{- journey.tracker_select_event_columns('source_rows') }}
    from source_rows

)

select * from final
    {%- endif -%}
{%- endmacro %}


{#-
    The whole stg_segment__tracks model: `tracks` rows, except the events whose per-event table
    is listed in var journey__segment_event_tables, which are read from that table (it repeats
    the common columns and adds the properties); no rows when 'tracks' is not listed in
    journey__segment_tables.
-#}
{% macro segment_tracks_model() -%}
{%- if 'tracks' not in journey.journey_var('journey__segment_tables') -%}
{{ journey.tracker_empty_events() }}
{%- else -%}
{#- unit tests give only `tracks` as a fixture: per-event tables are not read there -#}
{%- set event_tables = [] if journey.is_unit_test_run() else journey.journey_var('journey__segment_event_tables') -%}
{%- set tracks = journey.resolved_source(source('segment', 'tracks')) -%}
{%- set present = journey.tracker_source_columns(
    tracks, ['id', 'event', 'timestamp'], 'segment.tracks',
    paths=[journey.segment_table_path('tracks')],
    hint=journey.segment_missing_hint('tracks'),
    assumed_columns=journey.segment_known_columns('tracks'),
) -%}
{%- set raw_name = journey.tracker_first_text(['event_text', 'event'], present) -%}

with tracks as (

    {{ journey.segment_event_select(
        tracks, present, raw_name, ['context_page_url'], ['context_page_referrer'],
        where=("coalesce(event, '') not in ('" ~ event_tables | join("', '") ~ "')") if event_tables else none,
    ) }}

),

{% for table in event_tables %}
{%- set relation = journey.segment_event_table_relation(tracks, table) -%}
{%- set table_present = journey.tracker_source_columns(
    relation, ['id', 'timestamp'], 'segment.' ~ table ~ ' (per-event table)',
    paths=[journey.segment_table_path(table)],
    hint=journey.segment_missing_hint(table),
    assumed_columns=journey.segment_known_columns('tracks') + ['revenue', 'currency'],
) -%}
{%- set properties = [] -%}
{%- for column in table_present if journey.segment_is_property_column(column) -%}
    {%- do properties.append((column, column)) -%}
{%- endfor %}
event_table_{{ loop.index }} as (

    -- per-event table {{ table }}
    {{ journey.segment_event_select(
        relation, table_present,
        journey.tracker_first_text(['event_text', 'event'], table_present) if ('event_text' in table_present or 'event' in table_present) else "'" ~ table ~ "'",
        ['context_page_url'], ['context_page_referrer'], properties, with_revenue=true,
    ) }}

),
{% endfor %}

unioned as (

    select * from tracks
    {%- for table in event_tables %}
    union all
    select * from event_table_{{ loop.index }}
    {%- endfor %}

),

final as (

    select
        {{- journey.tracker_select_event_columns('unioned') }}
    from unioned

)

select * from final
{%- endif %}
{%- endmacro %}
