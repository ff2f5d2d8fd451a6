{#-
    Integrity test on fct_funnel_steps: within a funnel and breakdown value, no required step
    (and no any_order position) has more units than the previous required one, and no step has
    more than entered. Returns the offending rows.
-#}
{% test funnel_counts_never_rise(model) %}

select
    later.funnel_name,
    later.breakdown_value,
    later.step_index,
    later.units_reached,
    earlier.step_index as previous_step_index,
    earlier.units_reached as previous_units_reached
from {{ model }} as later
inner join {{ model }} as earlier
    on later.funnel_name = earlier.funnel_name
    and later.breakdown_value = earlier.breakdown_value
    and earlier.step_index < later.step_index
    and not earlier.is_optional
where
    (not later.is_optional and later.units_reached > earlier.units_reached)
    or (earlier.step_index = 1 and later.units_reached > earlier.units_reached)

{% endtest %}
