{#- Snowplow atomic events helpers. -#}

{#- Columns of atomic.events that staging reads (assumed in unit tests and the offline compile). -#}
{% macro snowplow_known_columns() -%}
    {{ return([
        'event_id', 'event', 'event_name', 'app_id', 'collector_tstamp', 'derived_tstamp',
        'load_tstamp', 'user_id', 'domain_userid', 'network_userid', 'domain_sessionid',
        'page_url', 'page_referrer', 'mkt_source', 'mkt_medium', 'mkt_campaign', 'mkt_content',
        'mkt_term', 'se_category', 'se_action', 'se_label', 'se_value', 'tr_orderid', 'tr_total',
        'tr_currency',
    ]) }}
{%- endmacro %}


{#- Extra columns kept in the properties JSON when the table has them. -#}
{% macro snowplow_property_columns() -%}
    {{ return([
        'app_id', 'platform', 'event', 'event_vendor', 'event_version', 'network_userid',
        'domain_sessionidx', 'page_title', 'refr_medium', 'refr_source', 'refr_term',
        'se_category', 'se_action', 'se_label', 'se_property', 'se_value', 'tr_orderid',
        'tr_affiliation', 'tr_tax', 'tr_shipping', 'ti_orderid', 'ti_sku', 'ti_name',
        'ti_category', 'ti_price', 'ti_quantity', 'pp_xoffset_min', 'pp_xoffset_max',
        'pp_yoffset_min', 'pp_yoffset_max', 'mkt_clickid', 'mkt_network',
    ]) }}
{%- endmacro %}


{#-
    The raw event name of a Snowplow row: a structured event is named from se_category and
    se_action (var journey__snowplow_struct_event_name: category_action -> 'category:action',
    action -> 'action'); a self-describing event by event_name, else the name in the schema URI
    of unstruct_event; any other event by event_name, else event.
-#}
{% macro snowplow_raw_event_name(present) -%}
    {%- set mode = journey.journey_var('journey__snowplow_struct_event_name') -%}
    {%- if mode not in ['category_action', 'action'] -%}
        {{ exceptions.raise_compiler_error("journey: journey__snowplow_struct_event_name must be 'category_action' or 'action', got '" ~ mode ~ "'") }}
    {%- endif -%}
    {%- set event_name = journey.tracker_text('event_name', present) -%}
    {%- set category = journey.tracker_text('se_category', present) -%}
    {%- set action = journey.tracker_text('se_action', present) -%}
    case
        when event = 'struct' then
            {%- if mode == 'category_action' %}
            coalesce({{ category }} || ':' || {{ action }}, {{ action }}, {{ category }}, {{ event_name }})
            {%- else %}
            coalesce({{ action }}, {{ event_name }})
            {%- endif %}
        {%- if 'unstruct_event' in present %}
        when event = 'unstruct' then coalesce(
            {{ event_name }},
            {{ journey.regexp_extract_group(journey.try_cast('unstruct_event', dbt.type_string()), '"data":[ ]*[{][ ]*"schema":[ ]*"iglu:[^/]+/([^/]+)/') }}
        )
        {%- endif %}
        else coalesce({{ event_name }}, nullif(event, ''))
    end
{%- endmacro %}
