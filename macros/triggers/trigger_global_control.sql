{#-
    var journey__trigger_global_control, validated: {share: 0 to below 1, salt: non-empty text}.
    Users whose global bucket is below share * 10000 receive nothing from any trigger.
-#}
{% macro trigger_global_control() -%}
    {%- set raw = var('journey__trigger_global_control', {}) -%}
    {%- if raw is none -%}{%- set raw = {} -%}{%- endif -%}
    {%- if raw is not mapping -%}
        {{ exceptions.raise_compiler_error("journey__trigger_global_control must be {share, salt}, got: " ~ raw) }}
    {%- endif -%}
    {%- for key in raw.keys() -%}
        {%- if key not in ['share', 'salt'] -%}
            {{ exceptions.raise_compiler_error("journey__trigger_global_control: unknown key '" ~ key ~ "' (allowed: share, salt)") }}
        {%- endif -%}
    {%- endfor -%}
    {%- set share = raw.get('share', 0) -%}
    {%- if share is not number or share is boolean or share < 0 or share >= 1 -%}
        {{ exceptions.raise_compiler_error("journey__trigger_global_control.share must be a number from 0 to below 1, got: " ~ share) }}
    {%- endif -%}
    {%- set salt = raw.get('salt', 'journey-global') -%}
    {%- if salt is not string or salt == '' -%}
        {{ exceptions.raise_compiler_error("journey__trigger_global_control.salt must be a non-empty string, got: " ~ salt) }}
    {%- endif -%}
    {{ return({'share': share, 'salt': salt}) }}
{%- endmacro %}
