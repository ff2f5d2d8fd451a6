{#-
    Generic test: none of the given columns is null, in one pass over the model (several
    not_null tests on a view would compute the view once each). Returns the rows with a null.
-#}
{% test journey_not_null_columns(model, columns) %}
    select {{ columns | join(', ') }}
    from {{ model }}
    where
        {%- for column in columns %}
            {{ column }} is null{{ ' or' if not loop.last }}
        {%- endfor %}
{% endtest %}
