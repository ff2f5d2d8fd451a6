{#- The validated path analyses as rows of literals (one select per analysis, union all). -#}
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
    {%- endfor %}
{%- endmacro %}
