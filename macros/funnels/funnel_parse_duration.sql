{#-
    A duration such as '30 minutes', '1 hour', '7 days' or '2 weeks' as whole seconds; none,
    '' and 'unlimited' give none (no limit). `where` names the config key in error messages.
-#}
{% macro funnel_parse_duration(value, where) -%}
    {%- if value is none or value == '' or value == 'unlimited' or value == 'none' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set units = {
        'second': 1, 'seconds': 1, 's': 1, 'sec': 1,
        'minute': 60, 'minutes': 60, 'min': 60, 'm': 60,
        'hour': 3600, 'hours': 3600, 'h': 3600,
        'day': 86400, 'days': 86400, 'd': 86400,
        'week': 604800, 'weeks': 604800, 'w': 604800,
    } -%}
    {%- set match = modules.re.match('^\\s*([0-9]+)\\s*([a-z]+)\\s*$', (value | string) if value is string else '') -%}
    {%- if match is none or match.group(2) not in units -%}
        {{ exceptions.raise_compiler_error(where ~ " must be a duration such as '30 minutes', '1 hour', '7 days' or 'unlimited', got: " ~ value) }}
    {%- endif -%}
    {{ return((match.group(1) | int) * units[match.group(2)]) }}
{%- endmacro %}
