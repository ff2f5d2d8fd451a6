{#-
    The where-clause condition that makes an event count as activity for the engagement marts
    (var journey__engagement_event_names: a list of canonical event names; empty = every event).
-#}
{% macro engagement_event_filter(event_name_column='event_name') -%}
    {%- set names = journey.journey_var('journey__engagement_event_names') -%}
    {%- if names is none -%}
        {%- set names = [] -%}
    {%- endif -%}
    {%- if names is string or names is mapping or names is not iterable -%}
        {{ exceptions.raise_compiler_error(
            "journey__engagement_event_names must be a list of canonical event names (empty: every event); got: " ~ names
        ) }}
    {%- endif -%}
    {%- for name in names -%}
        {%- if name is not string or name | length == 0 or "'" in name or '\\' in name -%}
            {{ exceptions.raise_compiler_error(
                "journey__engagement_event_names: '" ~ name ~ "' is not a canonical event name"
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if names | length == 0 -%}
        1 = 1
    {%- else -%}
        {{ event_name_column }} in ({% for name in names %}'{{ name }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}
