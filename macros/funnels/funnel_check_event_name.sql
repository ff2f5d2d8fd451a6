{#- Fails unless `name` looks like a canonical event name (lower-case letters, digits, '_'). -#}
{% macro funnel_check_event_name(name, where) -%}
    {%- if name is not string or not modules.re.match('^[a-z0-9_]{1,100}$', name) -%}
        {{ exceptions.raise_compiler_error(where ~ ": event names are canonical fct_events.event_name values (lower-case letters, digits and '_'), got: " ~ name) }}
    {%- endif -%}
{%- endmacro %}
