{#-
    Post-hook of int_trigger_decisions: an incremental run replaces rows by fire id, so the rows
    of an entry or step that no longer exists (an erased user, a restitched or removed event)
    are deleted here; afterwards the table holds exactly the fire ids of entries x steps.
-#}
{% macro trigger_delete_vanished_decisions(relation) -%}
    {{ return(adapter.dispatch('trigger_delete_vanished_decisions', 'journey')(relation)) }}
{%- endmacro %}

{% macro default__trigger_delete_vanished_decisions(relation) -%}
    delete from {{ relation }}
    where fire_id not in (
        select
            {{ journey.trigger_fire_id(
                'entries.trigger_name', 'steps.step_name', 'entries.user_id', 'entries.entry_event_id'
            ) }}
        from {{ ref('int_trigger_entries') }} as entries
        inner join {{ ref('dim_trigger_steps') }} as steps
            on entries.trigger_name = steps.trigger_name
    )
{%- endmacro %}

{#- Spark builds full refreshes only (no delete on plain Parquet): nothing to repair there. -#}
{% macro spark__trigger_delete_vanished_decisions(relation) -%}
{%- endmacro %}
