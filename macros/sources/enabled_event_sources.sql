{#- Staging models whose events feed the canonical stream, in a fixed order. -#}
{% macro enabled_event_sources() -%}
    {%- set candidates = [
        ('journey__source_generic_enabled', 'stg_generic__events'),
        ('journey__source_segment_enabled', 'stg_segment__tracks'),
        ('journey__source_segment_enabled', 'stg_segment__pages'),
        ('journey__source_segment_enabled', 'stg_segment__screens'),
        ('journey__source_segment_enabled', 'stg_segment__identifies'),
        ('journey__source_ga4_enabled', 'stg_ga4__events'),
        ('journey__source_snowplow_enabled', 'stg_snowplow__events'),
    ] -%}
    {%- set enabled = [] -%}
    {%- for flag, model_name in candidates -%}
        {%- if journey.journey_var(flag) -%}
            {%- do enabled.append(model_name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if enabled | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "journey: no event source is enabled; set journey__source_generic_enabled (or a tracker's var) to true."
        ) }}
    {%- endif -%}
    {{ return(enabled) }}
{%- endmacro %}


{#- The run's start time as a timestamp literal: one value for the whole run, reproducible. -#}
{% macro run_started_at_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
