{{
    config(
        materialized='table',
    )
}}

{#-
    One row per funnel, breakdown value ('(all)' = every unit) and funnel position: units that
    reached it, conversion from the start and from the previous required step, drop-off, and
    percentiles of the time from the previous reached step and from the entry (at the last
    step: the time to convert). Ordered and strict funnels: a position is a step; any_order
    funnels: position k counts units that completed at least k of the steps.
-#}
{%- set funnels = journey.funnel_configs() -%}
{%- set partition = 'funnel_name, breakdown_value, step_index' -%}
{%- set percentile_columns = [] -%}
{%- set percentile_maxima = [] -%}
{%- set percentile_reached = [] -%}
{%- set percentile_final = [] -%}
{%- for column, label in [('seconds_from_previous_step', 'from_previous'), ('seconds_from_entry', 'from_entry')] -%}
    {%- for fraction, name in [(0.25, 'p25'), (0.5, 'median'), (0.75, 'p75'), (0.9, 'p90')] -%}
        {%- set output = 'seconds_' ~ label ~ '_' ~ name -%}
        {%- set percentile = journey.funnel_percentile(column, fraction, partition) | trim -%}
        {%- do percentile_columns.append(percentile ~ ' as ' ~ output) -%}
        {%- do percentile_maxima.append('max(' ~ output ~ ') as ' ~ output) -%}
        {%- do percentile_reached.append('reached.' ~ output) -%}
        {%- do percentile_final.append('cast(counted.' ~ output ~ ' as numeric(28, 6)) as ' ~ output) -%}
    {%- endfor -%}
{%- endfor %}

with units as (

    select * from {{ ref('fct_funnel_units') }}

),

unit_steps as (

    select * from {{ ref('fct_funnel_unit_steps') }}

),

steps as (

    {{ journey.funnel_step_spine(funnels) }}

),

unit_groups as (

    -- every unit counts in '(all)' and, when the funnel has a breakdown, in its own value
    select
        funnel_name,
        unit_id,
        '(all)' as breakdown_value
    from units
    union all
    select
        funnel_name,
        unit_id,
        breakdown_value
    from units
    where breakdown_value is not null

),

positioned as (

    select
        unit_steps.funnel_name,
        unit_groups.breakdown_value,
        unit_steps.seconds_from_previous_step,
        unit_steps.seconds_from_entry,
        case
            when steps.order_mode = 'any_order' then unit_steps.reached_order else unit_steps.step_index
        end as step_index
    from unit_steps
    inner join unit_groups
        on
            unit_steps.funnel_name = unit_groups.funnel_name
            and unit_steps.unit_id = unit_groups.unit_id
    inner join steps
        on
            unit_steps.funnel_name = steps.funnel_name
            and unit_steps.step_index = steps.step_index

),

percentiles as (

    select
        funnel_name,
        breakdown_value,
        step_index,
        {{ percentile_columns | join(',\n        ') }}
    from positioned

),

reached as (

    select
        funnel_name,
        breakdown_value,
        step_index,
        count(*) as units_reached,
        {{ percentile_maxima | join(',\n        ') }}
    from percentiles
    group by 1, 2, 3

),

breakdown_values as (

    select distinct
        funnel_name,
        breakdown_value
    from unit_groups

),

grid as (

    -- every step for every breakdown value, so that a step nobody reached shows 0
    select
        steps.funnel_name,
        steps.step_index,
        steps.position_name,
        steps.event_names,
        steps.is_optional,
        steps.previous_required_step_index,
        steps.count_by,
        steps.order_mode,
        steps.breakdown_field,
        breakdown_values.breakdown_value
    from steps
    inner join breakdown_values
        on steps.funnel_name = breakdown_values.funnel_name

),

counted as (

    select
        grid.*,
        coalesce(reached.units_reached, 0) as units_reached,
        {{ percentile_reached | join(',\n        ') }},
        coalesce(max(case when grid.step_index = 1 then reached.units_reached end) over (
            partition by grid.funnel_name, grid.breakdown_value
        ), 0) as units_entered
    from grid
    left join reached
        on
            grid.funnel_name = reached.funnel_name
            and grid.breakdown_value = reached.breakdown_value
            and grid.step_index = reached.step_index

),

final as (

    select
        concat(
            counted.funnel_name, ':', counted.breakdown_value, ':',
            cast(counted.step_index as {{ dbt.type_string() }})
        ) as funnel_step_id,
        counted.funnel_name,
        counted.count_by,
        counted.order_mode,
        counted.breakdown_field,
        counted.breakdown_value,
        counted.step_index,
        counted.position_name as step_name,
        counted.event_names,
        counted.is_optional,
        counted.previous_required_step_index as previous_step_index,
        cast(counted.units_entered as {{ dbt.type_bigint() }}) as units_entered,
        cast(counted.units_reached as {{ dbt.type_bigint() }}) as units_reached,
        cast(previous.units_reached as {{ dbt.type_bigint() }}) as units_at_previous_step,
        cast(previous.units_reached - counted.units_reached as {{ dbt.type_bigint() }}) as drop_off_units,
        cast(counted.units_reached * 1.0 / nullif(counted.units_entered, 0) as numeric(28, 6))
            as conversion_rate_from_start,
        cast(counted.units_reached * 1.0 / nullif(previous.units_reached, 0) as numeric(28, 6))
            as conversion_rate_from_previous,
        cast(
            (previous.units_reached - counted.units_reached) * 1.0 / nullif(previous.units_reached, 0)
            as numeric(28, 6)
        ) as drop_off_rate,
        {{ percentile_final | join(',\n        ') }}
    from counted
    left join counted as previous
        on
            counted.funnel_name = previous.funnel_name
            and counted.breakdown_value = previous.breakdown_value
            and counted.previous_required_step_index = previous.step_index

)

select * from final
