{#-
    Spark (session mode, plain Parquet tables) has no delete or update. The spark target builds
    fct_events and fct_sessions as full refreshes only (spark__incremental_strategy refuses an
    incremental run), whose select already leaves erased people out, stitches every row with
    the current identity map and writes no orphan session: the post-hooks that repair rows
    written by earlier runs have nothing to do there and render as no statement.
-#}
{% macro spark__delete_erased_events(relation) -%}
{%- endmacro %}

{% macro spark__delete_orphan_sessions(sessions_relation, events_relation) -%}
{%- endmacro %}

{% macro spark__restitch_events(relation, identity_map) -%}
{%- endmacro %}

{% macro spark__restitch_sessions(relation, identity_map) -%}
{%- endmacro %}

{#- Incremental runs are refused on Spark, so there is no stored history to guard. -#}
{% macro spark__record_history_settings(model_relation) -%}
{%- endmacro %}
