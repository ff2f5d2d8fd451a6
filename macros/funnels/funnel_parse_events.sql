{#- A step's `event`: one canonical event name or a list of them (any of), as a list. -#}
{% macro funnel_parse_events(value, where) -%}
    {%- if value is string -%}
        {%- set events = [value] -%}
    {%- elif value is none or value is mapping or value is not iterable or value | length == 0 -%}
        {{ exceptions.raise_compiler_error(where ~ " is required: a canonical event name or a list of them, got: " ~ value) }}
    {%- else -%}
        {%- set events = value | list -%}
    {%- endif -%}
    {%- for e in events -%}
        {{ journey.funnel_check_event_name(e, where) }}
    {%- endfor -%}
    {{ return(events | unique | list) }}
{%- endmacro %}
