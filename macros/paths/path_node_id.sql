{#- The id of a Sankey node, unique over all path analyses: '<analysis>|<step>|<node name>'. -#}
{% macro path_node_id(analysis_name, step_index, node_name) -%}
    {{ dbt.concat([analysis_name, "'|'", dbt.cast(step_index, dbt.type_string()), "'|'", node_name]) }}
{%- endmacro %}
