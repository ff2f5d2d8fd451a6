{#-
    The cohort retention analyses of var journey__retention_analyses, validated and completed
    with defaults. Each entry: name; start_event (null: any event, so first-time cohorts are
    first-seen cohorts); return_event (null: any event); period_units (day, week, month);
    cohort_types (first_time, recurring); window_types (calendar, rolling); max_periods (a
    mapping period unit -> last period number reported). A bad entry stops the run with a
    message naming the key and the value.
-#}
{% macro retention_analyses() -%}
    {%- set configured = journey.journey_var('journey__retention_analyses') -%}
    {%- if configured is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if configured is string or configured is mapping or configured is not iterable -%}
        {{ exceptions.raise_compiler_error(
            "journey__retention_analyses must be a list of mappings (name, start_event, ...); got: " ~ configured
        ) }}
    {%- endif -%}
    {%- set known_keys = [
        'name', 'start_event', 'return_event', 'period_units', 'cohort_types', 'window_types', 'max_periods',
    ] -%}
    {%- set default_max_periods = {'day': 30, 'week': 12, 'month': 12} -%}
    {%- set choices = {
        'period_units': ['day', 'week', 'month'],
        'cohort_types': ['first_time', 'recurring'],
        'window_types': ['calendar', 'rolling'],
    } -%}
    {%- set analyses = [] -%}
    {%- set seen_names = [] -%}
    {%- for entry in configured -%}
        {%- set where = 'journey__retention_analyses[' ~ loop.index0 ~ ']' -%}
        {%- do journey.check_named_config_entry(entry, where, known_keys, seen_names) -%}
        {%- set name = entry.get('name') -%}
        {%- for key in ['start_event', 'return_event'] -%}
            {%- set value = entry.get(key) -%}
            {%- if value is not none and (value is not string or value | length == 0 or "'" in value or '\\' in value) -%}
                {{ exceptions.raise_compiler_error(
                    where ~ "." ~ key ~ " must be a canonical event name or null (any event); got: " ~ value
                ) }}
            {%- endif -%}
        {%- endfor -%}
        {%- set resolved = {
            'name': name,
            'start_event': entry.get('start_event'),
            'return_event': entry.get('return_event'),
        } -%}
        {%- for key, allowed in choices.items() -%}
            {%- set value = entry.get(key, allowed) -%}
            {%- if value is string or value is mapping or value is not iterable or value | length == 0 -%}
                {{ exceptions.raise_compiler_error(
                    where ~ "." ~ key ~ " must be a non-empty list of " ~ allowed | join(', ') ~ "; got: " ~ value
                ) }}
            {%- endif -%}
            {%- for item in value -%}
                {%- if item not in allowed -%}
                    {{ exceptions.raise_compiler_error(
                        where ~ "." ~ key ~ ": '" ~ item ~ "' is not one of " ~ allowed | join(', ')
                    ) }}
                {%- endif -%}
            {%- endfor -%}
            {#- keep the canonical order, drop duplicates -#}
            {%- do resolved.update({key: allowed | select('in', value) | list}) -%}
        {%- endfor -%}
        {%- set max_periods = entry.get('max_periods', {}) -%}
        {%- if max_periods is not mapping -%}
            {{ exceptions.raise_compiler_error(
                where ~ ".max_periods must be a mapping like {day: 30, week: 12, month: 12}; got: " ~ max_periods
            ) }}
        {%- endif -%}
        {%- set resolved_max = {} -%}
        {%- for unit in max_periods -%}
            {%- if unit not in default_max_periods -%}
                {{ exceptions.raise_compiler_error(
                    where ~ ".max_periods: unknown period unit '" ~ unit ~ "' (day, week or month)"
                ) }}
            {%- endif -%}
        {%- endfor -%}
        {%- for unit, default in default_max_periods.items() -%}
            {%- set value = max_periods.get(unit, default) -%}
            {%- if value is not number or value is boolean or value != value | int or value < 1 or value > 1000 -%}
                {{ exceptions.raise_compiler_error(
                    where ~ ".max_periods." ~ unit ~ " must be a whole number from 1 to 1000; got: " ~ value
                ) }}
            {%- endif -%}
            {%- do resolved_max.update({unit: value | int}) -%}
        {%- endfor -%}
        {%- do resolved.update({'max_periods': resolved_max}) -%}
        {%- do analyses.append(resolved) -%}
    {%- endfor -%}
    {{ return(analyses) }}
{%- endmacro %}
