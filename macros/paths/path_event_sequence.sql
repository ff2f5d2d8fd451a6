{#-
    A select over the events giving each event its place in its unit's sequence: unit_id (the
    session id, or the user id for unit 'user'), event_position (1-based, in
    journey.event_order(); in a session that order is fct_events.event_index, a cheaper sort
    key, and without collapsing it is event_index itself) and, for lead_depth n > 0, the next n
    event names (next_1_event_name ...) plus next_event_at and next_session_id of the direct
    successor (in a session without collapsing, a join on event_index + 1 finds it).
    with_position=false leaves event_position out (one window less; order by event_index
    instead, which keeps the order within a session).

    collapse_repeats: a run of consecutive events with the same name in the unit counts as one
    event, represented by the run's first event (its time, id and session).
-#}
{% macro path_event_sequence(
    events_relation, unit='session', collapse_repeats=false, lead_depth=0, with_position=true
) -%}
    {%- if unit not in ['session', 'user'] -%}
        {{ exceptions.raise_compiler_error(
            "journey.path_event_sequence: unit must be 'session' or 'user'; got: " ~ unit
        ) }}
    {%- endif -%}
    {%- if lead_depth is not number or lead_depth < 0 -%}
        {{ exceptions.raise_compiler_error(
            "journey.path_event_sequence: lead_depth must be a whole number >= 0; got: " ~ lead_depth
        ) }}
    {%- endif -%}
    {%- set unit_column = 'session_id' if unit == 'session' else 'user_id' -%}
    {%- set unit_order = 'event_index' if unit == 'session' else journey.event_order() -%}
    {%- set position_is_index = unit == 'session' and not collapse_repeats -%}
    {%- set needs_window = lead_depth > 0 or (with_position and not position_is_index) -%}
    {%- if position_is_index and lead_depth == 1 %}
    {#- the successor in a session is the event with the next event_index: a hash join, cheaper than a window -#}
    select
        events.session_id as unit_id,
        events.user_id,
        events.session_id,
        events.event_id,
        events.event_name,
        events.event_at,
        events.event_index,
        events.is_conversion,
        events.event_index as event_position,
        next_events.event_name as next_1_event_name,
        next_events.event_at as next_event_at,
        next_events.session_id as next_session_id
    from {{ events_relation }} as events
    left join {{ events_relation }} as next_events
        on events.session_id = next_events.session_id
        and events.event_index + 1 = next_events.event_index
    {%- else %}
    select
        unit_id,
        user_id,
        session_id,
        event_id,
        event_name,
        event_at,
        event_index,
        is_conversion
        {%- if with_position and position_is_index %},
        event_index as event_position
        {%- elif with_position %},
        row_number() over unit_order as event_position
        {%- endif %}
        {%- for offset in range(1, lead_depth + 1) %},
        lead(event_name, {{ offset }}) over unit_order as next_{{ offset }}_event_name
        {%- endfor %}
        {%- if lead_depth > 0 %},
        lead(event_at) over unit_order as next_event_at,
        lead(session_id) over unit_order as next_session_id
        {%- endif %}
    from (
        select
            {{ unit_column }} as unit_id,
            user_id,
            session_id,
            event_id,
            event_name,
            event_at,
            event_index,
            sequence_number,
            is_conversion
            {%- if collapse_repeats %},
            lag(event_name) over (
                partition by {{ unit_column }}
                order by {{ unit_order }}
            ) as previous_event_name
            {%- endif %}
        from {{ events_relation }}
    ) as unit_events
    {%- if collapse_repeats %}
    where previous_event_name is null or previous_event_name <> event_name
    {%- endif %}
    {%- if needs_window %}
    window unit_order as (partition by unit_id order by {{ unit_order }})
    {%- endif %}
    {%- endif %}
{%- endmacro %}
