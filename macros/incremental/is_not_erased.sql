{#-
    True when an event row (its user id and anonymous id columns) belongs to nobody in
    int_erased_identities. dbt records the dependency when it renders the calling model.
-#}
{% macro is_not_erased(user_id_column, anonymous_id_column) -%}
    {%- set erased = ref('int_erased_identities') -%}
    (
        coalesce({{ user_id_column }}, '') not in (
            select erased.identity_value from {{ erased }} as erased where erased.identity_kind = 'user'
        )
        and coalesce({{ anonymous_id_column }}, '') not in (
            select erased.identity_value from {{ erased }} as erased where erased.identity_kind = 'device'
        )
        and (
            {{ user_id_column }} is not null
            or coalesce({{ anonymous_id_column }}, '') not in (
                select erased.identity_value
                from {{ erased }} as erased
                where erased.identity_kind = 'anonymous_events_of_device'
            )
        )
    )
{%- endmacro %}
