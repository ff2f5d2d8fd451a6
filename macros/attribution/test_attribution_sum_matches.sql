{#-
    Data test: sum(column_name) of the model, per group_by (list of columns; none = one total),
    equals `expected` within `tolerance`. `expected` is a SQL expression: a constant (e.g. 1)
    or an aggregate over the relation `to` filtered by `where_expected` (e.g. count(*) over the
    conversion paths). Fails with one row per group that misses. A model with no rows passes.
-#}
{% test attribution_sum_matches(model, column_name, expected, to=none, where_expected=none, group_by=none, tolerance=0.000001) %}
    {%- set groups = group_by if group_by is not none else [] -%}
    {%- if groups is string -%}{%- set groups = [groups] -%}{%- endif -%}
    {%- if tolerance is not number or tolerance < 0 -%}
        {%- do exceptions.raise_compiler_error(
            "attribution_sum_matches: tolerance must be a number >= 0; got " ~ tolerance) -%}
    {%- endif %}

with actual as (

    select
        {%- for column in groups %}
        {{ column }},
        {%- endfor %}
        sum({{ column_name }}) as actual_total
    from {{ model }}
    {%- if groups | length > 0 %}
    group by {% for column in groups %}{{ column }}{% if not loop.last %}, {% endif %}{% endfor %}
    {%- endif %}

),

expected as (

    select {{ expected }} as expected_total
    {%- if to is not none %}
    from {{ to }}
    {%- if where_expected %}
    where {{ where_expected }}
    {%- endif %}
    {%- endif %}

)

select
    actual.*,
    expected.expected_total
from actual
cross join expected
where abs(coalesce(actual.actual_total, 0) - coalesce(expected.expected_total, 0)) > {{ tolerance }}

{% endtest %}
