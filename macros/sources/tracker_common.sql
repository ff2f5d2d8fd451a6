{#-
    Helpers shared by the tracker staging models (Segment, GA4, Snowplow): the column list
    every event staging model outputs, an empty typed result, a source check that names a
    missing table, and a JSON object builder.
-#}

{#- (name, type) of the columns of stg_generic__events, in its order: int_events_unioned selects * from each. -#}
{% macro tracker_event_columns() -%}
    {%- set text = dbt.type_string() -%}
    {%- set ts = dbt.type_timestamp() -%}
    {{ return([
        ('source_name', text),
        ('event_id', text),
        ('raw_event_name', text),
        ('event_timestamp_raw', text),
        ('event_at', ts),
        ('user_id', text),
        ('anonymous_id', text),
        ('tracker_session_id', text),
        ('sequence_number', dbt.type_bigint()),
        ('page_url', text),
        ('page_referrer', text),
        ('utm_source', text),
        ('utm_medium', text),
        ('utm_campaign', text),
        ('utm_content', text),
        ('utm_term', text),
        ('revenue', journey.type_double()),
        ('currency', text),
        ('properties', text),
        ('loaded_at', ts),
    ] + journey.tracker_value_audit_columns()) }}
{%- endmacro %}


{#-
    (name, type) of the columns that record what staging changed or could not type: each value
    as sent (as text) and value_issues, the list of what was wrong (see the generic_value_rules
    doc block). They end the canonical column list.
-#}
{% macro tracker_value_audit_columns() -%}
    {%- set text = dbt.type_string() -%}
    {{ return([
        ('user_id_raw', text),
        ('anonymous_id_raw', text),
        ('sequence_number_raw', text),
        ('revenue_raw', text),
        ('currency_raw', text),
        ('properties_raw', text),
        ('loaded_at_raw', text),
        ('value_issues', text),
    ]) }}
{%- endmacro %}


{#-
    The canonical columns cast to their types, from a CTE that already has them by name.
    with_value_audit: the CTE has the value audit columns too (the generic model). Otherwise (the
    trackers) the identities get the rules of the generic source here - blank and placeholder
    ids ('undefined') become null, spaces around are removed - with user_id_raw /
    anonymous_id_raw and value_issues saying so; the other audit columns are typed nulls.
-#}
{% macro tracker_select_event_columns(relation_alias, with_value_audit=false) -%}
    {%- set audit_names = journey.tracker_value_audit_columns() | map(attribute=0) | list -%}
    {%- set text = dbt.type_string() -%}
    {%- set identity = {} -%}
    {%- for column in ['user_id', 'anonymous_id'] -%}
        {%- set raw = 'cast(' ~ relation_alias ~ '.' ~ column ~ ' as ' ~ text ~ ')' -%}
        {%- do identity.update({
            column: journey.identity_value(raw, column),
            column ~ '_raw': raw,
            column ~ '_issue': journey.identity_value_issue(raw, column),
        }) -%}
    {%- endfor -%}
    {%- for name, data_type in journey.tracker_event_columns() %}
    {%- if with_value_audit %}
    cast({{ relation_alias }}.{{ name }} as {{ data_type }}) as {{ name }}{{ "," if not loop.last }}
    {%- elif name in ['user_id', 'anonymous_id', 'user_id_raw', 'anonymous_id_raw'] %}
    {{ identity[name] }} as {{ name }}{{ "," if not loop.last }}
    {%- elif name == 'value_issues' %}
    case
        when coalesce({{ identity['user_id_issue'] }}, {{ identity['anonymous_id_issue'] }}) is not null
            then {{ journey.trim_chars(
                "coalesce(" ~ identity['user_id_issue'] ~ " || ',', '') || coalesce("
                ~ identity['anonymous_id_issue'] ~ " || ',', '')",
                ',',
                'trailing'
            ) }}
    end as {{ name }}{{ "," if not loop.last }}
    {%- elif name in audit_names %}
    cast(null as {{ data_type }}) as {{ name }}{{ "," if not loop.last }}
    {%- else %}
    cast({{ relation_alias }}.{{ name }} as {{ data_type }}) as {{ name }}{{ "," if not loop.last }}
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{#- No rows, with the canonical columns and types: a tracker table that is switched off. -#}
{% macro tracker_empty_events() -%}
    select
    {%- for name, data_type in journey.tracker_event_columns() %}
        cast(null as {{ data_type }}) as {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
    from (select 1 as no_rows) as no_source
    where 1 = 0
{%- endmacro %}


{#-
    Checks that a tracker table exists and has the required columns, then returns the
    lower-cased column names it has (for journey.column_or_null). A missing table or column
    stops the run with a message naming the source, the relation and `hint` (which var to set).
    paths: on DuckDB, the file globs the source reads (each must match a file).
    Skipped when dbt is not executing, in the offline BigQuery compile and in unit tests (the
    source is a fixture there): `assumed_columns` (else the required ones) are then present.
-#}
{% macro tracker_source_columns(relation, required_columns, source_label, paths=none, hint='', assumed_columns=none) -%}
    {%- if not execute or journey.journey_var('journey__offline_compile') or journey.is_unit_test_run() -%}
        {{ return((assumed_columns or required_columns) | map('lower') | list) }}
    {%- endif -%}
    {%- set problem = journey.tracker_source_missing(relation, paths) -%}
    {%- if problem -%}
        {{ exceptions.raise_compiler_error(
            "journey: the source " ~ source_label ~ " was not found: " ~ problem ~ ". " ~ hint
        ) }}
    {%- endif -%}
    {{ return(journey.check_source_columns(relation, required_columns, source_label)) }}
{%- endmacro %}


{#- True while dbt renders a model for one of its unit tests (sources are fixture CTEs then). -#}
{% macro is_unit_test_run() -%}
    {{ return(model is mapping and model.get('resource_type') == 'unit_test') }}
{%- endmacro %}


{#- A message when the relation is missing, else an empty string. -#}
{% macro tracker_source_missing(relation, paths=none) -%}
    {{ return(adapter.dispatch('tracker_source_missing', 'journey')(relation, paths)) }}
{%- endmacro %}

{#- Warehouses: a wildcard table (GA4 events_*) is checked by the column probe instead. -#}
{% macro default__tracker_source_missing(relation, paths=none) -%}
    {%- if relation.identifier is none or '*' in relation.identifier -%}
        {{ return('') }}
    {%- endif -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) -%}
    {{ return('' if found is not none else 'no table ' ~ relation) }}
{%- endmacro %}

{#- DuckDB reads tracker tables from files: every glob must match at least one file. -#}
{% macro duckdb__tracker_source_missing(relation, paths=none) -%}
    {%- set globs = [] -%}
    {%- if paths is string -%}
        {%- do globs.append(paths) -%}
    {%- elif paths is not none -%}
        {%- do globs.extend(paths) -%}
    {%- endif -%}
    {%- if globs | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- for glob in globs -%}
        {%- set found = run_query("select count(*) from glob('" ~ glob ~ "')") -%}
        {%- if found.columns[0].values()[0] == 0 -%}
            {{ return("no file matches '" ~ glob ~ "'") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}


{#-
    A JSON object (as text) from (key, SQL expression) pairs, keys with null values left out;
    null when every value is null. pairs: list of (literal key, SQL expression).
-#}
{% macro tracker_json_object(pairs) -%}
    {{ return(adapter.dispatch('tracker_json_object', 'journey')(pairs)) }}
{%- endmacro %}

{% macro default__tracker_json_object(pairs) -%}
    {%- if pairs | length == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        nullif(to_json_string(json_strip_nulls(json_object(
            {%- for key, expression in pairs %}
            '{{ key }}', {{ expression }}{{ "," if not loop.last }}
            {%- endfor %}
        ))), '{}')
    {%- endif -%}
{%- endmacro %}

{#- DuckDB has no json_strip_nulls: a map of the non-null values, serialised. -#}
{% macro duckdb__tracker_json_object(pairs) -%}
    {%- if pairs | length == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        nullif(cast(to_json(map_from_entries([
            entry for entry in [
                {%- for key, expression in pairs %}
                struct_pack(k := '{{ key }}', v := to_json({{ expression }})){{ "," if not loop.last }}
                {%- endfor %}
            ]
            if entry['v'] is not null
        ])) as {{ dbt.type_string() }}), '{}')
    {%- endif -%}
{%- endmacro %}


{#- A nullable text column of the source, trimmed of '' (absent columns are typed nulls). -#}
{% macro tracker_text(column, present_columns) -%}
    {%- if column | lower in present_columns -%}
        nullif({{ journey.try_cast(column, dbt.type_string()) }}, '')
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}


{#- The first of the columns the source has, as text; null when it has none of them. -#}
{% macro tracker_first_text(columns, present_columns) -%}
    {%- set found = [] -%}
    {%- for column in columns -%}
        {%- if column | lower in present_columns -%}
            {%- do found.append(journey.tracker_text(column, present_columns)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if found | length == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- elif found | length == 1 -%}
        {{ found[0] }}
    {%- else -%}
        coalesce({{ found | join(', ') }})
    {%- endif -%}
{%- endmacro %}


{#- A column of the source cast to a type, or a typed null when the source lacks it. -#}
{% macro tracker_typed(column, present_columns, data_type) -%}
    {%- if column | lower in present_columns -%}
        {{ journey.try_cast(column, data_type) }}
    {%- else -%}
        cast(null as {{ data_type }})
    {%- endif -%}
{%- endmacro %}


{#- The first non-null of the columns the source has, cast to a type; null when it has none. -#}
{% macro tracker_first_typed(columns, present_columns, data_type) -%}
    {%- set found = [] -%}
    {%- for column in columns -%}
        {%- if column | lower in present_columns -%}
            {%- do found.append(journey.try_cast(column, data_type)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if found | length == 0 -%}
        cast(null as {{ data_type }})
    {%- elif found | length == 1 -%}
        {{ found[0] }}
    {%- else -%}
        coalesce({{ found | join(', ') }})
    {%- endif -%}
{%- endmacro %}
