{#-
    The Sankey path analyses of var journey__path_analyses, validated and completed with
    defaults. Each entry: name, anchor_event, direction (forward | backward), max_depth,
    collapse_repeats, top_n, unit (session | user), anchor_occurrence (first | last).
    A bad entry stops the run with a message naming the key and the value.
-#}
{% macro path_analyses() -%}
    {%- set configured = journey.journey_var('journey__path_analyses') -%}
    {%- if configured is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if configured is string or configured is mapping or configured is not iterable -%}
        {{ exceptions.raise_compiler_error(
            "journey__path_analyses must be a list of mappings (name, anchor_event, ...); got: " ~ configured
        ) }}
    {%- endif -%}
    {%- set known_keys = [
        'name', 'anchor_event', 'direction', 'max_depth', 'collapse_repeats', 'top_n', 'unit',
        'anchor_occurrence',
    ] -%}
    {%- set analyses = [] -%}
    {%- set seen_names = [] -%}
    {%- for entry in configured -%}
        {%- set where = 'journey__path_analyses[' ~ loop.index0 ~ ']' -%}
        {%- do journey.check_named_config_entry(entry, where, known_keys, seen_names) -%}
        {%- set name = entry.get('name') -%}
        {%- set anchor = entry.get('anchor_event') -%}
        {%- if anchor is not string or anchor | length == 0 or "'" in anchor or '\\' in anchor -%}
            {{ exceptions.raise_compiler_error(
                where ~ ".anchor_event must be a canonical event name (for example product_viewed); got: " ~ anchor
            ) }}
        {%- endif -%}
        {%- set direction = entry.get('direction', 'forward') -%}
        {%- if direction not in ['forward', 'backward'] -%}
            {{ exceptions.raise_compiler_error(
                where ~ ".direction must be forward or backward; got: " ~ direction
            ) }}
        {%- endif -%}
        {%- set unit = entry.get('unit', 'session') -%}
        {%- if unit not in ['session', 'user'] -%}
            {{ exceptions.raise_compiler_error(where ~ ".unit must be session or user; got: " ~ unit) }}
        {%- endif -%}
        {%- set occurrence = entry.get('anchor_occurrence', 'first') -%}
        {%- if occurrence not in ['first', 'last'] -%}
            {{ exceptions.raise_compiler_error(
                where ~ ".anchor_occurrence must be first or last; got: " ~ occurrence
            ) }}
        {%- endif -%}
        {%- set max_depth = entry.get('max_depth', 5) -%}
        {%- if max_depth is not number or max_depth is boolean or max_depth != max_depth | int
            or max_depth < 1 or max_depth > 50 -%}
            {{ exceptions.raise_compiler_error(
                where ~ ".max_depth must be a whole number from 1 to 50; got: " ~ max_depth
            ) }}
        {%- endif -%}
        {%- set top_n = entry.get('top_n', 10) -%}
        {%- if top_n is not number or top_n is boolean or top_n != top_n | int or top_n < 1 -%}
            {{ exceptions.raise_compiler_error(
                where ~ ".top_n must be a whole number of at least 1; got: " ~ top_n
            ) }}
        {%- endif -%}
        {%- set collapse = entry.get('collapse_repeats', true) -%}
        {%- if collapse is not boolean -%}
            {{ exceptions.raise_compiler_error(
                where ~ ".collapse_repeats must be true or false; got: " ~ collapse
            ) }}
        {%- endif -%}
        {%- do analyses.append({
            'name': name,
            'anchor_event': anchor,
            'direction': direction,
            'max_depth': max_depth | int,
            'collapse_repeats': collapse,
            'top_n': top_n | int,
            'unit': unit,
            'anchor_occurrence': occurrence,
        }) -%}
    {%- endfor -%}
    {{ return(analyses) }}
{%- endmacro %}
