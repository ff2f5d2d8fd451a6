{#-
    Lifecycle integrity: in each period, active = new + returning + resurrecting, and everyone
    active in the previous period is either returning or dormant now. Returns the periods
    that break it.
-#}
{% test lifecycle_balances(model) %}

with periods as (

    select
        *,
        lag(active_users) over (partition by period_unit order by period_start_date) as previous_active_users
    from {{ model }}

)

select *
from periods
where
    active_users <> new_users + returning_users + resurrecting_users
    or (previous_active_users is not null and returning_users + dormant_users <> previous_active_users)

{% endtest %}
