{#-
    Refuses, when a model runs, a trigger whose entry, exit or goal event is neither a canonical
    name in seed journey_event_taxonomy nor an event_name ever seen in `events_relation`
    (Jinja cannot read the seed at parse time). The error names the trigger, the key and the
    event. Does nothing while dbt only parses or compiles offline (journey__offline_compile).
-#}
{% macro trigger_check_event_names(triggers, events_relation) -%}
    {%- if not execute or triggers | length == 0 or var('journey__offline_compile', false) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set known = [] -%}
    {%- set taxonomy = run_query("select distinct event_name from " ~ ref('journey_event_taxonomy')) -%}
    {%- for row in taxonomy.rows -%}{%- do known.append(row[0]) -%}{%- endfor -%}
    {%- set seen = run_query("select distinct event_name from " ~ events_relation) -%}
    {%- for row in seen.rows -%}{%- do known.append(row[0]) -%}{%- endfor -%}
    {%- for t in triggers -%}
        {%- for used in t.event_names -%}
            {%- if used.event_name not in known -%}
                {{ exceptions.raise_compiler_error(
                    "trigger '" ~ t.name ~ "'." ~ used.role ~ ": unknown event name '" ~ used.event_name
                    ~ "': it is not a canonical event_name of seed journey_event_taxonomy and no event of that name was ever seen in fct_events"
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
