{#-
    A field a funnel reads from an event: a JSON property of `properties` (a bare string or
    {property: name}, dotted paths allowed) or a column of fct_events ({column: name}).
    Returns {'kind': 'property' | 'column', 'name': name}.
-#}
{% macro funnel_parse_field(spec, where) -%}
    {%- set columns = [
        'source_name', 'raw_event_name', 'event_name', 'event_category', 'journey_stage',
        'is_conversion', 'is_mapped_event', 'user_id', 'is_identified', 'tracked_user_id',
        'anonymous_id', 'actor_id', 'session_id', 'tracker_session_id', 'page_url', 'page_path',
        'page_referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term',
        'revenue', 'currency', 'event_date',
    ] -%}
    {%- if spec is string -%}
        {%- set spec = {'property': spec} -%}
    {%- endif -%}
    {%- if spec is not mapping or spec | length != 1 or (spec.keys() | list)[0] not in ['property', 'column'] -%}
        {{ exceptions.raise_compiler_error(where ~ " must be a property name, {property: name} or {column: name}, got: " ~ spec) }}
    {%- endif -%}
    {%- set kind = (spec.keys() | list)[0] -%}
    {%- set name = spec[kind] -%}
    {%- if kind == 'property' -%}
        {%- if name is not string or not modules.re.match('^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$', name) -%}
            {{ exceptions.raise_compiler_error(where ~ ": property names are letters, digits and '_' (dotted for nested keys), got: " ~ name) }}
        {%- endif -%}
    {%- elif name not in columns -%}
        {{ exceptions.raise_compiler_error(where ~ ": column must be one of fct_events' " ~ columns | join(', ') ~ "; got: " ~ name) }}
    {%- endif -%}
    {{ return({'kind': kind, 'name': name}) }}
{%- endmacro %}
