{#-
    The SQL text of one payload value read from data (a field of trigger_parse_payload): the
    entry event's property, the entry state row's column or the lookup row's column, mapped
    through the tiers (highest min first) and the default when declared.
-#}
{% macro trigger_payload_value_sql(field, event_alias, state_alias, lookup_alias) -%}
    {%- if field.source == 'property' -%}
        {%- set value = journey.json_extract_string(event_alias ~ '.properties', field.name) | trim -%}
    {%- else -%}
        {%- set value = (state_alias if field.source == 'state' else lookup_alias) ~ '.' ~ field.name -%}
    {%- endif -%}
    {%- set default = journey.funnel_literal(field.default) if field.default is not none else 'null' -%}
    {%- if field.tiers -%}
        {%- set number = journey.try_cast(value, journey.type_double()) | trim -%}
        case
            {%- for tier in field.tiers %}
            when {{ number }} >= {{ tier.min }} then {{ journey.funnel_literal(tier.value) }}
            {%- endfor %}
            else {{ default }}
        end
    {%- else -%}
        coalesce(cast({{ value }} as {{ dbt.type_string() }}), {{ default }})
    {%- endif -%}
{%- endmacro %}
