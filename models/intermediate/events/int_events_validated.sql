{#- Flags each staged row with the first reason it cannot be used, or null when it is valid. -#}
with unioned as (

    select * from {{ ref('int_events_unioned') }}

),

validated as (

    select
        *,
        case
            -- cheap tests first: the usual id is spared the trim and lower
            when
                event_id is null
                or event_id = ''
                or (substr(event_id, 1, 1) = ' ' and trim(event_id) = '')
                or (
                    -- 'undefined', the longest placeholder, with a space on each side
                    length(event_id) <= 11
                    and lower(trim(event_id)) in ('null', 'undefined', 'none', 'nil', 'nan')
                )
                then 'missing_event_id'
            when raw_event_name is null or trim(raw_event_name) = ''
                then 'missing_event_name'
            -- a name with a cased letter (lower differs from upper) has something to keep
            when
                lower(raw_event_name) = upper(raw_event_name)
                and {{ journey.normalize_event_name('raw_event_name') }} = ''
                then 'event_name_only_punctuation'
            when event_timestamp_raw is null or trim(event_timestamp_raw) = ''
                then 'missing_timestamp'
            when
                event_at is null
                and {{ journey.regexp_contains('trim(event_timestamp_raw)', '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$') }}
                then 'timestamp_without_time'
            when event_at is null
                then 'unparseable_timestamp'
            when user_id is null and anonymous_id is null
                then 'missing_identity'
            when event_at < cast('{{ journey.journey_var("journey__min_event_date") }}' as {{ dbt.type_timestamp() }})
                then 'timestamp_too_old'
            when event_at > {{ journey.timestamp_add(
                    'minute',
                    journey.journey_var('journey__max_future_minutes'),
                    'coalesce(loaded_at, ' ~ journey.run_started_at_timestamp() ~ ')'
                ) }}
                then 'timestamp_in_future'
        end as quarantine_reason
    from unioned

)

select * from validated
