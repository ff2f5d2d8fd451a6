{#-
    The funnels declared in var('journey__funnels'), validated and normalised.

    Every key is checked (an unknown key is an error: a typo never silently changes a funnel)
    and every default is filled in, so the SQL generators read one shape:

      name, description, count_by (users | sessions | attempts), order (ordered | strict |
      any_order), ignore_events [names], window_seconds (int | none), attempt_policy
      (first | latest | furthest | none for attempts), entry_start / entry_end ('YYYY-MM-DD' |
      none), hold_constant [field], breakdown (none | {field, at: 'first' | 'last' | step
      index}), exclusion_removes (attempt | user), exclusions [{index, events, where,
      where_columns, between: [a, b]}], steps [{index, name, events, where, where_columns,
      optional, within_seconds, min_gap_seconds}], event_names (every event name used).

    A field is {'kind': 'property' | 'column', 'name': ...}. `funnels` validates that list
    instead of the var (`dbt run-operation funnel_configs --args '{funnels: [...]}'` checks a
    declaration without building anything).
-#}
{% macro funnel_configs(funnels=none) -%}
    {%- set raw = journey.journey_var('journey__funnels') if funnels is none else funnels -%}
    {%- if raw is none -%}{%- set raw = [] -%}{%- endif -%}
    {%- if raw is mapping or raw is string or raw is not iterable -%}
        {{ exceptions.raise_compiler_error("journey__funnels must be a list of funnel mappings, got: " ~ raw) }}
    {%- endif -%}

    {%- set funnel_keys = [
        'name', 'description', 'steps', 'count_by', 'order', 'ignore_events', 'conversion_window',
        'attempt_policy', 'entry_date_range', 'hold_constant', 'breakdown', 'exclusions',
        'exclusion_removes',
    ] -%}
    {%- set step_keys = ['event', 'name', 'where', 'where_columns', 'optional', 'within', 'min_gap'] -%}
    {%- set exclusion_keys = ['event', 'where', 'where_columns', 'between'] -%}
    {%- set name_pattern = '^[a-z][a-z0-9_]{0,62}$' -%}
    {%- set funnels = [] -%}
    {%- set seen_names = [] -%}

    {%- for f in raw -%}
        {%- if f is not mapping -%}
            {{ exceptions.raise_compiler_error("journey__funnels[" ~ loop.index0 ~ "] must be a mapping with name and steps, got: " ~ f) }}
        {%- endif -%}
        {%- set where_am_i = "journey__funnels[" ~ loop.index0 ~ "]" -%}
        {%- if f.get('name') is not string or not modules.re.match(name_pattern, f.get('name')) -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ".name must be lower-case letters, digits and '_' (starting with a letter), got: " ~ f.get('name')) }}
        {%- endif -%}
        {%- set fname = f['name'] -%}
        {%- set where_am_i = "funnel '" ~ fname ~ "'" -%}
        {%- if fname in seen_names -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ": the name is declared twice in journey__funnels") }}
        {%- endif -%}
        {%- do seen_names.append(fname) -%}
        {%- for key in f.keys() -%}
            {%- if key not in funnel_keys -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ": unknown key '" ~ key ~ "' (allowed: " ~ funnel_keys | join(', ') ~ ")") }}
            {%- endif -%}
        {%- endfor -%}

        {#- ---- funnel options ---- -#}
        {%- set count_by = f.get('count_by') or 'users' -%}
        {%- if count_by not in ['users', 'sessions', 'attempts'] -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ": count_by must be users, sessions or attempts, got: " ~ count_by) }}
        {%- endif -%}
        {%- set order = f.get('order') or 'ordered' -%}
        {%- if order not in ['ordered', 'strict', 'any_order'] -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ": order must be ordered, strict or any_order, got: " ~ order) }}
        {%- endif -%}
        {%- set ignore_events = f.get('ignore_events') or [] -%}
        {%- if ignore_events is string -%}{%- set ignore_events = [ignore_events] -%}{%- endif -%}
        {%- if ignore_events | length > 0 and order != 'strict' -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ": ignore_events only applies to order: strict (order is " ~ order ~ ")") }}
        {%- endif -%}
        {%- for e in ignore_events -%}
            {{ journey.funnel_check_event_name(e, where_am_i ~ ".ignore_events") }}
        {%- endfor -%}
        {%- set window_seconds = journey.funnel_parse_duration(f.get('conversion_window'), where_am_i ~ ".conversion_window") -%}
        {%- set policy = f.get('attempt_policy') -%}
        {%- if count_by == 'attempts' -%}
            {%- if policy is not none -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ": attempt_policy chooses one attempt per user or session; with count_by: attempts every attempt counts, remove attempt_policy") }}
            {%- endif -%}
        {%- else -%}
            {%- set policy = policy or 'first' -%}
            {%- if policy not in ['first', 'latest', 'furthest'] -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ": attempt_policy must be first, latest or furthest, got: " ~ policy) }}
            {%- endif -%}
        {%- endif -%}
        {%- set entry_range = f.get('entry_date_range') or {} -%}
        {%- if entry_range is not mapping -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ": entry_date_range must be a mapping {start: YYYY-MM-DD, end: YYYY-MM-DD}, got: " ~ entry_range) }}
        {%- endif -%}
        {%- for key in entry_range.keys() -%}
            {%- if key not in ['start', 'end'] -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ".entry_date_range: unknown key '" ~ key ~ "' (allowed: start, end)") }}
            {%- endif -%}
        {%- endfor -%}
        {%- set entry_start = journey.funnel_check_date(entry_range.get('start'), where_am_i ~ ".entry_date_range.start") -%}
        {%- set entry_end = journey.funnel_check_date(entry_range.get('end'), where_am_i ~ ".entry_date_range.end") -%}
        {%- if entry_start is not none and entry_end is not none and entry_start > entry_end -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ".entry_date_range: start " ~ entry_start ~ " is after end " ~ entry_end) }}
        {%- endif -%}
        {%- set hold_raw = f.get('hold_constant') or [] -%}
        {%- if hold_raw is string or hold_raw is mapping -%}{%- set hold_raw = [hold_raw] -%}{%- endif -%}
        {%- set hold_constant = [] -%}
        {%- for h in hold_raw -%}
            {%- do hold_constant.append(journey.funnel_parse_field(h, where_am_i ~ ".hold_constant")) -%}
        {%- endfor -%}
        {%- set removes = f.get('exclusion_removes') or 'attempt' -%}
        {%- if removes not in ['attempt', 'user'] -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ": exclusion_removes must be attempt or user, got: " ~ removes) }}
        {%- endif -%}

        {#- ---- steps ---- -#}
        {%- set raw_steps = f.get('steps') -%}
        {%- if raw_steps is none or raw_steps is string or raw_steps is mapping or raw_steps | length < 2 or raw_steps | length > 10 -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ": steps must be a list of 2 to 10 steps, got: " ~ raw_steps) }}
        {%- endif -%}
        {%- set steps = [] -%}
        {%- set event_names = [] -%}
        {%- for s in raw_steps -%}
            {%- set where_step = where_am_i ~ ".steps[" ~ loop.index ~ "]" -%}
            {%- if s is string -%}{%- set s = {'event': s} -%}{%- endif -%}
            {%- if s is not mapping -%}
                {{ exceptions.raise_compiler_error(where_step ~ " must be an event name or a mapping with event, got: " ~ s) }}
            {%- endif -%}
            {%- for key in s.keys() -%}
                {%- if key not in step_keys -%}
                    {{ exceptions.raise_compiler_error(where_step ~ ": unknown key '" ~ key ~ "' (allowed: " ~ step_keys | join(', ') ~ ")") }}
                {%- endif -%}
            {%- endfor -%}
            {%- set events = journey.funnel_parse_events(s.get('event'), where_step ~ ".event") -%}
            {%- for e in events -%}{%- if e not in event_names -%}{%- do event_names.append(e) -%}{%- endif -%}{%- endfor -%}
            {%- set optional = s.get('optional') or false -%}
            {%- if optional is not boolean -%}
                {{ exceptions.raise_compiler_error(where_step ~ ".optional must be true or false, got: " ~ optional) }}
            {%- endif -%}
            {%- if optional and (loop.first or loop.last) -%}
                {{ exceptions.raise_compiler_error(where_step ~ ": the first and the last step cannot be optional") }}
            {%- endif -%}
            {%- set within_seconds = journey.funnel_parse_duration(s.get('within'), where_step ~ ".within") -%}
            {%- set gap_seconds = journey.funnel_parse_duration(s.get('min_gap'), where_step ~ ".min_gap") -%}
            {%- if gap_seconds == 0 -%}{%- set gap_seconds = none -%}{%- endif -%}
            {%- if loop.first and (within_seconds is not none or gap_seconds is not none) -%}
                {{ exceptions.raise_compiler_error(where_step ~ ": within and min_gap are measured from the previous step; the first step has none") }}
            {%- endif -%}
            {%- if order == 'any_order' and (optional or within_seconds is not none or gap_seconds is not none) -%}
                {{ exceptions.raise_compiler_error(where_step ~ ": optional, within and min_gap need an order between steps; they are not available with order: any_order") }}
            {%- endif -%}
            {%- if within_seconds is not none and gap_seconds is not none and gap_seconds > within_seconds -%}
                {{ exceptions.raise_compiler_error(where_step ~ ": min_gap is longer than within, the step can never be reached") }}
            {%- endif -%}
            {%- for e in events -%}
                {%- if e in ignore_events -%}
                    {{ exceptions.raise_compiler_error(where_step ~ ": event '" ~ e ~ "' is a step and also in ignore_events") }}
                {%- endif -%}
            {%- endfor -%}
            {%- set step_name = s.get('name') or (events | join('_or_')) -%}
            {%- do steps.append({
                'index': loop.index,
                'name': step_name,
                'events': events,
                'where': journey.funnel_parse_filters(s.get('where'), 'property', where_step ~ ".where"),
                'where_columns': journey.funnel_parse_filters(s.get('where_columns'), 'column', where_step ~ ".where_columns"),
                'optional': optional,
                'within_seconds': within_seconds,
                'min_gap_seconds': gap_seconds,
                'explicit_name': s.get('name') is not none,
            }) -%}
        {%- endfor -%}
        {#- default names that collide get the step number appended; explicit names must be unique -#}
        {%- set names = steps | map(attribute='name') | list -%}
        {%- for s in steps -%}
            {%- if names.count(s.name) > 1 -%}
                {%- if s.explicit_name -%}
                    {{ exceptions.raise_compiler_error(where_am_i ~ ": step name '" ~ s.name ~ "' is used twice") }}
                {%- endif -%}
                {%- do s.update({'name': s.name ~ '_' ~ s.index}) -%}
            {%- endif -%}
            {%- if not modules.re.match('^[A-Za-z0-9_ .:/()-]{1,100}$', s.name) -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ".steps[" ~ s.index ~ "].name may hold letters, digits, spaces and _ . : / ( ) -, got: " ~ s.name) }}
            {%- endif -%}
        {%- endfor -%}
        {%- if (steps | map(attribute='name') | unique | list | length) != (steps | length) -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ": step names must be unique, got: " ~ (steps | map(attribute='name') | join(', '))) }}
        {%- endif -%}

        {#- ---- exclusions ---- -#}
        {%- set raw_exclusions = f.get('exclusions') or [] -%}
        {%- if raw_exclusions is mapping or raw_exclusions is string or raw_exclusions | length > 10 -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ": exclusions must be a list of at most 10 mappings {event, between: [a, b]}, got: " ~ raw_exclusions) }}
        {%- endif -%}
        {%- set exclusions = [] -%}
        {%- for x in raw_exclusions -%}
            {%- set where_x = where_am_i ~ ".exclusions[" ~ loop.index ~ "]" -%}
            {%- if x is not mapping -%}
                {{ exceptions.raise_compiler_error(where_x ~ " must be a mapping {event, between: [a, b]}, got: " ~ x) }}
            {%- endif -%}
            {%- for key in x.keys() -%}
                {%- if key not in exclusion_keys -%}
                    {{ exceptions.raise_compiler_error(where_x ~ ": unknown key '" ~ key ~ "' (allowed: " ~ exclusion_keys | join(', ') ~ ")") }}
                {%- endif -%}
            {%- endfor -%}
            {%- set x_events = journey.funnel_parse_events(x.get('event'), where_x ~ ".event") -%}
            {%- for e in x_events -%}{%- if e not in event_names -%}{%- do event_names.append(e) -%}{%- endif -%}{%- endfor -%}
            {%- set between = x.get('between') -%}
            {%- if between is none -%}
                {%- set between = [1, steps | length] -%}
            {%- endif -%}
            {%- if between is string or between is mapping or between | length != 2 or between[0] is not number or between[1] is not number or between[0] is boolean or between[1] is boolean -%}
                {{ exceptions.raise_compiler_error(where_x ~ ".between must be two step numbers [a, b], got: " ~ between) }}
            {%- endif -%}
            {%- set a = between[0] | int -%}
            {%- set b = between[1] | int -%}
            {%- if a < 1 or b > steps | length or a >= b -%}
                {{ exceptions.raise_compiler_error(where_x ~ ".between must satisfy 1 <= a < b <= " ~ (steps | length) ~ ", got: " ~ between) }}
            {%- endif -%}
            {%- if steps[a - 1].optional or steps[b - 1].optional -%}
                {{ exceptions.raise_compiler_error(where_x ~ ".between must name required steps, step " ~ (a if steps[a - 1].optional else b) ~ " is optional") }}
            {%- endif -%}
            {%- if order == 'any_order' and (a != 1 or b != steps | length) -%}
                {{ exceptions.raise_compiler_error(where_x ~ ": with order: any_order an exclusion covers the whole attempt; leave out between") }}
            {%- endif -%}
            {%- do exclusions.append({
                'index': loop.index,
                'events': x_events,
                'where': journey.funnel_parse_filters(x.get('where'), 'property', where_x ~ ".where"),
                'where_columns': journey.funnel_parse_filters(x.get('where_columns'), 'column', where_x ~ ".where_columns"),
                'between': [a, b],
            }) -%}
        {%- endfor -%}

        {#- ---- breakdown ---- -#}
        {%- set breakdown = none -%}
        {%- set raw_breakdown = f.get('breakdown') -%}
        {%- if raw_breakdown is not none -%}
            {%- set where_b = where_am_i ~ ".breakdown" -%}
            {%- if raw_breakdown is string -%}{%- set raw_breakdown = {'property': raw_breakdown} -%}{%- endif -%}
            {%- if raw_breakdown is not mapping -%}
                {{ exceptions.raise_compiler_error(where_b ~ " must be {property: name} or {column: name} with optional at: first | last | <step>, got: " ~ raw_breakdown) }}
            {%- endif -%}
            {%- for key in raw_breakdown.keys() -%}
                {%- if key not in ['property', 'column', 'at'] -%}
                    {{ exceptions.raise_compiler_error(where_b ~ ": unknown key '" ~ key ~ "' (allowed: property, column, at)") }}
                {%- endif -%}
            {%- endfor -%}
            {%- set field_spec = {} -%}
            {%- for key in ['property', 'column'] -%}
                {%- if key in raw_breakdown -%}{%- do field_spec.update({key: raw_breakdown[key]}) -%}{%- endif -%}
            {%- endfor -%}
            {%- set field = journey.funnel_parse_field(field_spec, where_b) -%}
            {%- set at = raw_breakdown.get('at', 'first') -%}
            {%- if at in ['first', 'last'] -%}
                {%- set at_value = at -%}
            {%- elif at is number and at is not boolean and (at | int) >= 1 and (at | int) <= steps | length -%}
                {%- set at_value = at | int -%}
            {%- elif at in (steps | map(attribute='name') | list) -%}
                {%- set at_value = (steps | map(attribute='name') | list).index(at) + 1 -%}
            {%- else -%}
                {{ exceptions.raise_compiler_error(where_b ~ ".at must be first, last, a step number or a step name, got: " ~ at) }}
            {%- endif -%}
            {%- set breakdown = {'field': field, 'at': at_value} -%}
        {%- endif -%}

        {%- do funnels.append({
            'name': fname,
            'description': f.get('description') or '',
            'count_by': count_by,
            'order': order,
            'ignore_events': ignore_events,
            'window_seconds': window_seconds,
            'attempt_policy': policy,
            'entry_start': entry_start,
            'entry_end': entry_end,
            'hold_constant': hold_constant,
            'breakdown': breakdown,
            'exclusion_removes': removes,
            'exclusions': exclusions,
            'steps': steps,
            'event_names': event_names,
        }) -%}
    {%- endfor -%}
    {{ return(funnels) }}
{%- endmacro %}
