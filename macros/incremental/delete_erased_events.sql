{#-
    Post-hook of fct_events: rows of erased people written by earlier runs go (the model's own
    select already leaves them out and re-sessionises the rest of the device's history).
-#}
{% macro delete_erased_events(relation) -%}
    {{ return(adapter.dispatch('delete_erased_events', 'journey')(relation)) }}
{%- endmacro %}

{% macro default__delete_erased_events(relation) -%}
    delete from {{ relation }}
    where not {{ journey.is_not_erased('tracked_user_id', 'anonymous_id') }}
{%- endmacro %}
