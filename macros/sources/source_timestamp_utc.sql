{#-
    A source timestamp column as its UTC instant. source_type (from journey.source_column_types)
    picks the parser: a typed TIMESTAMP is cast, a TIMESTAMP WITH TIME ZONE keeps its instant
    whatever the session's time zone (journey.timestamptz_to_utc), and text or an unknown type
    takes the ISO-8601 rules of journey.iso_timestamp_to_utc (offsets applied).
-#}
{% macro source_timestamp_utc(column, source_type=none) -%}
    {%- set source_type = (source_type or '') | upper -%}
    {%- if source_type in ['TIMESTAMP', 'TIMESTAMP_NS', 'TIMESTAMP_MS', 'TIMESTAMP_S', 'DATETIME'] -%}
        cast({{ column }} as {{ dbt.type_timestamp() }})
    {%- elif source_type in ['TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ'] -%}
        {{ journey.timestamptz_to_utc(column) }}
    {%- else -%}
        {{ journey.iso_timestamp_to_utc(journey.try_cast(column, dbt.type_string())) }}
    {%- endif -%}
{%- endmacro %}
