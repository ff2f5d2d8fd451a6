{#-
    Directly-follows graph of canonical events, within sessions and within users (across their
    sessions). Every event flows to its successor in the unit, or to '$end' after the unit's last
    event; '$start' flows into each unit's first event. So, per unit, the transitions out of an
    event name add up to its occurrences, and those out of '$start' to the number of units.
-#}
{%- set collapse_repeats = journey.journey_var('journey__transitions_collapse_repeats') -%}
{%- if collapse_repeats is not boolean -%}
    {{ exceptions.raise_compiler_error(
        "journey__transitions_collapse_repeats must be true or false; got: " ~ collapse_repeats
    ) }}
{%- endif -%}

with session_sequence as (

    {{ journey.path_event_sequence(ref('fct_events'), 'session', collapse_repeats, 1) }}

),

user_sequence as (

    {{ journey.path_event_sequence(ref('fct_events'), 'user', collapse_repeats, 1) }}

),

sequences as (

    select
        'session' as path_unit,
        session_id,
        user_id,
        event_name,
        event_at,
        event_position,
        next_1_event_name,
        next_event_at,
        next_session_id
    from session_sequence
    union all
    select
        'user' as path_unit,
        session_id,
        user_id,
        event_name,
        event_at,
        event_position,
        next_1_event_name,
        next_event_at,
        next_session_id
    from user_sequence

),

steps as (

    -- each event to its successor, or to $end after the unit's last event
    select
        path_unit,
        session_id,
        user_id,
        event_name as from_event_name,
        coalesce(next_1_event_name, '$end') as to_event_name,
        case
            when next_1_event_name is not null
                then {{ journey.seconds_between('event_at', 'next_event_at') }}
        end as seconds_to_next,
        case when next_session_id <> session_id then 1 else 0 end as is_cross_session
    from sequences
    union all
    -- $start into each unit's first event
    select
        path_unit,
        session_id,
        user_id,
        '$start' as from_event_name,
        event_name as to_event_name,
        cast(null as {{ journey.type_double() }}) as seconds_to_next,
        0 as is_cross_session
    from sequences
    where event_position = 1

),

aggregated as (

    select
        path_unit,
        from_event_name,
        to_event_name,
        count(*) as transition_count,
        count(distinct user_id) as user_count,
        count(distinct session_id) as session_count,
        sum(is_cross_session) as cross_session_count,
        {{ journey.path_median('seconds_to_next') }} as median_seconds_between
    from steps
    group by 1, 2, 3

),

final as (

    select
        {{ dbt.concat(['path_unit', "'|'", 'from_event_name', "'|'", 'to_event_name']) }} as transition_id,
        path_unit,
        from_event_name,
        to_event_name,
        from_event_name = to_event_name as is_self_loop,
        cast(transition_count as {{ dbt.type_bigint() }}) as transition_count,
        cast(
            sum(transition_count) over (partition by path_unit, from_event_name)
            as {{ dbt.type_bigint() }}
        ) as from_event_count,
        cast(
            transition_count * 1.0 / sum(transition_count) over (partition by path_unit, from_event_name)
            as {{ dbt.type_numeric() }}
        ) as transition_share,
        cast(user_count as {{ dbt.type_bigint() }}) as user_count,
        cast(session_count as {{ dbt.type_bigint() }}) as session_count,
        cast(cross_session_count as {{ dbt.type_bigint() }}) as cross_session_count,
        cast(median_seconds_between as {{ dbt.type_numeric() }}) as median_seconds_between
    from aggregated

)

select * from final
