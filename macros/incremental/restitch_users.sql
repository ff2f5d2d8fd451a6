{#-
    Post-hooks: retroactive identity stitching. Rows whose user comes from the device (no user id
    on the event and none in its session) take the user their anonymous id maps to now, however
    old the row; rows whose device lost its mapping (an erased user) fall back to the anonymous
    id. Only rows whose value changes are written, so a run with no new identities writes none.
-#}
{% macro restitch_events(relation, identity_map) -%}
    {{ return(adapter.dispatch('restitch_events', 'journey')(relation, identity_map)) }}
{%- endmacro %}

{% macro default__restitch_events(relation, identity_map) -%}
    update {{ relation }} as target
    set
        user_id = identity_map.user_id,
        is_identified = true,
        identity_source = 'device'
    from {{ identity_map }} as identity_map
    where
        target.identity_source in ('device', 'anonymous')
        and target.anonymous_id = identity_map.anonymous_id
        and (target.user_id <> identity_map.user_id or target.identity_source = 'anonymous');

    update {{ relation }}
    set
        user_id = anonymous_id,
        is_identified = false,
        identity_source = 'anonymous'
    where
        identity_source = 'device'
        and anonymous_id not in (select identity_map.anonymous_id from {{ identity_map }} as identity_map)
{%- endmacro %}


{% macro restitch_sessions(relation, identity_map) -%}
    {{ return(adapter.dispatch('restitch_sessions', 'journey')(relation, identity_map)) }}
{%- endmacro %}

{% macro default__restitch_sessions(relation, identity_map) -%}
    update {{ relation }} as target
    set
        user_id = identity_map.user_id,
        is_identified = true
    from {{ identity_map }} as identity_map
    where
        target.tracked_user_id is null
        and target.anonymous_id = identity_map.anonymous_id
        and (target.user_id <> identity_map.user_id or not target.is_identified);

    update {{ relation }}
    set
        user_id = anonymous_id,
        is_identified = false
    where
        tracked_user_id is null
        and is_identified
        and anonymous_id not in (select identity_map.anonymous_id from {{ identity_map }} as identity_map)
{%- endmacro %}
