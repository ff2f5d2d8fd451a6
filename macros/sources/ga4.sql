{#-
    GA4 BigQuery export helpers. Event parameters and user properties are arrays of
    key / value structs (value: string_value, int_value, float_value, double_value); BigQuery
    unnests them in a correlated subquery, DuckDB does the same on the struct lists it reads
    from the export's JSON lines (only the alias syntax differs).
-#}

{#- Columns of the export that staging reads (assumed in unit tests and the offline compile). -#}
{% macro ga4_known_columns() -%}
    {{ return([
        'event_date', 'event_timestamp', 'event_name', 'event_params', 'event_bundle_sequence_id',
        'user_id', 'user_pseudo_id', 'user_properties', 'traffic_source', 'stream_id',
        'platform', 'ecommerce', 'items', 'collected_traffic_source', 'batch_event_index',
        'batch_page_id', 'batch_ordering_id',
    ]) }}
{%- endmacro %}


{#- The key / value structs' value as SQL, by type: string, int, double (any float) or any (as text). -#}
{% macro ga4_value_expression(alias, value_type) -%}
    {%- if value_type == 'string' -%}
        {{ alias }}.value.string_value
    {%- elif value_type == 'int' -%}
        {{ alias }}.value.int_value
    {%- elif value_type == 'double' -%}
        coalesce(
            {{ alias }}.value.double_value,
            {{ alias }}.value.float_value,
            cast({{ alias }}.value.int_value as {{ journey.type_double() }})
        )
    {%- elif value_type == 'any' -%}
        coalesce(
            {{ alias }}.value.string_value,
            cast({{ alias }}.value.int_value as {{ dbt.type_string() }}),
            cast({{ alias }}.value.double_value as {{ dbt.type_string() }}),
            cast({{ alias }}.value.float_value as {{ dbt.type_string() }})
        )
    {%- else -%}
        {{ exceptions.raise_compiler_error("journey.ga4_param: value_type must be string, int, double or any, got '" ~ value_type ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{#-
    One event parameter (or user property) by key:
    (select value.string_value from unnest(event_params) where key = 'x') on BigQuery.
-#}
{% macro ga4_param(key, value_type='string', column='event_params') -%}
    {{ return(adapter.dispatch('ga4_param', 'journey')(key, value_type, column)) }}
{%- endmacro %}

{% macro default__ga4_param(key, value_type='string', column='event_params') -%}
    (
        select {{ journey.ga4_value_expression('param', value_type) }}
        from unnest({{ column }}) as param
        where param.key = '{{ key }}'
        limit 1
    )
{%- endmacro %}

{#- DuckDB unnests a list in a correlated subquery with a table alias and a column alias. -#}
{% macro duckdb__ga4_param(key, value_type='string', column='event_params') -%}
    (
        select {{ journey.ga4_value_expression('param', value_type) }}
        from unnest({{ column }}) as unnested (param)
        where param.key = '{{ key }}'
        limit 1
    )
{%- endmacro %}


{#-
    The properties JSON (text) of a GA4 row: every event parameter by its key, every user
    property as 'user_property_<key>', and `extras` ((key, SQL) pairs); values as text, nulls
    left out, keys sorted and unique. Null when there is nothing.
-#}
{% macro ga4_properties_json(extras=[], include_user_properties=true) -%}
    {{ return(adapter.dispatch('ga4_properties_json', 'journey')(extras, include_user_properties)) }}
{%- endmacro %}

{#-
    Key / value rows of ga4_properties_json. unnest_alias: the engine's alias clause for an
    unnested element, '@' standing for the element's name; struct: the engine's literal of a
    {key, value} struct, '@key' / '@value' standing for its parts.
-#}
{% macro ga4_properties_rows(extras, include_user_properties, unnest_alias, struct) -%}
    select param.key as property_key, {{ journey.ga4_value_expression('param', 'any') }} as property_value
    from unnest(event_params) as {{ unnest_alias | replace('@', 'param') }}
    {%- if include_user_properties %}
    union all
    select
        concat('user_property_', user_property.key) as property_key,
        {{ journey.ga4_value_expression('user_property', 'any') }} as property_value
    from unnest(user_properties) as {{ unnest_alias | replace('@', 'user_property') }}
    {%- endif %}
    {%- if extras %}
    union all
    select extra.key as property_key, extra.value as property_value
    from unnest([
        {%- for key, expression in extras %}
        {{ struct | replace('@key', "'" ~ key ~ "'") | replace('@value', 'cast(' ~ expression ~ ' as ' ~ dbt.type_string() ~ ')') }}{{ "," if not loop.last }}
        {%- endfor %}
    ]) as {{ unnest_alias | replace('@', 'extra') }}
    {%- endif %}
{%- endmacro %}

{#-
    Keys in order and once each (the smallest value of a repeated key), so the text is the
    same on every run: the event-id fingerprint depends on it.
-#}
{% macro default__ga4_properties_json(extras=[], include_user_properties=true) -%}
    (
        select to_json_string(json_object(
            array_agg(property_key order by property_key),
            array_agg(property_value order by property_key)
        ))
        from (
            select property_key, min(property_value) as property_value
            from (
                {{ journey.ga4_properties_rows(extras, include_user_properties, '@', 'struct(@key as key, @value as value)') }}
            ) as property_rows
            where property_value is not null
            group by property_key
        ) as properties
        having count(*) > 0
    )
{%- endmacro %}

{#- DuckDB: a map of the same key / value lists, as JSON (json_group_object takes no order). -#}
{% macro duckdb__ga4_properties_json(extras=[], include_user_properties=true) -%}
    (
        select cast(to_json(map(
            list(property_key order by property_key),
            list(property_value order by property_key)
        )) as {{ dbt.type_string() }})
        from (
            select property_key, min(property_value) as property_value
            from (
                {{ journey.ga4_properties_rows(extras, include_user_properties, 'unnested (@)', 'struct_pack(key := @key, value := @value)') }}
            ) as property_rows
            where property_value is not null
            group by property_key
        ) as properties
        having count(*) > 0
    )
{%- endmacro %}


{#- A field of collected_traffic_source (exports from mid-2023 on), or a typed null when the export lacks it. -#}
{% macro ga4_collected_field(field, present) -%}
    {%- if 'collected_traffic_source' in present -%}
        collected_traffic_source.{{ field }}
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}


{#- The item_id of each item of an e-commerce event, comma-separated in the items' order. -#}
{% macro ga4_item_ids() -%}
    {{ return(adapter.dispatch('ga4_item_ids', 'journey')()) }}
{%- endmacro %}

{% macro default__ga4_item_ids() -%}
    (
        select string_agg(item.item_id, ',' order by item_index)
        from unnest(items) as item with offset as item_index
    )
{%- endmacro %}

{#- DuckDB: a list comprehension keeps the items' order. -#}
{% macro duckdb__ga4_item_ids() -%}
    nullif(array_to_string([item.item_id for item in items], ','), '')
{%- endmacro %}


{#- Microseconds since the epoch (GA4 event_timestamp) as a timestamp. -#}
{% macro ga4_timestamp_micros(expression) -%}
    {{ return(adapter.dispatch('ga4_timestamp_micros', 'journey')(expression)) }}
{%- endmacro %}

{% macro default__ga4_timestamp_micros(expression) -%}
    timestamp_micros({{ expression }})
{%- endmacro %}

{#- DuckDB: make_timestamp(bigint) reads microseconds since the epoch. -#}
{% macro duckdb__ga4_timestamp_micros(expression) -%}
    make_timestamp({{ expression }})
{%- endmacro %}


{#-
    What the column check probes: the source itself on a warehouse; on DuckDB the export files
    read with detected columns (the source's explicit JSON schema would hide a wrong file).
-#}
{% macro ga4_probe_relation(relation) -%}
    {{ return(adapter.dispatch('ga4_probe_relation', 'journey')(relation)) }}
{%- endmacro %}

{% macro default__ga4_probe_relation(relation) -%}
    {{ return(relation) }}
{%- endmacro %}

{% macro duckdb__ga4_probe_relation(relation) -%}
    {{ return("read_json(" ~ journey.ga4_duckdb_paths_literal() ~ ", format = 'newline_delimited', union_by_name = true)") }}
{%- endmacro %}


{#- var journey__ga4_events_path as a list of absolute globs (journey.absolute_source_path). -#}
{% macro ga4_paths() -%}
    {%- set p = journey.journey_var('journey__ga4_events_path') -%}
    {{ return(journey.absolute_source_path([p] if p is string else p | list)) }}
{%- endmacro %}

{#- ... and as a DuckDB literal ('a' or ['a', 'b']). -#}
{% macro ga4_duckdb_paths_literal() -%}
    {%- set paths = journey.ga4_paths() -%}
    {%- if paths | length == 1 -%}
        {{ return("'" ~ paths[0] ~ "'") }}
    {%- else -%}
        {{ return("['" ~ paths | join("', '") ~ "']") }}
    {%- endif -%}
{%- endmacro %}
