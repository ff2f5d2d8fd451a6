{#-
    'Order Completed', 'order-completed' and ' ORDER_COMPLETED ' all become 'order_completed'.
    Letters and digits of every script are kept (lower-cased), as are symbols such as emoji
    (with their joiners and skin-tone modifiers): '購入完了' stays '購入完了', '🛒 Checkout'
    becomes '🛒_checkout'. Each run of anything else (spaces, punctuation) becomes one '_',
    trimmed at both ends; a name of punctuation only gives ''.
-#}
{% macro normalize_event_name(column) -%}
    {{ journey.trim_chars(
        journey.regexp_replace_all(
            'lower(' ~ column ~ ')',
            '[^\\p{L}\\p{N}\\p{M}\\p{So}\\x{200D}\\x{1F3FB}-\\x{1F3FF}]+',
            '_'
        ),
        '_'
    ) }}
{%- endmacro %}
