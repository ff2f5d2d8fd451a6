{#-
    A select over the events relation giving each event its place in its unit's sequence:
    unit_id (the session id, or the user id for unit 'user'), event_position (1-based, in
    journey.event_order(); in a session that order is fct_events.event_index, a cheaper sort key)
    and, for lead_depth n > 0, the next n event names (next_1_event_name ...) plus next_event_at
    and next_session_id of the direct successor.

    collapse_repeats: a run of consecutive events with the same name in the unit counts as one
    event, represented by the run's first event (its time, id and session).
-#}
{% macro path_event_sequence(events_relation, unit='session', collapse_repeats=false, lead_depth=0) -%}
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
    select
        unit_id,
        user_id,
        session_id,
        event_id,
        event_name,
        event_at,
        is_conversion,
        row_number() over unit_order as event_position
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
    window unit_order as (partition by unit_id order by {{ unit_order }})
{%- endmacro %}
