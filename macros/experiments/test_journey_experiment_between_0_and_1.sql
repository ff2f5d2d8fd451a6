{#- Generic test: the column is null or between 0 and 1 (p-values, shares). -#}
{% test journey_experiment_between_0_and_1(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < 0 or {{ column_name }} > 1
{% endtest %}
