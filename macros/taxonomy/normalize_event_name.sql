{#- 'Order Completed', 'order-completed' and ' ORDER_COMPLETED ' all become 'order_completed'. -#}
{% macro normalize_event_name(column) -%}
    trim(
        {{ journey.regexp_replace_all('lower(' ~ column ~ ')', '[^a-z0-9]+', '_') }},
        '_'
    )
{%- endmacro %}
