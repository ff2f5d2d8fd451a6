{#-
    The rule-defined power-user cohorts of var journey__power_user_rules, validated and with
    defaults filled in. Each rule is a mapping:
      name                  cohort name: lower-case letters, digits, underscores (required, unique)
      description           free text (optional)
      event_names           canonical event name or list of them (required)
      measure               events (default) | distinct_days | distinct_property | max_property
      property              JSON property for distinct_property (distinct values, e.g. a
                            project_id) or max_property (largest numeric value, e.g. project_count)
      period_days           split the window into periods of this many days, counted back from
                            the as-of date (7 = weeks); null (default) = the whole window
      min_value             the measure must reach at least this in a period (required, > 0)
      min_share_of_periods  ... in at least this share of the user's periods (default 1.0); a
                            user's periods are those of the window on or after their first day
      lookback_days         window ending on the as-of date (default 28); null = all history
    Any other key is an error (a typo must not silently change a cohort).
-#}
{% macro power_user_rules() -%}
    {%- set rules = journey.journey_var('journey__power_user_rules') or [] -%}
    {%- set var_name = 'journey__power_user_rules' -%}
    {%- if rules is mapping or rules is string -%}
        {{ exceptions.raise_compiler_error("journey: var " ~ var_name ~ " must be a list of rule mappings.") }}
    {%- endif -%}
    {%- set allowed = ['name', 'description', 'event_names', 'measure', 'property', 'period_days',
                       'min_value', 'min_share_of_periods', 'lookback_days'] -%}
    {%- set seen = [] -%}
    {%- set normalised = [] -%}
    {%- for rule in rules -%}
        {%- if rule is not mapping -%}
            {{ exceptions.raise_compiler_error("journey: var " ~ var_name ~ ": item " ~ loop.index ~ " is not a mapping.") }}
        {%- endif -%}
        {%- set label = var_name ~ "[" ~ (loop.index - 1) ~ "]" -%}
        {%- for key in rule -%}
            {%- if key not in allowed -%}
                {{ exceptions.raise_compiler_error(
                    "journey: var " ~ label ~ " has unknown key '" ~ key ~ "'; allowed keys: " ~ allowed | join(', ') ~ "."
                ) }}
            {%- endif -%}
        {%- endfor -%}
        {%- set name = rule.get('name') -%}
        {%- if name is not string or not modules.re.match('^[a-z][a-z0-9_]*$', name) -%}
            {{ exceptions.raise_compiler_error(
                "journey: var " ~ label ~ ".name must be a lower-case identifier (letters, digits, underscores), got '" ~ name ~ "'."
            ) }}
        {%- endif -%}
        {%- if name in seen or name == 'l28_top_share' -%}
            {{ exceptions.raise_compiler_error(
                "journey: var " ~ label ~ ".name '" ~ name ~ "' is used twice or is reserved (l28_top_share is the data-driven cohort)."
            ) }}
        {%- endif -%}
        {%- do seen.append(name) -%}
        {%- set events = rule.get('event_names') -%}
        {%- set events = [events] if events is string else events -%}
        {%- if events is none or events | length == 0 -%}
            {{ exceptions.raise_compiler_error("journey: var " ~ label ~ ".event_names must name at least one canonical event.") }}
        {%- endif -%}
        {%- for event_name in events -%}
            {%- if event_name is not string or not modules.re.match('^[a-z0-9_]+$', event_name) -%}
                {{ exceptions.raise_compiler_error(
                    "journey: var " ~ label ~ ".event_names holds '" ~ event_name ~ "', not a canonical event name."
                ) }}
            {%- endif -%}
        {%- endfor -%}
        {%- set measure = rule.get('measure', 'events') -%}
        {%- if measure not in ['events', 'distinct_days', 'distinct_property', 'max_property'] -%}
            {{ exceptions.raise_compiler_error(
                "journey: var " ~ label ~ ".measure must be events, distinct_days, distinct_property or max_property; got '" ~ measure ~ "'."
            ) }}
        {%- endif -%}
        {%- set property = rule.get('property') -%}
        {%- if measure in ['distinct_property', 'max_property'] and (property is not string or not modules.re.match('^[A-Za-z0-9_]+$', property)) -%}
            {{ exceptions.raise_compiler_error(
                "journey: var " ~ label ~ ".property must name a JSON property (letters, digits, underscores) when measure is distinct_property or max_property; got '" ~ property ~ "'."
            ) }}
        {%- endif -%}
        {%- set min_value = rule.get('min_value') -%}
        {%- if min_value is not number or min_value <= 0 -%}
            {{ exceptions.raise_compiler_error("journey: var " ~ label ~ ".min_value must be a number > 0; got '" ~ min_value ~ "'.") }}
        {%- endif -%}
        {%- set period_days = rule.get('period_days') -%}
        {%- if period_days is not none and (period_days is not integer or period_days <= 0) -%}
            {{ exceptions.raise_compiler_error("journey: var " ~ label ~ ".period_days must be a positive integer or null; got '" ~ period_days ~ "'.") }}
        {%- endif -%}
        {%- set lookback_days = rule.get('lookback_days', 28) -%}
        {%- if lookback_days is not none and (lookback_days is not integer or lookback_days <= 0) -%}
            {{ exceptions.raise_compiler_error("journey: var " ~ label ~ ".lookback_days must be a positive integer or null; got '" ~ lookback_days ~ "'.") }}
        {%- endif -%}
        {%- set min_share = rule.get('min_share_of_periods', 1.0) -%}
        {%- if min_share is not number or min_share <= 0 or min_share > 1 -%}
            {{ exceptions.raise_compiler_error("journey: var " ~ label ~ ".min_share_of_periods must be in (0, 1]; got '" ~ min_share ~ "'.") }}
        {%- endif -%}
        {%- do normalised.append({
            'name': name,
            'description': rule.get('description', '') or '',
            'event_names': events,
            'measure': measure,
            'property': property,
            'period_days': period_days,
            'min_value': min_value,
            'min_share_of_periods': min_share,
            'lookback_days': lookback_days,
        }) -%}
    {%- endfor -%}
    {{ return(normalised) }}
{%- endmacro %}
