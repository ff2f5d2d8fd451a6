{#-
    The run-wide trigger settings, validated: allowed lateness of the load watermark (seconds)
    and the default time zone of users whose events carry no `timezone` property.
-#}
{% macro trigger_settings() -%}
    {%- set lateness = journey.funnel_parse_duration(var('journey__trigger_allowed_lateness', '0 minutes'), 'journey__trigger_allowed_lateness') -%}
    {%- set default_tz = var('journey__trigger_default_timezone', 'UTC') -%}
    {%- if default_tz is not string or not modules.re.match('^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$', default_tz) -%}
        {{ exceptions.raise_compiler_error("journey__trigger_default_timezone must be an IANA time zone name such as 'UTC' or 'Europe/Berlin', got: " ~ default_tz) }}
    {%- endif -%}
    {%- set as_of = var('journey__trigger_audience_as_of', none) -%}
    {%- if as_of is not none and (as_of is not string or not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$', as_of)) -%}
        {{ exceptions.raise_compiler_error("journey__trigger_audience_as_of must be null or a UTC time 'YYYY-MM-DD[ HH:MM[:SS]]', got: " ~ as_of) }}
    {%- endif -%}
    {{ return({
        'allowed_lateness_seconds': lateness or 0,
        'default_timezone': default_tz,
        'audience_as_of': as_of,
    }) }}
{%- endmacro %}
