{#-
    The trigger marts are rebuilt in full on every run (their rows depend only on the loaded
    data, see triggers_semantics), but each row keeps the run that first found it: this returns
    the previous version of the model when there is one to read run ids from (not on
    --full-refresh, not while dbt only parses), else none.
-#}
{% macro trigger_previous_relation(relation) -%}
    {%- set offline = var('journey__offline_compile', false) -%}
    {%- if offline -%}
        {#- the offline BigQuery compile check cannot query: compile the branch its mode names -#}
        {{ return(relation if offline == 'incremental' else none) }}
    {%- endif -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set previous = load_relation(relation) -%}
    {%- if previous is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(previous) | map(attribute='name') | map('lower') | list -%}
    {%- if 'run_id' not in columns or 'found_at' not in columns -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(previous) }}
{%- endmacro %}

{#- The run's start time, UTC, as a timestamp literal. -#}
{% macro trigger_run_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
