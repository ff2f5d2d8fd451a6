{#-
    A hash of what a trigger entry carries into its decisions besides its ids: entry time, load
    time, exit match value, payload values from data and the re-entry verdict. An incremental
    run re-evaluates a user whose stored fingerprint differs (a changed state row, for one).
-#}
{% macro trigger_entry_fingerprint(alias) -%}
    {%- set parts = [] -%}
    {%- for column in ['entered_at', 'entry_loaded_at', 'match_value', 'payload_values', 'is_accepted_entry'] -%}
        {%- do parts.append("coalesce(cast(" ~ alias ~ "." ~ column ~ " as " ~ dbt.type_string() ~ "), '~')") -%}
        {%- if not loop.last -%}{%- do parts.append("'|'") -%}{%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
