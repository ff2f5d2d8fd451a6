{#-
    The one order of events used everywhere (sessions, funnels, paths): time, then the
    tracker's sequence number, then event id, so ties resolve the same way on every engine.
-#}
{% macro event_order(prefix='') -%}
    {{ prefix }}event_at asc, {{ prefix }}sequence_number asc nulls last, {{ prefix }}event_id asc
{%- endmacro %}


{#-
    Rank of each copy of an event id: 1 is the copy fct_events keeps (the first loaded, then
    the first in event order); later copies are quarantined as duplicate_event_id.
-#}
{% macro duplicate_rank(prefix='') -%}
    row_number() over (
        partition by {{ prefix }}event_id
        order by {{ prefix }}loaded_at asc nulls last, {{ journey.event_order(prefix) }}
    )
{%- endmacro %}
