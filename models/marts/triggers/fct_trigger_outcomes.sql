{#-
    One row per fire and per would-be fire of a control (holdout, global control), and of a
    treated user whose message was capped, out-prioritised or dropped by quiet hours
    (was_sent = false: lift is measured on everyone assigned to treatment). The goal is the
    trigger's goal events (default: its exit events) in (condition_true_at, condition_true_at +
    window]; goal_value sums their revenue in the reporting currency.
-#}
{%- set triggers = journey.trigger_configs() -%}

with decisions as (

    select * from {{ ref('int_trigger_decisions') }}
    where
        status = 'fired'
        or skip_reason in ('holdout', 'global_control', 'capped', 'lower_priority', 'quiet_hours')

),

steps as (

    select
        trigger_name,
        step_name,
        goal_window_seconds
    from {{ ref('dim_trigger_steps') }}

),

current_watermark as (

    select max(watermark_at) as watermark_at
    from {{ ref('int_trigger_load_watermarks') }}

),

currency_rates as (

    select * from {{ ref('journey_currency_rates') }}

),

events as (

    select
        events.event_name,
        events.event_at,
        events.user_id,
        events.revenue * currency_rates.rate_to_reporting_currency as converted_revenue
    from {{ ref('fct_events') }} as events
    left join currency_rates
        on coalesce(events.currency, '{{ journey.journey_var('journey__reporting_currency') }}') = currency_rates.currency
    where events.is_identified

),

goal_events as (

    {%- set goal_selects = [] -%}
    {%- for t in triggers if t.goal -%}
        {%- set goal_select %}
    select
        {{ journey.funnel_literal(t.name) }} as trigger_name,
        user_id,
        event_at,
        converted_revenue
    from events
    where event_name in ({% for e in t.goal.events %}{{ journey.funnel_literal(e) }}{% if not loop.last %}, {% endif %}{% endfor %})
        {%- endset -%}
        {%- do goal_selects.append(goal_select) -%}
    {%- endfor %}
    {{ journey.trigger_union_all(goal_selects, [
        ('trigger_name', dbt.type_string()),
        ('user_id', dbt.type_string()),
        ('event_at', dbt.type_timestamp()),
        ('converted_revenue', dbt.type_numeric()),
    ], 'events') }}

),

windows as (

    select
        decisions.*,
        {{ journey.funnel_timestamp_add_seconds('decisions.condition_true_at', 'steps.goal_window_seconds') }}
            as outcome_window_end_at
    from decisions
    inner join steps
        on
            decisions.trigger_name = steps.trigger_name
            and decisions.step_name = steps.step_name
    where steps.goal_window_seconds is not null

),

goals as (

    select
        windows.fire_id,
        min(goal_events.event_at) as goal_at,
        sum(goal_events.converted_revenue) as goal_value
    from windows
    inner join goal_events
        on
            windows.trigger_name = goal_events.trigger_name
            and windows.user_id = goal_events.user_id
            and windows.condition_true_at < goal_events.event_at
            and windows.outcome_window_end_at >= goal_events.event_at
    group by windows.fire_id

)

select
    windows.fire_id,
    windows.trigger_name,
    windows.step_name,
    windows.step_number,
    windows.user_id,
    windows.channel,
    windows.arm,
    windows.status = 'fired' as was_sent,
    windows.skip_reason,
    windows.entered_at,
    windows.condition_true_at,
    windows.outcome_window_end_at,
    windows.outcome_window_end_at <= current_watermark.watermark_at as is_outcome_final,
    goals.fire_id is not null as goal_reached,
    goals.goal_at,
    cast(coalesce(goals.goal_value, 0) as {{ dbt.type_numeric() }}) as goal_value
from windows
cross join current_watermark
left join goals
    on windows.fire_id = goals.fire_id
