{#-
    The journey triggers declared in var('journey__triggers'), validated and normalised: the one
    parser of the declarations. Every model, `dbt run-operation print_trigger_spec` (the JSON a
    stream evaluator reads) and the spec mart dim_trigger_steps use its output. Every key is
    checked (an unknown key is an error naming the trigger and the key) and every default is
    filled in, so the SQL reads one shape:

      name, description, priority (int), entry {events, where, where_columns, state {relation,
      order_column, where, within {column, min_seconds, max_seconds} | none} | none},
      exit {events, match_property | none, since: entry | ever} | none, steps [{number, name, offset_seconds,
      channel, payload (fixed values), payload_fields [values from data, trigger_parse_payload]}], holdout {share, salt}, reentry {policy: once | every, seconds},
      quiet_hours {start_minute, end_minute, action: delay | drop} | none,
      goal {events, within_seconds} | none (default: the exit events within var
      journey__trigger_outcome_window), audience_window_seconds, event_names.

    `triggers` validates that list instead of the var
    (`dbt run-operation trigger_configs --args '{triggers: [...]}'` checks a declaration).
-#}
{% macro trigger_configs(triggers=none) -%}
    {%- set raw = journey.journey_var('journey__triggers') if triggers is none else triggers -%}
    {%- if raw is none -%}{%- set raw = [] -%}{%- endif -%}
    {%- if raw is mapping or raw is string or raw is not iterable -%}
        {{ exceptions.raise_compiler_error("journey__triggers must be a list of trigger mappings, got: " ~ raw) }}
    {%- endif -%}
    {%- set trigger_keys = [
        'name', 'description', 'entry', 'exit', 'steps', 'holdout', 'reentry', 'priority',
        'quiet_hours', 'goal', 'audience_window',
    ] -%}
    {%- set step_keys = ['name', 'offset', 'channel', 'payload'] -%}
    {%- set global_control = journey.trigger_global_control() -%}
    {%- set triggers_out = [] -%}
    {%- set seen_names = [] -%}

    {%- for t in raw -%}
        {%- set where_am_i = "journey__triggers[" ~ loop.index0 ~ "]" -%}
        {%- if t is not mapping -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ " must be a mapping with name, entry and steps, got: " ~ t) }}
        {%- endif -%}
        {%- if t.get('name') is not string or not modules.re.match('^[a-z][a-z0-9_]{0,62}$', t.get('name')) -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ".name must be lower-case letters, digits and '_' (starting with a letter), got: " ~ t.get('name')) }}
        {%- endif -%}
        {%- set tname = t['name'] -%}
        {%- set where_am_i = "trigger '" ~ tname ~ "'" -%}
        {%- if tname in seen_names -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ": the name is declared twice in journey__triggers") }}
        {%- endif -%}
        {%- do seen_names.append(tname) -%}
        {%- for key in t.keys() -%}
            {%- if key not in trigger_keys -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ": unknown key '" ~ key ~ "' (allowed: " ~ trigger_keys | join(', ') ~ ")") }}
            {%- endif -%}
        {%- endfor -%}
        {%- set event_names = [] -%}

        {#- ---- entry ---- -#}
        {%- set raw_entry = t.get('entry') -%}
        {%- if raw_entry is string -%}{%- set raw_entry = {'event': raw_entry} -%}{%- endif -%}
        {%- if raw_entry is not mapping -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ".entry is required: an event name or {event, where, where_columns}, got: " ~ raw_entry) }}
        {%- endif -%}
        {%- for key in raw_entry.keys() -%}
            {%- if key not in ['event', 'where', 'where_columns', 'state'] -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ".entry: unknown key '" ~ key ~ "' (allowed: event, where, where_columns, state)") }}
            {%- endif -%}
        {%- endfor -%}
        {%- set entry_events = journey.funnel_parse_events(raw_entry.get('event'), where_am_i ~ ".entry.event") -%}
        {%- set entry = {
            'events': entry_events,
            'where': journey.trigger_parse_predicates(raw_entry.get('where'), 'property', where_am_i ~ ".entry.where"),
            'where_columns': journey.trigger_parse_predicates(raw_entry.get('where_columns'), 'column', where_am_i ~ ".entry.where_columns"),
            'state': journey.trigger_parse_state(raw_entry.get('state'), where_am_i ~ ".entry.state"),
        } -%}
        {%- for e in entry_events -%}{%- do event_names.append({'role': 'entry', 'event_name': e}) -%}{%- endfor -%}

        {#- ---- exit (goal or exit events that end the journey at any step) ---- -#}
        {%- set exit = none -%}
        {%- set raw_exit = t.get('exit') -%}
        {%- if raw_exit is not none -%}
            {%- if raw_exit is string or (raw_exit is iterable and raw_exit is not mapping) -%}
                {%- set raw_exit = {'events': raw_exit} -%}
            {%- endif -%}
            {%- if raw_exit is not mapping -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ".exit must be an event name, a list of them or {events, match_property}, got: " ~ raw_exit) }}
            {%- endif -%}
            {%- for key in raw_exit.keys() -%}
                {%- if key not in ['events', 'match_property', 'since'] -%}
                    {{ exceptions.raise_compiler_error(where_am_i ~ ".exit: unknown key '" ~ key ~ "' (allowed: events, match_property, since)") }}
                {%- endif -%}
            {%- endfor -%}
            {%- set exit_events = journey.funnel_parse_events(raw_exit.get('events'), where_am_i ~ ".exit.events") -%}
            {%- set match_property = raw_exit.get('match_property') -%}
            {%- if match_property is not none -%}
                {%- set match_property = journey.funnel_parse_field(match_property, where_am_i ~ ".exit.match_property").name -%}
            {%- endif -%}
            {%- set since = raw_exit.get('since', 'entry') -%}
            {%- if since not in ['entry', 'ever'] -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ".exit.since must be entry (an exit event after the entry) or ever (any exit event up to the step's moment: 'has not subscribed'), got: " ~ since) }}
            {%- endif -%}
            {%- set exit = {'events': exit_events, 'match_property': match_property, 'since': since} -%}
            {%- for e in exit_events -%}{%- do event_names.append({'role': 'exit', 'event_name': e}) -%}{%- endfor -%}
        {%- endif -%}

        {#- ---- steps: ordered by offset after entry; equal offsets would make the order ambiguous ---- -#}
        {%- set raw_steps = t.get('steps') -%}
        {%- if raw_steps is none or raw_steps is string or raw_steps is mapping or raw_steps | length < 1 or raw_steps | length > 10 -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ".steps must be a list of 1 to 10 steps {name, offset, channel, payload}, got: " ~ raw_steps) }}
        {%- endif -%}
        {%- set steps = [] -%}
        {%- for s in raw_steps -%}
            {%- set where_step = where_am_i ~ ".steps[" ~ loop.index ~ "]" -%}
            {%- if s is not mapping -%}
                {{ exceptions.raise_compiler_error(where_step ~ " must be a mapping {name, offset, channel, payload}, got: " ~ s) }}
            {%- endif -%}
            {%- for key in s.keys() -%}
                {%- if key not in step_keys -%}
                    {{ exceptions.raise_compiler_error(where_step ~ ": unknown key '" ~ key ~ "' (allowed: " ~ step_keys | join(', ') ~ ")") }}
                {%- endif -%}
            {%- endfor -%}
            {%- set step_name = s.get('name') or ('step_' ~ loop.index) -%}
            {%- if step_name is not string or not modules.re.match('^[a-z][a-z0-9_]{0,62}$', step_name) -%}
                {{ exceptions.raise_compiler_error(where_step ~ ".name must be lower-case letters, digits and '_', got: " ~ step_name) }}
            {%- endif -%}
            {%- set raw_offset = s.get('offset') -%}
            {%- if raw_offset is none -%}
                {{ exceptions.raise_compiler_error(where_step ~ ".offset is required: the wait after entry, such as '24 hours'") }}
            {%- endif -%}
            {%- set offset_seconds = journey.funnel_parse_duration(raw_offset, where_step ~ ".offset") -%}
            {%- if offset_seconds is none or (offset_seconds <= 0 and not loop.first) -%}
                {{ exceptions.raise_compiler_error(where_step ~ ".offset must be a positive duration (an offset of 0, a step at the entry itself, is allowed for the first step only), got: " ~ raw_offset) }}
            {%- endif -%}
            {%- set channel = s.get('channel') -%}
            {%- if channel is not string or not modules.re.match('^[a-z][a-z0-9_]{0,62}$', channel) -%}
                {{ exceptions.raise_compiler_error(where_step ~ ".channel is required: a lower-case name such as email, in_app, chatbot, ads; got: " ~ channel) }}
            {%- endif -%}
            {%- set payload = s.get('payload', {}) -%}
            {%- if payload is none -%}{%- set payload = {} -%}{%- endif -%}
            {%- if payload is not mapping -%}
                {{ exceptions.raise_compiler_error(where_step ~ ".payload must be a mapping (template_id, article_id, offer...), got: " ~ payload) }}
            {%- endif -%}
            {%- set parsed_payload = journey.trigger_parse_payload(payload, entry.state.relation if entry.state else none, where_step ~ ".payload") -%}
            {%- for s_before in steps -%}
                {%- if s_before.name == step_name -%}
                    {{ exceptions.raise_compiler_error(where_step ~ ".name: step name '" ~ step_name ~ "' is used twice") }}
                {%- endif -%}
                {%- if s_before.offset_seconds >= offset_seconds -%}
                    {{ exceptions.raise_compiler_error(where_step ~ ".offset: steps follow each other by offset after entry, and step '" ~ step_name ~ "' (" ~ raw_offset ~ ") does not come after step '" ~ s_before.name ~ "' (" ~ s_before.offset_seconds ~ " s): list steps in strictly increasing offset (a repeated or backward offset makes the order cyclic)") }}
                {%- endif -%}
            {%- endfor -%}
            {%- do steps.append({'number': loop.index, 'name': step_name, 'offset_seconds': offset_seconds, 'channel': channel, 'payload': parsed_payload.payload, 'payload_fields': parsed_payload.fields}) -%}
        {%- endfor -%}

        {#- ---- holdout: per-trigger control group; with the global control it must fit in 100% ---- -#}
        {%- set raw_holdout = t.get('holdout') -%}
        {%- if raw_holdout is none -%}{%- set raw_holdout = {} -%}{%- endif -%}
        {%- if raw_holdout is number and raw_holdout is not boolean -%}{%- set raw_holdout = {'share': raw_holdout} -%}{%- endif -%}
        {%- if raw_holdout is not mapping -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ".holdout must be {share, salt} or a share, got: " ~ raw_holdout) }}
        {%- endif -%}
        {%- for key in raw_holdout.keys() -%}
            {%- if key not in ['share', 'salt'] -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ".holdout: unknown key '" ~ key ~ "' (allowed: share, salt)") }}
            {%- endif -%}
        {%- endfor -%}
        {%- set share = raw_holdout.get('share', 0) -%}
        {%- if share is not number or share is boolean or share < 0 or share >= 1 -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ".holdout.share must be a number from 0 to below 1, got: " ~ share) }}
        {%- endif -%}
        {%- if share + global_control.share >= 1 -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ".holdout.share " ~ share ~ " plus the global control share " ~ global_control.share ~ " (var journey__trigger_global_control) leave no treatment group: together they must stay below 100%") }}
        {%- endif -%}
        {%- set salt = raw_holdout.get('salt', tname) -%}
        {%- if salt is not string or salt == '' -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ".holdout.salt must be a non-empty string, got: " ~ salt) }}
        {%- endif -%}

        {#- ---- re-entry ---- -#}
        {%- set raw_reentry = t.get('reentry', 'once') -%}
        {%- if raw_reentry == 'once' -%}
            {%- set reentry = {'policy': 'once', 'seconds': none} -%}
        {%- else -%}
            {%- set reentry_text = raw_reentry | string if raw_reentry is string else '' -%}
            {%- set reentry_text = reentry_text[6:] if reentry_text.startswith('every ') else reentry_text -%}
            {%- if not modules.re.match('^\\s*[0-9]+\\s*[a-z]+\\s*$', reentry_text) -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ".reentry must be 'once' or 'every <n> days' (a duration), got: " ~ raw_reentry) }}
            {%- endif -%}
            {%- set reentry_seconds = journey.funnel_parse_duration(reentry_text, where_am_i ~ ".reentry") -%}
            {%- if reentry_seconds is none or reentry_seconds <= 0 -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ".reentry must be 'once' or a positive period such as 'every 7 days', got: " ~ raw_reentry) }}
            {%- endif -%}
            {%- set reentry = {'policy': 'every', 'seconds': reentry_seconds} -%}
        {%- endif -%}

        {#- ---- priority ---- -#}
        {%- set priority = t.get('priority', 0) -%}
        {%- if priority is not number or priority is boolean or priority != (priority | int) -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ".priority must be a whole number (higher wins), got: " ~ priority) }}
        {%- endif -%}

        {#- ---- quiet hours (local time of the user) ---- -#}
        {%- set quiet_hours = none -%}
        {%- set raw_quiet = t.get('quiet_hours') -%}
        {%- if raw_quiet is not none -%}
            {%- if raw_quiet is not mapping -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ".quiet_hours must be {start: 'HH:MM', end: 'HH:MM', action: delay | drop}, got: " ~ raw_quiet) }}
            {%- endif -%}
            {%- for key in raw_quiet.keys() -%}
                {%- if key not in ['start', 'end', 'action'] -%}
                    {{ exceptions.raise_compiler_error(where_am_i ~ ".quiet_hours: unknown key '" ~ key ~ "' (allowed: start, end, action)") }}
                {%- endif -%}
            {%- endfor -%}
            {%- set start_minute = journey.trigger_parse_clock(raw_quiet.get('start'), where_am_i ~ ".quiet_hours.start") -%}
            {%- set end_minute = journey.trigger_parse_clock(raw_quiet.get('end'), where_am_i ~ ".quiet_hours.end") -%}
            {%- if start_minute == end_minute -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ".quiet_hours: start and end are equal, the window would be empty") }}
            {%- endif -%}
            {%- set action = raw_quiet.get('action', 'delay') -%}
            {%- if action not in ['delay', 'drop'] -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ".quiet_hours.action must be delay or drop, got: " ~ action) }}
            {%- endif -%}
            {%- set quiet_hours = {'start_minute': start_minute, 'end_minute': end_minute, 'action': action} -%}
        {%- endif -%}

        {#- ---- goal (outcome measured for fires and controls) ---- -#}
        {%- set goal = none -%}
        {%- set raw_goal = t.get('goal') -%}
        {%- if raw_goal is not none -%}
            {%- if raw_goal is not mapping -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ".goal must be {event, within}, got: " ~ raw_goal) }}
            {%- endif -%}
            {%- for key in raw_goal.keys() -%}
                {%- if key not in ['event', 'within'] -%}
                    {{ exceptions.raise_compiler_error(where_am_i ~ ".goal: unknown key '" ~ key ~ "' (allowed: event, within)") }}
                {%- endif -%}
            {%- endfor -%}
            {%- set goal_events = journey.funnel_parse_events(raw_goal.get('event'), where_am_i ~ ".goal.event") -%}
            {%- set goal_seconds = journey.funnel_parse_duration(raw_goal.get('within'), where_am_i ~ ".goal.within") -%}
            {%- if goal_seconds is none or goal_seconds <= 0 -%}
                {{ exceptions.raise_compiler_error(where_am_i ~ ".goal.within must be a positive duration such as '72 hours', got: " ~ raw_goal.get('within')) }}
            {%- endif -%}
            {%- set goal = {'events': goal_events, 'within_seconds': goal_seconds} -%}
            {%- for e in goal_events -%}{%- do event_names.append({'role': 'goal', 'event_name': e}) -%}{%- endfor -%}
        {%- endif -%}

        {%- if goal is none and exit is not none -%}
            {%- set goal = {
                'events': exit.events,
                'within_seconds': journey.funnel_parse_duration(journey.journey_var('journey__trigger_outcome_window'), 'journey__trigger_outcome_window'),
            } -%}
        {%- endif -%}

        {%- set audience_seconds = journey.funnel_parse_duration(t.get('audience_window', journey.journey_var('journey__trigger_audience_window')), where_am_i ~ ".audience_window") -%}
        {%- if audience_seconds is none or audience_seconds <= 0 -%}
            {{ exceptions.raise_compiler_error(where_am_i ~ ".audience_window must be a positive duration such as '7 days'") }}
        {%- endif -%}

        {%- do triggers_out.append({
            'name': tname,
            'description': t.get('description') or '',
            'priority': priority | int,
            'entry': entry,
            'exit': exit,
            'steps': steps,
            'holdout': {'share': share, 'salt': salt},
            'reentry': reentry,
            'quiet_hours': quiet_hours,
            'goal': goal,
            'audience_window_seconds': audience_seconds,
            'event_names': event_names,
        }) -%}
    {%- endfor -%}
    {{ return(triggers_out) }}
{%- endmacro %}
