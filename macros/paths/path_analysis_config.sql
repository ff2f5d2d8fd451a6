{#-
    The validated path analyses as SQL rows of literals (union all of one select per analysis);
    no analysis gives a typed select without rows, so the flow models build empty.
-#}
{% macro path_analysis_config(analyses) -%}
    {%- for analysis in analyses %}
    select
        '{{ analysis.name }}' as analysis_name,
        '{{ analysis.anchor_event }}' as anchor_event_name,
        '{{ analysis.direction }}' as direction,
        '{{ analysis.unit }}' as path_unit,
        '{{ analysis.anchor_occurrence }}' as anchor_occurrence,
        {{ 'true' if analysis.collapse_repeats else 'false' }} as is_repeats_collapsed,
        {{ analysis.max_depth }} as max_depth,
        {{ analysis.top_n }} as top_n
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as analysis_name,
        cast(null as {{ dbt.type_string() }}) as anchor_event_name,
        cast(null as {{ dbt.type_string() }}) as direction,
        cast(null as {{ dbt.type_string() }}) as path_unit,
        cast(null as {{ dbt.type_string() }}) as anchor_occurrence,
        cast(null as {{ dbt.type_boolean() }}) as is_repeats_collapsed,
        cast(null as {{ dbt.type_bigint() }}) as max_depth,
        cast(null as {{ dbt.type_bigint() }}) as top_n
    from (select 1 as no_rows) as no_analyses
    where 1 = 0
    {%- endfor %}
{%- endmacro %}
