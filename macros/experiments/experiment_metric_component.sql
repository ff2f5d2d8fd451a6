{#-
    One measured quantity of an experiment metric, validated: {event: name | [names] | null (any
    event), agg: any | count | sum | sessions | active_days, value: 'revenue' | property key}
    measured from start_seconds to end_seconds after the first exposure.
-#}
{% macro experiment_metric_component(spec, where, start_seconds, end_seconds) -%}
    {%- if spec is not mapping -%}
        {{ exceptions.raise_compiler_error(where ~ " must be a mapping {event, agg, value}, got: " ~ spec) }}
    {%- endif -%}
    {%- for key in spec -%}
        {%- if key not in ['event', 'agg', 'value'] -%}
            {{ exceptions.raise_compiler_error(where ~ ": unknown key '" ~ key ~ "' (allowed: event, agg, value)") }}
        {%- endif -%}
    {%- endfor -%}
    {%- set agg = spec.get('agg') or 'count' -%}
    {%- if agg not in ['any', 'count', 'sum', 'sessions', 'active_days'] -%}
        {{ exceptions.raise_compiler_error(where ~ ".agg must be count, sum, sessions or active_days, got: " ~ agg) }}
    {%- endif -%}
    {%- set events = spec.get('event') -%}
    {%- if events is string -%}{%- set events = [events] -%}{%- endif -%}
    {%- for e in (events or []) -%}
        {{ journey.funnel_check_event_name(e, where ~ ".event") }}
    {%- endfor -%}
    {%- set value = spec.get('value') -%}
    {%- if agg == 'sum' and (value is not string or not modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', value)) -%}
        {{ exceptions.raise_compiler_error(where ~ ".value must be 'revenue' or a property key (letters, digits, _) to sum, got: " ~ value) }}
    {%- endif -%}
    {{ return({'events': events, 'agg': agg, 'value': value, 'start_seconds': start_seconds, 'end_seconds': end_seconds}) }}
{%- endmacro %}
