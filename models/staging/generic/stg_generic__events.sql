{{ config(enabled=journey.journey_var("journey__source_generic_enabled")) }}

{#-
    Renames and types the generic source; no row is dropped here (validation is downstream).
    Every value is read as text first and kept as sent in a *_raw column; a value that cannot
    be typed as it is becomes null (or is corrected) and its reason is listed in value_issues,
    following the generic_value_rules doc block. Timestamps with a UTC offset are converted.
-#}
{%- set required = ['event_id', 'event_name', 'event_timestamp', 'user_id', 'anonymous_id'] -%}
{%- set events = journey.resolved_source(source('generic', 'events')) -%}
{%- do journey.generic_events_format(events) -%}
{%- set present = journey.check_source_columns(events, required, 'generic.events') -%}
{#- typed columns (DuckDB only) take cheap exact parsers; text takes the rules below -#}
{%- set types = journey.source_column_types(events) -%}
{%- set sequence_is_integer = types.get('sequence_number', '') in [
    'BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT', 'UINTEGER', 'USMALLINT', 'UTINYINT'
] -%}
{%- set text = dbt.type_string() -%}
{%- set number = '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$' -%}
{%- set whole_number = '^[+-]?[0-9]+([.]0*)?$' -%}
{#- '2.0' is the whole number 2 (a typed DOUBLE column renders so); '1.5' is never rounded -#}
{%- set sequence_as_bigint = journey.try_cast(
    journey.regexp_replace_all('trim(sequence_number_raw)', '[.]0*$', ''), dbt.type_bigint()
) -%}

with source as (

    select * from {{ events }}

),

as_sent as (

    -- every column as the text that was sent (typed Parquet columns are rendered as text)
    select
        {{ journey.try_cast('event_id', text) }} as event_id,
        {{ journey.try_cast('event_name', text) }} as raw_event_name,
        {{ journey.try_cast('event_timestamp', text) }} as event_timestamp_raw,
        {{ journey.source_timestamp_utc('event_timestamp', types.get('event_timestamp')) }} as event_at,
        {{ journey.try_cast('user_id', text) }} as user_id_raw,
        {{ journey.try_cast('anonymous_id', text) }} as anonymous_id_raw,
        {{ journey.column_or_null('session_id', present, text, 'tracker_session_id') }},
        {{ journey.column_or_null('sequence_number', present, text, 'sequence_number_raw') }},
        {{ journey.column_or_null('page_url', present, text) }},
        {{ journey.column_or_null('page_referrer', present, text) }},
        {{ journey.column_or_null('utm_source', present, text) }},
        {{ journey.column_or_null('utm_medium', present, text) }},
        {{ journey.column_or_null('utm_campaign', present, text) }},
        {{ journey.column_or_null('utm_content', present, text) }},
        {{ journey.column_or_null('utm_term', present, text) }},
        {{ journey.column_or_null('revenue', present, text, 'revenue_raw') }},
        {{ journey.column_or_null('currency', present, text, 'currency_raw') }},
        {{ journey.column_or_null('properties', present, text, 'properties_raw') }},
        {{ journey.column_or_null('loaded_at', present, text, 'loaded_at_raw') }},
        {% if 'loaded_at' in present -%}
            {{ journey.source_timestamp_utc('loaded_at', types.get('loaded_at')) }}
        {%- else -%}
            cast(null as {{ dbt.type_timestamp() }})
        {%- endif %} as loaded_at
    from source

),

checked as (

    -- one reason (or null) per column whose value cannot be used as sent
    select
        *,
        {{ journey.identity_value_issue('user_id_raw', 'user_id') }} as user_id_issue,
        {{ journey.identity_value_issue('anonymous_id_raw', 'anonymous_id') }} as anonymous_id_issue,
        {% if sequence_is_integer -%}
            cast(null as {{ text }}) as sequence_number_issue,
        {%- else -%}
            case
                when sequence_number_raw is null or trim(sequence_number_raw) = '' then null
                when not {{ journey.regexp_contains('trim(sequence_number_raw)', whole_number) }}
                    then 'sequence_number_not_an_integer'
                when {{ sequence_as_bigint }} is null
                    then 'sequence_number_out_of_range'
            end as sequence_number_issue,
        {%- endif %}
        case
            when revenue_raw is null or trim(revenue_raw) = '' then null
            when not {{ journey.regexp_contains('trim(revenue_raw)', number) }}
                then case
                    when {{ journey.regexp_contains('lower(trim(revenue_raw))', '^[+-]?(nan|inf|infinity)$') }}
                        then 'revenue_not_finite'
                    else 'revenue_not_a_number'
                end
            -- fct_events stores revenue as a decimal with 22 integer digits
            when not abs({{ journey.try_cast('trim(revenue_raw)', journey.type_double()) }}) < 1e22
                then 'revenue_out_of_range'
            -- ... and 6 decimals: a non-zero 7th or later decimal is rounded there
            when {{ journey.regexp_contains('trim(revenue_raw)', '^[+-]?[0-9]*[.][0-9]{6}[0-9]*[1-9][0-9]*$') }}
                then 'revenue_rounded'
        end as revenue_issue,
        case
            when currency_raw is null or trim(currency_raw) = '' then null
            when not {{ journey.regexp_contains('trim(currency_raw)', '^[A-Za-z]{3}$') }}
                then 'currency_invalid'
        end as currency_issue,
        {{ journey.json_type_name('properties_raw') }} as properties_json_type
    from as_sent

),

typed as (

    select
        'generic' as source_name,
        event_id,
        raw_event_name,
        event_timestamp_raw,
        event_at,
        -- blank and placeholder ids are absent ids; other ids lose the spaces around them
        case
            when user_id_issue is null then nullif(user_id_raw, '')
            when user_id_issue = 'user_id_trimmed' then trim(user_id_raw)
        end as user_id,
        case
            when anonymous_id_issue is null then nullif(anonymous_id_raw, '')
            when anonymous_id_issue = 'anonymous_id_trimmed' then trim(anonymous_id_raw)
        end as anonymous_id,
        tracker_session_id,
        {% if sequence_is_integer -%}
            cast(sequence_number_raw as {{ dbt.type_bigint() }}) as sequence_number,
        {%- else -%}
            case
                when sequence_number_issue is null
                    then {{ sequence_as_bigint }}
            end as sequence_number,
        {%- endif %}
        page_url,
        page_referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_content,
        utm_term,
        case
            when revenue_issue is null or revenue_issue = 'revenue_rounded'
                then {{ journey.try_cast('trim(revenue_raw)', journey.type_double()) }}
        end as revenue,
        -- an invalid code is kept as sent: no exchange rate matches it, so revenue in it stays
        -- unconverted instead of being taken for the reporting currency
        case
            when currency_issue is null then upper(nullif(trim(currency_raw), ''))
            else currency_raw
        end as currency,
        case
            when properties_json_type = 'object' then properties_raw
        end as properties,
        loaded_at,
        user_id_raw,
        anonymous_id_raw,
        sequence_number_raw,
        revenue_raw,
        currency_raw,
        properties_raw,
        loaded_at_raw,
        user_id_issue,
        anonymous_id_issue,
        sequence_number_issue,
        revenue_issue,
        currency_issue,
        case
            when properties_raw is null or trim(properties_raw) = '' then null
            when properties_json_type is null then 'properties_invalid_json'
            when properties_json_type not in ('object', 'null') then 'properties_not_an_object'
        end as properties_issue,
        case
            when trim(loaded_at_raw) <> '' and loaded_at is null then 'loaded_at_unparseable'
        end as loaded_at_issue
    from checked

),

with_issues as (

    select
        *,
        case
            -- most rows have no issue: build the list only for the others
            when
                coalesce(
                    user_id_issue, anonymous_id_issue, sequence_number_issue, revenue_issue,
                    currency_issue, properties_issue, loaded_at_issue
                ) is not null
                -- each reason followed by ',' (|| keeps a null reason null), the last ',' cut
                then {{ journey.trim_chars(
                    "coalesce(user_id_issue || ',', '')
                    || coalesce(anonymous_id_issue || ',', '')
                    || coalesce(sequence_number_issue || ',', '')
                    || coalesce(revenue_issue || ',', '')
                    || coalesce(currency_issue || ',', '')
                    || coalesce(properties_issue || ',', '')
                    || coalesce(loaded_at_issue || ',', '')",
                    ',',
                    'trailing'
                ) }}
        end as value_issues
    from typed

),

final as (

    select
        {{- journey.tracker_select_event_columns('with_issues', with_value_audit=true) }}
    from with_issues

)

select * from final
