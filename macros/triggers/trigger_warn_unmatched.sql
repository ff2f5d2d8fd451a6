{#-
    Warns, when a model runs, for every declared trigger that has no entry at all in
    `entries_relation` (int_trigger_entries): "trigger '<name>' matches nobody". A warning, not
    an error: a new trigger may wait for its first event. Does nothing while dbt only parses or compiles offline (journey__offline_compile).
-#}
{% macro trigger_warn_unmatched(triggers, entries_relation) -%}
    {%- if not execute or triggers | length == 0 or var('journey__offline_compile', false) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set found = [] -%}
    {%- set rows = run_query("select distinct trigger_name from " ~ entries_relation) -%}
    {%- for row in rows.rows -%}{%- do found.append(row[0]) -%}{%- endfor -%}
    {%- for t in triggers -%}
        {%- if t.name not in found -%}
            {%- do exceptions.warn("journey: trigger '" ~ t.name ~ "' matches nobody: no identified user's event matches its entry (" ~ t.entry.events | join(', ') ~ " with its predicates) in fct_events") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
