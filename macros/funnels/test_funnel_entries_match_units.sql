{#-
    Integrity test on fct_funnel_steps: the units entering each funnel ('(all)' rows) equal the
    rows of fct_funnel_units for it, and every breakdown's entries add up to '(all)'.
-#}
{% test funnel_entries_match_units(model, units_model=ref('fct_funnel_units')) %}

with reported as (

    select
        funnel_name,
        max(case when breakdown_value = '(all)' then units_entered end) as entered_all,
        sum(case when breakdown_value != '(all)' and step_index = 1 then units_entered else 0 end) as entered_by_value,
        max(case when breakdown_value != '(all)' then 1 else 0 end) as has_breakdown
    from {{ model }}
    group by 1

),

counted as (

    select
        funnel_name,
        count(*) as units
    from {{ units_model }}
    group by 1

)

select
    coalesce(reported.funnel_name, counted.funnel_name) as funnel_name,
    reported.entered_all,
    reported.entered_by_value,
    counted.units
from reported
full outer join counted
    on reported.funnel_name = counted.funnel_name
where
    coalesce(reported.entered_all, 0) != coalesce(counted.units, 0)
    or (reported.has_breakdown = 1 and reported.entered_by_value != reported.entered_all)

{% endtest %}
