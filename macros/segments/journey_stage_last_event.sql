{#-
    A subquery: the stage rank of the last staged event of each group (group_columns, e.g.
    ['user_id'] or ['user_id', 'week_start_date']) in the canonical order (journey.event_order:
    time, then sequence_number, then event_id). Only the events at the group's latest time
    (column last_at_column of the CTE stats, one row per group) are ranked, so no window runs over
    every event. Columns: the group columns, stage_rank, event_at. Reads the CTE `staged`
    (journey.journey_staged_events_ctes).
-#}
{% macro journey_stage_last_event(group_columns, stats, last_at_column) -%}
    select
        {%- for column in group_columns %}
        last_events.{{ column }},
        {%- endfor %}
        last_events.stage_rank,
        last_events.event_at
    from (
        select
            {%- for column in group_columns %}
            staged.{{ column }},
            {%- endfor %}
            staged.stage_rank,
            staged.event_at,
            row_number() over (
                partition by {% for column in group_columns %}staged.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
                order by staged.sequence_number desc nulls first, staged.event_id desc
            ) as position_from_end
        from staged
        inner join {{ stats }}
            on
                {%- for column in group_columns %}
                staged.{{ column }} = {{ stats }}.{{ column }}
                and
                {%- endfor %}
                staged.event_at = {{ stats }}.{{ last_at_column }}
    ) as last_events
    where last_events.position_from_end = 1
{%- endmacro %}
