{#- Median of a numeric expression as an aggregate (exact on DuckDB, approximate on BigQuery). -#}
{% macro path_median(expression) -%}
    {{ return(adapter.dispatch('path_median', 'journey')(expression)) }}
{%- endmacro %}

{#- BigQuery has no exact median aggregate: approx_quantiles with 1000 buckets (an approximation). -#}
{% macro default__path_median(expression) -%}
    approx_quantiles({{ expression }}, 1000)[safe_offset(500)]
{%- endmacro %}

{#- DuckDB's median interpolates between the two middle values of an even count. -#}
{% macro duckdb__path_median(expression) -%}
    median({{ expression }})
{%- endmacro %}

{#- Spark's median is percentile(x, 0.5): exact, interpolating like DuckDB's. -#}
{% macro spark__path_median(expression) -%}
    median({{ expression }})
{%- endmacro %}
