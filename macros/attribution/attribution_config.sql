{#-
    Every attribution setting, read from its journey__attribution_* var and validated once.
    Returns a dict; a bad value raises a compiler error that names the var and the value.
    Keys:
      conversions          list of {name, event}: the declared conversion events
      window_start_sql     SQL timestamp literal of the first instant of the window, or none
      window_end_sql       SQL timestamp literal just after the window (exclusive), or none
      window_start_date    'YYYY-MM-DD' or none;  window_end_date likewise (inclusive)
      lookback_seconds     number or none (no limit)
      lookback_steps       int or none (no limit)
      include_converting_session, non_conversion_paths, path_transforms ([(name, [args])]),
      direct_channels, heuristic_models, half_life_seconds, position_first, position_last,
      python_models, data_driven_models, python_options, sessions_relation, events_relation
-#}
{% macro attribution_config() -%}
    {%- set cfg = {} -%}

    {#- conversion events -#}
    {%- set conversions = journey.journey_var('journey__attribution_conversions') -%}
    {%- if conversions is string or conversions is mapping or conversions is not iterable or conversions | length == 0 -%}
        {%- do exceptions.raise_compiler_error(
            "journey__attribution_conversions must be a non-empty list of {name: ..., event: ...}; got "
            ~ conversions) -%}
    {%- endif -%}
    {%- set seen = [] -%}
    {%- set clean_conversions = [] -%}
    {%- for item in conversions -%}
        {%- if item is not mapping or item.get('name') is not string or item.get('event') is not string
            or item.get('name') | trim == '' or item.get('event') | trim == '' -%}
            {%- do exceptions.raise_compiler_error(
                "journey__attribution_conversions: each item needs a non-empty string 'name' and 'event'"
                ~ " (e.g. {name: purchase, event: order_completed}); got " ~ item) -%}
        {%- endif -%}
        {%- if item['event'] in seen -%}
            {%- do exceptions.raise_compiler_error(
                "journey__attribution_conversions: event '" ~ item['event'] ~ "' is declared twice") -%}
        {%- endif -%}
        {%- do seen.append(item['event']) -%}
        {%- do journey._attribution_check_literal('journey__attribution_conversions', item['name']) -%}
        {%- do journey._attribution_check_literal('journey__attribution_conversions', item['event']) -%}
        {%- do clean_conversions.append({'name': item['name'] | trim, 'event': item['event'] | trim}) -%}
    {%- endfor -%}
    {%- do cfg.update({'conversions': clean_conversions}) -%}

    {#- reporting window (dates, inclusive) -#}
    {%- set start = journey._attribution_date('journey__attribution_start_date') -%}
    {%- set end = journey._attribution_date('journey__attribution_end_date') -%}
    {%- if start is not none and end is not none and end < start -%}
        {%- do exceptions.raise_compiler_error(
            "journey__attribution_end_date (" ~ end ~ ") is before journey__attribution_start_date (" ~ start ~ ")") -%}
    {%- endif -%}
    {%- do cfg.update({
        'window_start_date': start.strftime('%Y-%m-%d') if start is not none else none,
        'window_end_date': end.strftime('%Y-%m-%d') if end is not none else none,
        'window_start_sql': "cast('" ~ start.strftime('%Y-%m-%d') ~ " 00:00:00' as " ~ dbt.type_timestamp() ~ ")" if start is not none else none,
        'window_end_sql': "cast('" ~ (end + modules.datetime.timedelta(days=1)).strftime('%Y-%m-%d') ~ " 00:00:00' as " ~ dbt.type_timestamp() ~ ")" if end is not none else none,
    }) -%}

    {#- lookback -#}
    {%- set days = journey.journey_var('journey__attribution_lookback_days') -%}
    {%- if days is none or days == 0 -%}
        {%- do cfg.update({'lookback_seconds': none}) -%}
    {%- elif days is number and days > 0 -%}
        {%- do cfg.update({'lookback_seconds': days * 86400}) -%}
    {%- else -%}
        {%- do exceptions.raise_compiler_error(
            "journey__attribution_lookback_days must be a positive number of days (or null/0 for no limit); got " ~ days) -%}
    {%- endif -%}
    {%- set steps = journey.journey_var('journey__attribution_lookback_steps') -%}
    {%- if steps is none or steps == 0 -%}
        {%- do cfg.update({'lookback_steps': none}) -%}
    {%- elif steps is integer and steps > 0 -%}
        {%- do cfg.update({'lookback_steps': steps}) -%}
    {%- else -%}
        {%- do exceptions.raise_compiler_error(
            "journey__attribution_lookback_steps must be a positive integer (or null/0 for no limit); got " ~ steps) -%}
    {%- endif -%}

    {%- set include_converting = journey.journey_var('journey__attribution_include_converting_session') -%}
    {%- if include_converting is not boolean -%}
        {%- do exceptions.raise_compiler_error(
            "journey__attribution_include_converting_session must be true or false; got " ~ include_converting) -%}
    {%- endif -%}
    {%- do cfg.update({'include_converting_session': include_converting}) -%}

    {%- set non_conversion = journey.journey_var('journey__attribution_non_conversion_paths') -%}
    {%- if non_conversion not in ['non_converting_users', 'after_last_conversion'] -%}
        {%- do exceptions.raise_compiler_error(
            "journey__attribution_non_conversion_paths must be 'non_converting_users' or 'after_last_conversion'; got "
            ~ non_conversion) -%}
    {%- endif -%}
    {%- do cfg.update({'non_conversion_paths': non_conversion}) -%}

    {#- channels treated as direct (last non-direct, remove_* transforms) -#}
    {%- set direct = journey.journey_var('journey__attribution_direct_channels') -%}
    {%- if direct is string -%}{%- set direct = [direct] -%}{%- endif -%}
    {%- if direct is mapping or direct is not iterable or direct | length == 0 -%}
        {%- do exceptions.raise_compiler_error(
            "journey__attribution_direct_channels must be a non-empty list of channel names; got " ~ direct) -%}
    {%- endif -%}
    {%- for channel in direct -%}
        {%- do journey._attribution_check_literal('journey__attribution_direct_channels', channel) -%}
    {%- endfor -%}
    {%- do cfg.update({'direct_channels': direct | list}) -%}

    {%- do cfg.update({'path_transforms': journey._attribution_path_transforms(direct | list)}) -%}

    {#- heuristic (SQL) models -#}
    {%- set all_heuristics = ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based'] -%}
    {%- set heuristics = journey.journey_var('journey__attribution_heuristic_models') -%}
    {%- if heuristics is string -%}{%- set heuristics = [heuristics] -%}{%- endif -%}
    {%- for name in heuristics -%}
        {%- if name not in all_heuristics -%}
            {%- do exceptions.raise_compiler_error(
                "journey__attribution_heuristic_models: unknown model '" ~ name ~ "'; choose from "
                ~ all_heuristics | join(', ')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do cfg.update({'heuristic_models': heuristics | list}) -%}

    {%- do cfg.update({'half_life_seconds': journey._attribution_half_life_seconds()}) -%}

    {%- set weights = journey.journey_var('journey__attribution_position_based_weights') -%}
    {%- if weights is not mapping or weights.get('first') is not number or weights.get('last') is not number
        or weights['first'] < 0 or weights['last'] < 0 or weights['first'] + weights['last'] > 1 -%}
        {%- do exceptions.raise_compiler_error(
            "journey__attribution_position_based_weights must be {first: x, last: y} with x, y >= 0 and x + y <= 1"
            ~ " (the middle touches share 1 - x - y); got " ~ weights) -%}
    {%- endif -%}
    {%- do cfg.update({'position_first': weights['first'], 'position_last': weights['last']}) -%}

    {#- data-driven (Python) models -#}
    {%- set python_models = journey.journey_var('journey__attribution_python_models') -%}
    {%- if python_models is not boolean -%}
        {%- do exceptions.raise_compiler_error(
            "journey__attribution_python_models must be true or false; got " ~ python_models) -%}
    {%- endif -%}
    {%- do cfg.update({'python_models': python_models}) -%}

    {#- input overrides: relation names with the columns of fct_sessions / fct_events -#}
    {%- do cfg.update({
        'sessions_relation': journey.journey_var('journey__attribution_sessions_relation'),
        'events_relation': journey.journey_var('journey__attribution_events_relation'),
    }) -%}
    {{ return(cfg) }}
{%- endmacro %}


{#- A date var as a datetime (none when unset); error on anything but YYYY-MM-DD. -#}
{% macro _attribution_date(name) -%}
    {%- set value = journey.journey_var(name) -%}
    {%- if value is none or value == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- set match = modules.re.match('^([0-9]{4})-([0-9]{2})-([0-9]{2})$', text) -%}
    {%- set month = match.group(2) | int if match else 0 -%}
    {%- set day = match.group(3) | int if match else 0 -%}
    {#- a real calendar day: month 1..12, and day d of the month stays in that month -#}
    {%- if not match or month < 1 or month > 12 or day < 1 or day > 31
        or (modules.datetime.datetime(match.group(1) | int, month, 1)
            + modules.datetime.timedelta(days=day - 1)).month != month -%}
        {%- do exceptions.raise_compiler_error(name ~ " must be a date 'YYYY-MM-DD' or null; got " ~ value) -%}
    {%- endif -%}
    {{ return(modules.datetime.datetime(match.group(1) | int, month, day)) }}
{%- endmacro %}


{#- Values pasted into SQL string literals: refuse quotes and backslashes. -#}
{% macro _attribution_check_literal(name, value) -%}
    {%- if value is not string or "'" in value or '\\' in value -%}
        {%- do exceptions.raise_compiler_error(
            name ~ ": values must be strings without quotes or backslashes; got " ~ value) -%}
    {%- endif -%}
{%- endmacro %}


{#- journey__attribution_time_decay_half_life: '<number> hours' or '<number> days'. -#}
{% macro _attribution_half_life_seconds() -%}
    {%- set value = journey.journey_var('journey__attribution_time_decay_half_life') -%}
    {%- set match = modules.re.match('^\s*([0-9]+(?:[.][0-9]+)?)\s*(hours?|h|days?|d)\s*$', value | string) -%}
    {%- if not match or match.group(1) | float <= 0 -%}
        {%- do exceptions.raise_compiler_error(
            "journey__attribution_time_decay_half_life must be a positive duration such as '7 days' or"
            ~ " '12 hours'; got " ~ value) -%}
    {%- endif -%}
    {%- set unit_seconds = 3600 if match.group(2).startswith('h') else 86400 -%}
    {{ return(match.group(1) | float * unit_seconds) }}
{%- endmacro %}


{#-
    journey__attribution_path_transforms: a list applied in order; each item a name or a one-key
    mapping {name: argument}. Names (fractribution's, with or without the _path suffix):
    unique (identity), exposure (collapse consecutive repeats), first (first occurrence of each
    channel), frequency (channel(count), ordered by first occurrence), remove_if_not_all (drop
    the given channels unless the path has nothing else), remove_if_last_and_not_all (drop the
    trailing run of the given channels unless the path has nothing else). The remove_*
    argument is a channel or list of channels and defaults to journey__attribution_direct_channels.
    A fractribution-style mapping {exposure_path: null, remove_if_not_all: Direct} is accepted.
-#}
{% macro _attribution_path_transforms(direct_channels) -%}
    {%- set raw = journey.journey_var('journey__attribution_path_transforms') -%}
    {%- if raw is none -%}{%- set raw = [] -%}{%- endif -%}
    {%- if raw is string -%}{%- set raw = [raw] -%}{%- endif -%}
    {%- set items = [] -%}
    {%- if raw is mapping -%}
        {%- for key, value in raw.items() -%}{%- do items.append({key: value}) -%}{%- endfor -%}
    {%- else -%}
        {%- set items = raw -%}
    {%- endif -%}
    {%- set known = ['unique', 'exposure', 'first', 'frequency', 'remove_if_not_all', 'remove_if_last_and_not_all'] -%}
    {%- set out = [] -%}
    {%- for item in items -%}
        {%- if item is string -%}
            {%- set name, argument = item, none -%}
        {%- elif item is mapping and item | length == 1 -%}
            {%- set name = (item.keys() | list)[0] -%}
            {%- set argument = item[name] -%}
        {%- else -%}
            {%- do exceptions.raise_compiler_error(
                "journey__attribution_path_transforms: each item must be a transform name or a one-key"
                ~ " mapping {name: argument}; got " ~ item) -%}
        {%- endif -%}
        {%- set canonical = name[:-5] if name is string and name.endswith('_path') else name -%}
        {%- if canonical not in known -%}
            {%- do exceptions.raise_compiler_error(
                "journey__attribution_path_transforms: unknown transform '" ~ name ~ "'; choose from "
                ~ known | join(', ')) -%}
        {%- endif -%}
        {%- if canonical.startswith('remove_') -%}
            {%- set channels = direct_channels if argument is none else ([argument] if argument is string else argument | list) -%}
            {%- for channel in channels -%}
                {%- do journey._attribution_check_literal('journey__attribution_path_transforms', channel) -%}
            {%- endfor -%}
        {%- elif argument is not none -%}
            {%- do exceptions.raise_compiler_error(
                "journey__attribution_path_transforms: transform '" ~ name ~ "' takes no argument; got " ~ argument) -%}
        {%- else -%}
            {%- set channels = [] -%}
        {%- endif -%}
        {%- do out.append((canonical, channels)) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}
