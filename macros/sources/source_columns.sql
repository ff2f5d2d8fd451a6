{#-
    Checks a source relation for the columns a staging model needs, then hands back the
    lower-cased names it has, so optional columns can be filled with typed nulls.
    A missing required column stops the run with a message that names it.
-#}
{% macro check_source_columns(relation, required_columns, source_label) -%}
    {%- if not execute or journey.journey_var('journey__offline_compile') -%}
        {{ return(required_columns) }}
    {%- endif -%}
    {%- set probe = run_query('select * from ' ~ relation ~ ' where 1 = 0') -%}
    {%- set present = probe.column_names | map('lower') | list -%}
    {%- set missing = [] -%}
    {%- for column in required_columns -%}
        {%- if column | lower not in present -%}
            {%- do missing.append(column) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "journey: the source " ~ source_label ~ " (" ~ relation ~ ") lacks required column(s): "
            ~ missing | join(', ') ~ ". Present columns: " ~ present | join(', ')
            ~ ". Rename them in your export or point the source at the right table."
        ) }}
    {%- endif -%}
    {{ return(present) }}
{%- endmacro %}


{#- The column cast to a type when the source has it, else a typed null with the same name. -#}
{% macro column_or_null(column, present_columns, data_type, alias=none) -%}
    {%- set name = alias if alias else column -%}
    {%- if column | lower in present_columns -%}
        {{ journey.try_cast(column, data_type) }} as {{ name }}
    {%- else -%}
        cast(null as {{ data_type }}) as {{ name }}
    {%- endif -%}
{%- endmacro %}
