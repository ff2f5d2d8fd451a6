{{ config(materialized='table') }}

{#-
    Sufficient statistics per trigger, step and arm from the trigger outcomes
    (var journey__trigger_outcomes_relation: a model name, read with ref, or a schema-qualified
    table name; null = no trigger marts yet, an empty table). One outcome row (fire) is a unit.
-#}
{%- set relation = var('journey__trigger_outcomes_relation', none) -%}
{%- set double = journey.segment_type_double() -%}

{%- if relation is none or relation == '' %}

    select
        cast(null as {{ dbt.type_string() }}) as trigger_name,
        cast(null as {{ dbt.type_string() }}) as step_name,
        cast(null as {{ dbt.type_string() }}) as arm,
        cast(null as bigint) as units,
        cast(null as bigint) as conversions,
        cast(null as {{ double }}) as sum_value,
        cast(null as {{ double }}) as sum_value2
    -- BigQuery refuses WHERE without FROM
    from (select 1 as placeholder) as no_rows
    where 1 = 0

{%- else %}

    with outcomes as (
        select
            fire_id,
            trigger_name,
            step_name,
            arm,
            goal_reached,
            goal_value
        {%- if '.' in relation %}
            from {{ relation }}
        {%- else %}
            from {{ ref(relation) }}
        {%- endif %}
    ),

    per_unit as (
        select
            trigger_name,
            step_name,
            arm,
            case when goal_reached then 1 else 0 end as converted,
            -- no goal, no value: a unit without a goal counts 0
            case when goal_reached then coalesce(cast(goal_value as {{ double }}), 0) else 0 end as goal_value
        from outcomes
    ),

    final as (
        select
            trigger_name,
            step_name,
            arm,
            cast(count(*) as bigint) as units,
            cast(sum(converted) as bigint) as conversions,
            cast(sum(goal_value) as {{ double }}) as sum_value,
            cast(sum(goal_value * goal_value) as {{ double }}) as sum_value2
        from per_unit
        group by trigger_name, step_name, arm
    )

    select * from final

{%- endif %}
