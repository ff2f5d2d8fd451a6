{#-
    Generic test: per group, sum(column_name) in the model equals an aggregate (expected, e.g.
    count(*)) of another relation, with groups matched on the same column names (rows conserved
    across marts: every customer of a snapshot in exactly one transition row, ...). Groups
    present on one side only fail too.
-#}
{% test segment_totals_match(model, column_name, group_by, to, expected='count(*)', where_expected=none) %}
    {%- set keys = group_by | join(', ') -%}
    with actual as (
        select {{ keys }}, sum({{ column_name }}) as actual_total
        from {{ model }}
        group by {{ keys }}
    ),

    expected as (
        select {{ keys }}, {{ expected }} as expected_total
        from {{ to }}
        {% if where_expected %}where {{ where_expected }}{% endif %}
        group by {{ keys }}
    )

    select
        {% for key in group_by %}coalesce(actual.{{ key }}, expected.{{ key }}) as {{ key }}, {% endfor %}
        actual.actual_total,
        expected.expected_total
    from actual
    full outer join expected
        on {% for key in group_by %}actual.{{ key }} = expected.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
    where
        actual.actual_total is null
        or expected.expected_total is null
        or actual.actual_total <> expected.expected_total
{% endtest %}
