{#- Rows of the model for which a boolean SQL expression is not true (null counts as a failure). -#}
{% test retention_expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)

{% endtest %}
