{{
    config(
        materialized='table',
    )
}}

{#-
    One row per counted unit and funnel step it reached, with the step's event, when it
    happened, the time since the entry and since the previous reached step (in event order).
-#}
{%- set funnels = journey.funnel_configs() %}

with units as (

    select * from {{ ref('fct_funnel_units') }}

),

attempts as (

    select * from {{ ref('int_funnel_attempts') }}

),

steps as (

    {{ journey.funnel_step_spine(funnels) }}

),

unit_steps as (

    -- the counted attempt's steps, one row per step of the funnel (at most 10 per unit)
    select
        units.funnel_name,
        units.count_by,
        units.unit_id,
        units.breakdown_value,
        units.entry_date,
        units.entered_at,
        steps.step_index,
        steps.step_name,
        steps.is_optional,
        case steps.step_index
            {%- for k in range(1, 11) %}
                when {{ k }} then attempts.step_{{ k }}_rank
            {%- endfor %}
        end as step_rank,
        case steps.step_index
            {%- for k in range(1, 11) %}
                when {{ k }} then attempts.step_{{ k }}_at
            {%- endfor %}
        end as step_at,
        case steps.step_index
            {%- for k in range(1, 11) %}
                when {{ k }} then attempts.step_{{ k }}_event_id
            {%- endfor %}
        end as event_id
    from units
    inner join attempts
        on
            units.funnel_name = attempts.funnel_name
            and units.attempt_id = attempts.attempt_id
    inner join steps
        on units.funnel_name = steps.funnel_name

),

ordered_steps as (

    select
        unit_steps.*,
        row_number() over (
            partition by unit_steps.funnel_name, unit_steps.unit_id order by unit_steps.step_rank
        ) as reached_order,
        lag(unit_steps.step_index)
            over (partition by unit_steps.funnel_name, unit_steps.unit_id order by unit_steps.step_rank)
            as previous_step_index,
        lag(unit_steps.step_at)
            over (partition by unit_steps.funnel_name, unit_steps.unit_id order by unit_steps.step_rank)
            as previous_step_at
    from unit_steps
    where unit_steps.step_rank is not null

),

final as (

    select
        concat(funnel_name, ':', unit_id, ':', cast(step_index as {{ dbt.type_string() }})) as funnel_unit_step_id,
        concat(funnel_name, ':', unit_id) as funnel_unit_id,
        funnel_name,
        count_by,
        unit_id,
        step_index,
        step_name,
        is_optional,
        cast(reached_order as {{ dbt.type_bigint() }}) as reached_order,
        previous_step_index,
        event_id,
        step_at,
        cast({{ journey.seconds_between('entered_at', 'step_at') }} as numeric(28, 6)) as seconds_from_entry,
        cast({{ journey.seconds_between('previous_step_at', 'step_at') }} as numeric(28, 6))
            as seconds_from_previous_step,
        breakdown_value,
        entry_date
    from ordered_steps

)

select * from final
