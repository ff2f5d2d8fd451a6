{#-
    A 1-5 quintile score of a value within a partition, as a window expression:
    score = 1 + floor(5 * (number of rows in the partition with a strictly worse value) / rows).
    Equal values always get the same score (the score of the first of them), so a value shared
    by many rows can leave a score unused (when 60% of customers bought once, they all score 1
    and the next value scores 4). higher_is_better=false scores small values high (recency).
-#}
{% macro quintile_score(value_expr, partition_by, higher_is_better=true) -%}
    {%- set direction = 'asc' if higher_is_better else 'desc' -%}
    cast(
        1 + floor(
            5.0 * (rank() over (partition by {{ partition_by }} order by {{ value_expr }} {{ direction }}) - 1)
            / count(*) over (partition by {{ partition_by }})
        )
        as {{ dbt.type_bigint() }}
    )
{%- endmacro %}
