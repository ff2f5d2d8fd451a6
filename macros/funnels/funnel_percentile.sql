{#-
    Continuous percentile (linear interpolation between the two nearest ranks, as
    percentile_cont) of `expr` over a window partition; aggregate it with max() afterwards.
    BigQuery has percentile_cont only as an analytic function, hence the window form.
-#}
{% macro funnel_percentile(expr, fraction, partition_by) -%}
    {{ return(adapter.dispatch('funnel_percentile', 'journey')(expr, fraction, partition_by)) }}
{%- endmacro %}

{% macro default__funnel_percentile(expr, fraction, partition_by) -%}
    percentile_cont({{ expr }}, {{ fraction }}) over (partition by {{ partition_by }})
{%- endmacro %}

{#- DuckDB names the same function quantile_cont. -#}
{% macro duckdb__funnel_percentile(expr, fraction, partition_by) -%}
    quantile_cont({{ expr }}, {{ fraction }}) over (partition by {{ partition_by }})
{%- endmacro %}

{#- Spark's percentile interpolates like percentile_cont. -#}
{% macro spark__funnel_percentile(expr, fraction, partition_by) -%}
    percentile({{ expr }}, {{ fraction }}) over (partition by {{ partition_by }})
{%- endmacro %}
