{#-
    Post-hook: gives rows outside this run's window the user their anonymous id now maps to,
    so retroactive identity stitching matches a full refresh. Only identity-map rows decided
    inside the lookback window can have changed, so only those are joined.
-#}
{% macro restitch_users(relation, identity_map, tracked_user_column) -%}
    {{ return(adapter.dispatch('restitch_users', 'journey')(relation, identity_map, tracked_user_column)) }}
{%- endmacro %}

{% macro default__restitch_users(relation, identity_map, tracked_user_column) -%}
    update {{ relation }} as target
    set
        user_id = identity_map.user_id,
        is_identified = true
    from {{ identity_map }} as identity_map
    where
        target.{{ tracked_user_column }} is null
        and target.anonymous_id = identity_map.anonymous_id
        and target.user_id <> identity_map.user_id
        and identity_map.decided_at >= (
            select {{ journey.timestamp_add('hour', -1 * var('journey__lookback_hours'), 'max(decided_at)') }}
            from {{ identity_map }}
        )
{%- endmacro %}
