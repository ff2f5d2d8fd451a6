{#- Earliest session start among the rows the latest run of the events model wrote. -#}
{% macro latest_reprocessed_session_start(events_relation) -%}
    (
        select min(session_started_at)
        from {{ events_relation }}
        where processed_at = (select max(processed_at) from {{ events_relation }})
    )
{%- endmacro %}


{#-
    Post-hook of fct_sessions: a session whose events were reprocessed into another session
    (a late event bridged two sessions, or now starts one earlier) no longer exists.
-#}
{% macro delete_stale_sessions(sessions_relation, events_relation) -%}
    delete from {{ sessions_relation }}
    where
        session_started_at >= {{ journey.latest_reprocessed_session_start(events_relation) }}
        and session_id not in (
            select session_id
            from {{ events_relation }}
            where session_started_at >= {{ journey.latest_reprocessed_session_start(events_relation) }}
        )
{%- endmacro %}
