{#-
    The documented columns of a segments mart (a relation of trigger_state_relations) as
    {name: data_type or none}, read from the project graph; none while dbt only parses (the
    graph is not there yet), so the columns are checked when anything runs.
-#}
{% macro trigger_state_columns(relation) -%}
    {%- if not execute or graph is not defined or not graph.get('nodes') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.package_name == 'journey' and node.name == relation -%}
            {%- set columns = {} -%}
            {%- for name, column in node.columns.items() -%}
                {%- do columns.update({name: (column.data_type or none) and (column.data_type | lower)}) -%}
            {%- endfor -%}
            {{ return(columns) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}
