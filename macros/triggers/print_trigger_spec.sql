{#-
    `dbt run-operation print_trigger_spec` prints the normalised trigger declarations as one
    JSON document: what a second evaluator (a stream consumer) reads, so that the warehouse
    macro stays the only validator.
-#}
{% macro trigger_spec() -%}
    {{ return({
        'spec_version': 1,
        'triggers': journey.trigger_configs(),
        'global_control': journey.trigger_global_control(),
        'channel_caps': journey.trigger_channel_caps(),
        'settings': journey.trigger_settings(),
        'holdout_hash': "bucket = int(md5_hex(salt || ':' || user_id)[0:8], 16) mod 10000",
        'fire_id': "md5_hex(trigger_name || '|' || step_name || '|' || user_id || '|' || entry_event_id)",
    }) }}
{%- endmacro %}

{% macro print_trigger_spec() -%}
    {{ print(tojson(journey.trigger_spec(), sort_keys=true)) }}
{%- endmacro %}
