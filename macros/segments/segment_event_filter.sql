{#-
    A SQL predicate keeping the canonical event names listed in a var (a list, or one name as a
    string). An empty list keeps every event when allow_all_when_empty, else it is an error.
    Names must be canonical (lower-case letters, digits, underscores): a typo cannot inject SQL.
-#}
{% macro segment_event_filter(column, var_name, default, allow_all_when_empty=false) -%}
    {%- set value = journey.journey_var(var_name) -%}
    {%- set names = [value] if value is string else (value or []) -%}
    {%- if names | length == 0 -%}
        {%- if allow_all_when_empty -%}
            {{ return('1 = 1') }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "journey: var " ~ var_name ~ " must list at least one canonical event name."
        ) }}
    {%- endif -%}
    {%- for name in names -%}
        {%- if name is not string or not modules.re.match('^[a-z0-9_]+$', name) -%}
            {{ exceptions.raise_compiler_error(
                "journey: var " ~ var_name ~ " holds '" ~ name ~ "', which is not a canonical event "
                ~ "name (lower-case letters, digits and underscores, e.g. order_completed)."
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(column ~ " in ('" ~ names | join("', '") ~ "')") }}
{%- endmacro %}
