{#-
    Settings that decide the history already stored in the incremental models: changing one
    (the session timeout, a split rule, the taxonomy seed) changes rows written by earlier runs,
    so an incremental run would mix old and new rules. fct_events records them after each run
    (record_history_settings) and refuses an incremental run when they differ
    (assert_history_settings_unchanged): the message says to run with --full-refresh.
-#}
{% macro history_settings() -%}
    {%- set settings = {
        'journey__session_timeout_minutes': journey.journey_var('journey__session_timeout_minutes') | string,
        'journey__session_source': journey.journey_var('journey__session_source') | string,
        'journey__session_split_at_midnight': journey.journey_var('journey__session_split_at_midnight') | string,
        'journey__session_split_on_campaign_change': journey.journey_var('journey__session_split_on_campaign_change') | string,
    } -%}
    {%- if execute and not journey.journey_var('journey__offline_compile') -%}
        {%- set taxonomy = run_query(
            "select source_name, raw_event_name, event_name, event_category, journey_stage, is_conversion from "
            ~ journey.seed_ref('journey_event_taxonomy') ~ " order by source_name, raw_event_name"
        ) -%}
        {%- set lines = [] -%}
        {%- for row in taxonomy.rows -%}
            {%- do lines.append(row | join('|')) -%}
        {%- endfor -%}
        {%- do settings.update({
            'journey_event_taxonomy (seed)': taxonomy.rows | length ~ ' rows, md5 ' ~ local_md5(lines | join('\n'))
        }) -%}
    {%- endif -%}
    {{ return(settings) }}
{%- endmacro %}


{% macro history_settings_relation(model_relation) -%}
    {{ return(api.Relation.create(
        database=model_relation.database,
        schema=model_relation.schema,
        identifier='journey_history_settings',
    )) }}
{%- endmacro %}


{#- Post-hook of fct_events: store the settings this run used, one row per setting. -#}
{% macro record_history_settings(model_relation) -%}
    {{ return(adapter.dispatch('record_history_settings', 'journey')(model_relation)) }}
{%- endmacro %}

{% macro default__record_history_settings(model_relation) -%}
    {%- set relation = journey.history_settings_relation(model_relation) -%}
    {%- set settings = journey.history_settings() -%}
    create table if not exists {{ relation }} (
        setting_name {{ dbt.type_string() }},
        setting_value {{ dbt.type_string() }}
    );
    delete from {{ relation }} where 1 = 1;
    insert into {{ relation }} (setting_name, setting_value) values
    {%- for name, value in settings.items() %}
        ('{{ name }}', '{{ value | replace("'", "''") }}'){{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro assert_history_settings_unchanged(model_relation) -%}
    {%- if not execute or journey.journey_var('journey__offline_compile') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set relation = journey.history_settings_relation(model_relation) -%}
    {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set stored = {} -%}
    {%- for row in run_query('select setting_name, setting_value from ' ~ relation).rows -%}
        {%- do stored.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {%- set changed = [] -%}
    {%- for name, value in journey.history_settings().items() -%}
        {%- if name in stored and stored[name] != value -%}
            {%- do changed.append(name ~ " was '" ~ stored[name] ~ "', now '" ~ value ~ "'") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if changed | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "journey: settings that decide stored history changed since the last run: "
            ~ changed | join('; ')
            ~ ". An incremental run would mix rows built under the old and the new rule. Run "
            ~ "`dbt build --full-refresh` once (or revert the change)."
        ) }}
    {%- endif -%}
{%- endmacro %}
