{#-
    Generic test (warn): one row per declared trigger (rows of `model`, dim_trigger_steps) that
    has no entry at all in `entries` (int_trigger_entries): a trigger that matches nobody.
    The failing rows name the trigger; the model int_trigger_decisions also logs a warning
    "trigger '<name>' matches nobody" with the name when it runs.
-#}
{% test journey_trigger_matches_someone(model, column_name, entries) %}
    {{ config(severity='warn') }}
    select distinct
        declared.{{ column_name }} as trigger_name,
        'matches nobody' as message
    from {{ model }} as declared
    where declared.{{ column_name }} not in (
        select entries.trigger_name
        from {{ entries }} as entries
    )
{% endtest %}
