{{
    config(
        materialized='table',
    )
}}

{#-
    Conversion by entry period: one row per funnel, breakdown value ('(all)' = every unit),
    date grain (day, ISO week from Monday) and period of the entry date. is_window_complete
    tells whether every entry of the period has had its whole conversion window before the
    newest event in fct_events (recent periods otherwise look worse than they are).
-#}
{%- set funnels = journey.funnel_configs() -%}
{%- set partition = 'funnel_name, breakdown_value, date_grain, period_start_date' %}

with units as (

    select * from {{ ref('fct_funnel_units') }}

),

latest_event as (

    select max(event_at) as latest_event_at
    from {{ ref('fct_events') }}

),

funnels as (

    select distinct
        funnel_name,
        count_by,
        conversion_window_seconds
    from (
        {{ journey.funnel_step_spine(funnels) }}
    ) as steps

),

unit_groups as (

    select
        funnel_name,
        '(all)' as breakdown_value,
        entry_date,
        is_converted,
        seconds_to_convert
    from units
    union all
    select
        funnel_name,
        breakdown_value,
        entry_date,
        is_converted,
        seconds_to_convert
    from units
    where breakdown_value is not null

),

periods as (

    select
        funnel_name,
        breakdown_value,
        'day' as date_grain,
        entry_date as period_start_date,
        1 as period_days,
        is_converted,
        seconds_to_convert
    from unit_groups
    union all
    select
        funnel_name,
        breakdown_value,
        'week' as date_grain,
        {{ journey.funnel_week_start('entry_date') }} as period_start_date,
        7 as period_days,
        is_converted,
        seconds_to_convert
    from unit_groups

),

timed as (

    select
        periods.*,
        {{ journey.funnel_percentile('seconds_to_convert', 0.5, partition) }} as seconds_to_convert_median
    from periods

),

aggregated as (

    select
        funnel_name,
        breakdown_value,
        date_grain,
        period_start_date,
        max(period_days) as period_days,
        count(*) as units_entered,
        sum(case when is_converted then 1 else 0 end) as units_converted,
        max(seconds_to_convert_median) as seconds_to_convert_median
    from timed
    group by 1, 2, 3, 4

),

final as (

    select
        concat(
            aggregated.funnel_name, ':', aggregated.breakdown_value, ':', aggregated.date_grain, ':',
            cast(aggregated.period_start_date as {{ dbt.type_string() }})
        ) as funnel_trend_id,
        aggregated.funnel_name,
        funnels.count_by,
        aggregated.breakdown_value,
        aggregated.date_grain,
        aggregated.period_start_date,
        cast(aggregated.units_entered as {{ dbt.type_bigint() }}) as units_entered,
        cast(aggregated.units_converted as {{ dbt.type_bigint() }}) as units_converted,
        cast(aggregated.units_converted * 1.0 / aggregated.units_entered as numeric(28, 6)) as conversion_rate,
        cast(aggregated.seconds_to_convert_median as numeric(28, 6)) as seconds_to_convert_median,
        case
            when funnels.conversion_window_seconds is null then cast(null as boolean)
            else {{ journey.funnel_timestamp_add_seconds(
                'cast(aggregated.period_start_date as timestamp)',
                'aggregated.period_days * 86400 + funnels.conversion_window_seconds'
            ) }} <= latest_event.latest_event_at
        end as is_window_complete
    from aggregated
    inner join funnels
        on aggregated.funnel_name = funnels.funnel_name
    cross join latest_event

)

select * from final
