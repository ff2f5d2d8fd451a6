{#-
    The value of a journey__* var, checked against its entry in journey_var_specs() and typed:
    read every journey var through this macro instead of var(). Text from env_var is taken where
    its meaning is plain ("30" -> 30 for an integer, "false" -> false for a boolean); anything
    else fails with an error that names the var, the value and what is allowed.
-#}
{% macro journey_var(name) -%}
    {%- set specs = journey.journey_var_specs() -%}
    {%- if name not in specs -%}
        {{ exceptions.raise_compiler_error(
            "journey: journey_var('" ~ name ~ "'): no such var in journey_var_specs "
            ~ "(macros/config/journey_var_specs.sql); declare it there and in dbt_project.yml."
        ) }}
    {%- endif -%}
    {%- set spec = specs[name] -%}
    {{ return(journey._journey_var_value(name, var(name, spec.get('default')), spec)) }}
{%- endmacro %}


{#- value checked and converted following spec; `item` is the index inside a list var, if any -#}
{% macro _journey_var_value(name, value, spec, item=none) -%}
    {%- set re = modules.re -%}
    {%- set kind = spec['type'] -%}
    {%- set text = (value | trim) if value is string else none -%}
    {%- if spec.get('nullable') and text is not none
        and (text == '' or (kind not in ['string', 'path'] and text | lower in ['null', 'none'])) -%}
        {%- set value = none -%}
    {%- endif -%}
    {%- if value is none -%}
        {%- if spec.get('nullable') -%}
            {{ return(none) }}
        {%- endif -%}
        {{ journey._journey_var_fail(name, value, spec, item) }}
    {%- endif -%}
    {%- set out = {'value': none, 'ok': false} -%}

    {%- if kind == 'integer' -%}
        {%- if value is boolean -%}
        {%- elif value is integer -%}
            {%- do out.update({'value': value, 'ok': true}) -%}
        {%- elif value is float and value == (value | int) -%}
            {%- do out.update({'value': value | int, 'ok': true}) -%}
        {%- elif text is not none and re.match('^[+-]?[0-9]+$', text) -%}
            {%- do out.update({'value': text | int, 'ok': true}) -%}
        {%- endif -%}
    {%- elif kind == 'number' -%}
        {%- if value is boolean -%}
        {%- elif value is number -%}
            {%- do out.update({'value': value, 'ok': true}) -%}
        {%- elif text is not none and re.match('^[+-]?[0-9]+$', text) -%}
            {%- do out.update({'value': text | int, 'ok': true}) -%}
        {%- elif text is not none and re.match('^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$', text) -%}
            {%- do out.update({'value': text | float, 'ok': true}) -%}
        {%- endif -%}
    {%- elif kind == 'boolean' -%}
        {%- if value is boolean -%}
            {%- do out.update({'value': value, 'ok': true}) -%}
        {%- elif value is integer and value in [0, 1] -%}
            {%- do out.update({'value': value == 1, 'ok': true}) -%}
        {%- elif text is not none and text | lower in ['true', '1'] -%}
            {%- do out.update({'value': true, 'ok': true}) -%}
        {%- elif text is not none and text | lower in ['false', '0'] -%}
            {%- do out.update({'value': false, 'ok': true}) -%}
        {%- endif -%}
    {%- elif kind == 'string' and spec.get('booleans')
        and (value is boolean or (text is not none and text | lower in ['true', 'false', '1', '0'])) -%}
        {%- do out.update({'value': value if value is boolean else text | lower in ['true', '1'], 'ok': true}) -%}
    {%- elif kind == 'string' -%}
        {%- if spec.get('numbers_as_text') and value is number and value is not boolean -%}
            {%- set value = value | string -%}
        {%- endif -%}
        {%- if value is string and value != ''
            and (spec.get('allowed') is none or value in spec['allowed'])
            and (spec.get('pattern') is none or re.match(spec['pattern'], value)) -%}
            {%- do out.update({'value': value, 'ok': true}) -%}
        {%- endif -%}
    {%- elif kind == 'date' -%}
        {%- set day = value.strftime('%Y-%m-%d') if value is not string and value.strftime is defined else text -%}
        {%- set match = re.match('^([0-9]{4})-([0-9]{2})-([0-9]{2})$', day or '') -%}
        {%- if match and 1 <= match.group(2) | int <= 12 and 1 <= match.group(3) | int <= 31
            and (modules.datetime.datetime(match.group(1) | int, match.group(2) | int, 1)
                + modules.datetime.timedelta(days=(match.group(3) | int) - 1)).month == match.group(2) | int -%}
            {%- do out.update({'value': day, 'ok': true}) -%}
        {%- endif -%}
    {%- elif kind == 'path' -%}
        {%- if value is string and text != '' -%}
            {%- do out.update({'value': value, 'ok': true}) -%}
        {%- elif value is not string and value is not mapping and value is iterable and value | length > 0
            and value | select('string') | reject('equalto', '') | list | length == value | length -%}
            {%- do out.update({'value': value | list, 'ok': true}) -%}
        {%- endif -%}
    {%- elif kind == 'list' -%}
        {%- if text is not none and text.startswith('[') -%}
            {%- set value = fromyaml(text) -%}
        {%- elif text is not none and spec.get('single') -%}
            {%- set value = [value] -%}
        {%- endif -%}
        {%- if value is not none and value is not string and value is not mapping and value is iterable
            and value | length >= spec.get('min_length', 0) -%}
            {%- set items = [] -%}
            {%- for element in value -%}
                {%- do items.append(
                    journey._journey_var_value(name, element, spec['items'], loop.index)
                    if spec.get('items') else element
                ) -%}
            {%- endfor -%}
            {%- do out.update({'value': items, 'ok': true}) -%}
        {%- endif -%}
    {%- elif kind == 'mapping' -%}
        {%- if text is not none and text.startswith('{') -%}
            {%- set value = fromyaml(text) -%}
        {%- endif -%}
        {%- if value is mapping -%}
            {%- do out.update({'value': value, 'ok': true}) -%}
        {%- endif -%}
    {%- elif kind == 'any' -%}
        {%- do out.update({'value': value, 'ok': true}) -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("journey: journey_var_specs: var " ~ name ~ " has unknown type '" ~ kind ~ "'") }}
    {%- endif -%}

    {%- if out['ok'] and out['value'] is number and out['value'] is not boolean -%}
        {%- set v = out['value'] -%}
        {%- if (spec.get('min') is not none and v < spec['min'])
            or (spec.get('max') is not none and v > spec['max'])
            or (spec.get('exclusive_min') is not none and v <= spec['exclusive_min'])
            or (spec.get('exclusive_max') is not none and v >= spec['exclusive_max']) -%}
            {%- do out.update({'ok': false}) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if not out['ok'] -%}
        {{ journey._journey_var_fail(name, value, spec, item) }}
    {%- endif -%}
    {{ return(out['value']) }}
{%- endmacro %}


{#- raises: the var, the value as given and what the var allows -#}
{% macro _journey_var_fail(name, value, spec, item=none) -%}
    {%- set shown = ("'" ~ value ~ "'") if value is string else ('null' if value is none else value) -%}
    {%- set where = ("var " ~ name ~ ", item " ~ item) if item is not none else ("var " ~ name) -%}
    {{ exceptions.raise_compiler_error(
        "journey: " ~ where ~ " = " ~ shown ~ " is not allowed: it must be "
        ~ journey._journey_var_expected(spec) ~ "."
    ) }}
{%- endmacro %}


{#- what a spec allows, in words -#}
{% macro _journey_var_expected(spec) -%}
    {%- set kind = spec['type'] -%}
    {%- set bounds = [] -%}
    {%- for key, word in [('min', '>= '), ('exclusive_min', '> '), ('max', '<= '), ('exclusive_max', '< ')] -%}
        {%- if spec.get(key) is not none -%}{%- do bounds.append(word ~ spec[key]) -%}{%- endif -%}
    {%- endfor -%}
    {%- set bound_text = (' ' ~ bounds | join(' and ')) if bounds else '' -%}
    {%- if kind == 'integer' -%}
        {%- set words = 'a whole number' ~ bound_text ~ ' (digits as text, such as "30", are accepted)' -%}
    {%- elif kind == 'number' -%}
        {%- set words = 'a number' ~ bound_text ~ ' (a numeric text such as "0.5" is accepted)' -%}
    {%- elif kind == 'boolean' -%}
        {%- set words = 'true or false (the text true, false, 1 or 0, in any case, is accepted)' -%}
    {%- elif kind == 'string' and spec.get('allowed') -%}
        {%- set words = 'one of: ' ~ spec['allowed'] | join(', ') ~ (', true or false' if spec.get('booleans') else '') -%}
    {%- elif kind == 'string' -%}
        {%- set words = spec.get('what', 'non-empty text') -%}
    {%- elif kind == 'date' -%}
        {%- set words = "a date 'YYYY-MM-DD'" -%}
    {%- elif kind == 'path' -%}
        {%- set words = 'a file path or glob, or a non-empty list of them' -%}
    {%- elif kind == 'list' -%}
        {%- set words = 'a list' ~ ((' of at least ' ~ spec['min_length'] ~ ' item(s)') if spec.get('min_length') else '')
            ~ ((', each ' ~ journey._journey_var_expected(spec['items'])) if spec.get('items') else '') -%}
    {%- elif kind == 'mapping' -%}
        {%- set words = 'a mapping' -%}
    {%- else -%}
        {%- set words = kind -%}
    {%- endif -%}
    {{ return(words ~ (' or null' if spec.get('nullable') else '')) }}
{%- endmacro %}
