{#- Data test: no row of the model satisfies `condition` (a SQL boolean expression). -#}
{% test attribution_no_rows_where(model, condition) %}

select *
from {{ model }}
where {{ condition }}

{% endtest %}
