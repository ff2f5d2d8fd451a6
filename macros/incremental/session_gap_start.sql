{#-
    1 when an event starts a new "gap session": it is the actor's first event, the tracker's
    session id changed (journey__session_source = 'tracker'), the gap since the previous event
    is strictly greater than the timeout, or (optionally) it is the first event after midnight
    UTC. Needs previous_event_at and previous_tracker_session_id (lag over journey.event_order()).
    Splits inside a gap session (a new identified user, a new utm_campaign) are added on top, so
    a gap session is the unit that can be re-sessionised on its own.
-#}
{% macro session_gap_start() -%}
    {%- set timeout_seconds = journey.journey_var('journey__session_timeout_minutes') * 60 -%}
    case
        when previous_event_at is null then 1
        {% if journey.journey_var('journey__session_source') == 'tracker' %}
            -- the tracker's session id decides wherever both events carry one
            when tracker_session_id is not null and previous_tracker_session_id is not null
                then case when tracker_session_id = previous_tracker_session_id then 0 else 1 end
        {% endif %}
        when {{ journey.seconds_between('previous_event_at', 'event_at') }} > {{ timeout_seconds }} then 1
        {% if journey.journey_var('journey__session_split_at_midnight') %}
            when cast(event_at as date) <> cast(previous_event_at as date) then 1
        {% endif %}
        else 0
    end
{%- endmacro %}
