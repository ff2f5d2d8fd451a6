{#-
    The one order of events used everywhere (sessions, funnels, paths): time, then the
    tracker's sequence number, then event id, so ties resolve the same way on every engine.
-#}
{% macro event_order(prefix='') -%}
    {{ prefix }}event_at asc, {{ prefix }}sequence_number asc nulls last, {{ prefix }}event_id asc
{%- endmacro %}
