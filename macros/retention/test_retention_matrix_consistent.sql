{#-
    Retention matrix integrity: at period 0 the whole cohort is retained (on and on or after,
    rate 1); at every period retained <= retained on or after <= cohort; and retention on or
    after never rises from one period to the next. Returns the rows that break it.
-#}
{% test retention_matrix_consistent(model) %}

with matrix as (

    select
        *,
        lag(retained_on_or_after_users) over (
            partition by analysis_name, cohort_type, period_unit, window_type, cohort_start_date
            order by period_number
        ) as previous_on_or_after_users
    from {{ model }}

)

select *
from matrix
where
    (
        period_number = 0
        and (
            retained_users <> cohort_users
            or retained_on_or_after_users <> cohort_users
            or retention_rate <> 1
        )
    )
    or retained_users > retained_on_or_after_users
    or retained_on_or_after_users > cohort_users
    or retained_on_or_after_users > previous_on_or_after_users

{% endtest %}
