{#-
    The relation of one of the package's seeds, or of the table a project installing the package
    names in its place (var journey__seed_overrides, {package seed: node}). A node is a seed or
    model of the root project ('my_taxonomy') or of another package ('pkg.my_taxonomy'). The ref
    always names its package, so dbt never falls back on searching the root project first (that
    fallback is deprecated and lets a same-named root model replace a package one silently).
-#}
{% macro seed_ref(seed_name) -%}
    {%- set known = [
        'journey_event_taxonomy', 'journey_currency_rates', 'journey_channel_spend',
        'journey_rfm_segments', 'journey_source_categories', 'journey_erasure_requests',
    ] -%}
    {%- if seed_name not in known -%}
        {{ exceptions.raise_compiler_error(
            "journey.seed_ref: '" ~ seed_name ~ "' is not a seed of the journey package; one of " ~ known | join(', ')) }}
    {%- endif -%}
    {%- set overrides = var('journey__seed_overrides', {}) or {} -%}
    {%- if overrides is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "var journey__seed_overrides must be a mapping {package seed: node}, got: " ~ overrides) }}
    {%- endif -%}
    {%- for key, value in overrides.items() -%}
        {%- if key not in known -%}
            {{ exceptions.raise_compiler_error(
                "var journey__seed_overrides: key '" ~ key ~ "' is not a seed of the journey package; one of "
                ~ known | join(', ')) }}
        {%- endif -%}
        {%- if value is not string or value | trim == '' or value.count('.') > 1 -%}
            {{ exceptions.raise_compiler_error(
                "var journey__seed_overrides: '" ~ key ~ "' must name a seed or model, 'name' or 'package.name', got: "
                ~ value) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set replacement = overrides.get(seed_name) -%}
    {%- if replacement is none -%}
        {{ return(ref('journey', seed_name)) }}
    {%- elif '.' in replacement -%}
        {%- set parts = replacement.split('.') -%}
        {{ return(ref(parts[0], parts[1])) }}
    {%- else -%}
        {{ return(ref(project_name, replacement)) }}
    {%- endif -%}
{%- endmacro %}
