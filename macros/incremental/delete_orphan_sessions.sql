{#-
    Post-hook of fct_sessions: a session none of whose events still carries its id (a late
    event bridged two sessions or now starts one earlier, a duplicate moved an event, an erased
    person) no longer exists.
-#}
{% macro delete_orphan_sessions(sessions_relation, events_relation) -%}
    {{ return(adapter.dispatch('delete_orphan_sessions', 'journey')(sessions_relation, events_relation)) }}
{%- endmacro %}

{% macro default__delete_orphan_sessions(sessions_relation, events_relation) -%}
    delete from {{ sessions_relation }}
    where session_id not in (
        select distinct events.session_id
        from {{ events_relation }} as events
    )
{%- endmacro %}
