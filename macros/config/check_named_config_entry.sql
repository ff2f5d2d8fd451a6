{#-
    Validates one entry of a list-of-mappings var (path analyses, retention analyses): it is a
    mapping, has only known keys, and a snake_case name not used by an earlier entry. Appends
    the name to seen_names. Errors name the var, the entry's index and the key.
-#}
{% macro check_named_config_entry(entry, where, known_keys, seen_names) -%}
    {%- if entry is not mapping -%}
        {{ exceptions.raise_compiler_error(where ~ " must be a mapping; got: " ~ entry) }}
    {%- endif -%}
    {%- for key in entry -%}
        {%- if key not in known_keys -%}
            {{ exceptions.raise_compiler_error(
                where ~ ": unknown key '" ~ key ~ "'. Known keys: " ~ known_keys | join(', ')
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set name = entry.get('name') -%}
    {%- if name is not string or not modules.re.match('^[a-z][a-z0-9_]*$', name) -%}
        {{ exceptions.raise_compiler_error(
            where ~ ".name must be lower-case snake_case (letters, digits, _); got: " ~ name
        ) }}
    {%- endif -%}
    {%- if name in seen_names -%}
        {{ exceptions.raise_compiler_error(where ~ ".name '" ~ name ~ "' is used twice") }}
    {%- endif -%}
    {%- do seen_names.append(name) -%}
{%- endmacro %}
