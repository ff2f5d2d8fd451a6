{#-
    Generic test that warns (never fails the build) while the column has any non-null value:
    for things a person should look at but that must not stop a scheduled run.
-#}
{% test journey_no_rows_warn(model, column_name, message='rows need attention') %}
    {{ config(severity='warn') }}
    select
        {{ column_name }} as offending_value,
        '{{ message }}' as message
    from {{ model }}
    where {{ column_name }} is not null
{% endtest %}
