{#-
    var journey__trigger_channel_caps, validated: {channel: {max: n, per: day | week}}. A capped
    channel sends a user at most `max` fires per local calendar day or ISO week (Monday start);
    triggers compete for the slots by decision moment, then priority.
-#}
{% macro trigger_channel_caps() -%}
    {%- set raw = var('journey__trigger_channel_caps', {}) -%}
    {%- if raw is none -%}{%- set raw = {} -%}{%- endif -%}
    {%- if raw is not mapping -%}
        {{ exceptions.raise_compiler_error("journey__trigger_channel_caps must be a mapping {channel: {max, per}}, got: " ~ raw) }}
    {%- endif -%}
    {%- set caps = [] -%}
    {%- for channel, cap in raw.items() -%}
        {%- set where = "journey__trigger_channel_caps." ~ channel -%}
        {%- if channel is not string or not modules.re.match('^[a-z][a-z0-9_]{0,62}$', channel) -%}
            {{ exceptions.raise_compiler_error("journey__trigger_channel_caps: channel names are lower-case letters, digits and '_', got: " ~ channel) }}
        {%- endif -%}
        {%- if cap is not mapping -%}
            {{ exceptions.raise_compiler_error(where ~ " must be {max: n, per: day | week}, got: " ~ cap) }}
        {%- endif -%}
        {%- for key in cap.keys() -%}
            {%- if key not in ['max', 'per'] -%}
                {{ exceptions.raise_compiler_error(where ~ ": unknown key '" ~ key ~ "' (allowed: max, per)") }}
            {%- endif -%}
        {%- endfor -%}
        {%- set max_fires = cap.get('max') -%}
        {%- if max_fires is not number or max_fires is boolean or max_fires != (max_fires | int) or max_fires < 1 -%}
            {{ exceptions.raise_compiler_error(where ~ ".max must be a whole number of at least 1, got: " ~ max_fires) }}
        {%- endif -%}
        {%- set per = cap.get('per', 'day') -%}
        {%- if per not in ['day', 'week'] -%}
            {{ exceptions.raise_compiler_error(where ~ ".per must be day or week, got: " ~ per) }}
        {%- endif -%}
        {%- do caps.append({'channel': channel, 'max': max_fires | int, 'per': per}) -%}
    {%- endfor -%}
    {{ return(caps) }}
{%- endmacro %}
