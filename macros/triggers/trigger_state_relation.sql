{#-
    The relation a trigger reads for a segments mart (entry state or payload lookup): ref() of
    the mart; for a Python mart switched off (journey__segments_python_models: false) the table
    of that name in the target schema, which scripts/run_clv.py and the propensity script write,
    and, while that table does not exist, an empty relation with the columns the trigger reads
    (so nobody is in the state and payload values take their default), with a warning naming the
    trigger.
-#}
{% macro trigger_state_relation(relation, columns, trigger_name) -%}
    {%- set spec = journey.trigger_state_relations()[relation] -%}
    {%- if not spec.get('python_model') or journey.journey_var('journey__segments_python_models') -%}
        {{ return(ref(relation)) }}
    {%- endif -%}
    {%- set written = adapter.get_relation(target.database, target.schema, relation) if execute else none -%}
    {%- if written is not none -%}
        {{ return(written) }}
    {%- endif -%}
    {%- if execute -%}
        {%- do exceptions.warn("trigger '" ~ trigger_name ~ "' reads " ~ relation ~ ", a Python model switched off by journey__segments_python_models, and no table " ~ target.schema ~ "." ~ relation ~ " exists: the trigger reads it as empty until a script writes it") -%}
    {%- endif -%}
    {%- set selected = ['cast(null as ' ~ dbt.type_string() ~ ') as user_id'] -%}
    {%- for column in columns | unique if column != 'user_id' -%}
        {%- do selected.append('null as ' ~ column) -%}
    {%- endfor -%}
    {{ return('(select ' ~ selected | join(', ') ~ ' from (select 1 as one) as nothing where 1 = 0)') }}
{%- endmacro %}
