{#-
    An ISO-8601 timestamp text as the UTC instant it names, or null when the text is not one.
    Accepted: 'YYYY-MM-DD HH:MM[:SS[.fraction]]' with 'T' or a space between date and time and
    an optional zone: 'Z', '+HH', '+HHMM' or '+HH:MM' (hours 00-23). The offset is applied:
    '2026-01-05T10:00:00+05:00' is 05:00 UTC. A time without zone is taken as UTC. A date
    without a time, a named zone, epoch numbers and anything else give null (the caller says
    why). Built from the cross-database regexp, cast and timestamp_add macros, so that every
    engine applies offsets the same way (DuckDB's cast to timestamp would drop them). Only the
    rows with a zone pay for the offset arithmetic.
-#}
{% macro iso_timestamp_to_utc(text) -%}
    {%- set trimmed = 'trim(' ~ text ~ ')' -%}
    {%- set zone = '[ ]?([Zz]|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)' -%}
    {%- set iso = '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[Tt ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(' ~ zone ~ ')?$' -%}
    {#- from the 11th character on (past the date's dashes), a sign can only start a zone -#}
    {%- set time_part = 'substr(' ~ trimmed ~ ', 11)' -%}
    {%- set has_zone -%}
        (
            {{ dbt.position("'+'", time_part) }} > 0
            or {{ dbt.position("'-'", time_part) }} > 0
            or upper(substr({{ trimmed }}, length({{ trimmed }}))) = 'Z'
        )
    {%- endset -%}
    {%- set local = "replace(replace(" ~ journey.regexp_replace_all(trimmed, zone ~ '$', '') ~ ", 'T', ' '), 't', ' ')" -%}
    {%- set offset_hours = journey.regexp_extract_group(trimmed, '([+-][0-9]{2}):?[0-9]{0,2}$') -%}
    {%- set offset_minutes = journey.regexp_extract_group(trimmed, '[+-][0-9]{2}:?([0-9]{2})$') -%}
    {%- set offset -%}
        coalesce(
            cast({{ offset_hours }} as {{ dbt.type_int() }}) * 60
            + case when {{ offset_hours }} like '-%' then -1 else 1 end
            * coalesce(cast({{ offset_minutes }} as {{ dbt.type_int() }}), 0),
            0
        )
    {%- endset -%}
    case
        when not {{ journey.regexp_contains(trimmed, iso) }} then null
        when {{ has_zone }}
            then {{ journey.timestamp_add(
                'minute',
                '-1 * ' ~ offset,
                journey.try_cast(journey.timestamp_with_seconds(local), dbt.type_timestamp())
            ) }}
        else {{ journey.try_cast(
            journey.timestamp_with_seconds("replace(replace(" ~ trimmed ~ ", 'T', ' '), 't', ' ')"),
            dbt.type_timestamp()
        ) }}
    end
{%- endmacro %}
