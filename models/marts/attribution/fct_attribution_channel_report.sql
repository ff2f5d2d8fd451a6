{#-
    One row per attribution model x channel for the attribution window: attributed conversions
    and revenue of every heuristic (SQL) and data-driven (Python) model side by side, with the
    channel's spend in the window (seed journey_channel_spend, prorated by days) and ROAS.
    Every model lists every channel (0 when it gives it nothing); conversions that have no
    touchpoint are one '(no touchpoint)' row per model, so each model's attributed conversions
    add up to the conversions in the window.
-#}
{%- set cfg = journey.attribution_config() -%}

with credits as (

    select * from {{ ref('fct_attribution_touchpoint_credits') }}

),

data_driven_results as (

    {% if cfg.python_models -%}
        select * from {{ ref('fct_attribution_data_driven') }}
    {%- else -%}
        select * from {{ source('journey_attribution_external', 'attribution_channel_results') }}
    {%- endif %}

),

paths as (

    select * from {{ ref('fct_attribution_paths') }}

),

channel_spend as (

    select * from {{ journey.seed_ref('journey_channel_spend') }}

),

currency_rates as (

    select * from {{ journey.seed_ref('journey_currency_rates') }}

),

heuristic_channels as (

    select
        attribution_model,
        'heuristic' as model_family,
        'exact' as attribution_method,
        channel,
        sum(credit) as attributed_conversions,
        sum(attributed_revenue) as attributed_revenue,
        cast(null as {{ dbt.type_numeric() }}) as removal_effect
    from credits
    group by 1, 2, 3, 4

),

data_driven_channels as (

    select
        cast(model as {{ dbt.type_string() }}) as attribution_model,
        'data_driven' as model_family,
        cast(method as {{ dbt.type_string() }}) as attribution_method,
        cast(channel as {{ dbt.type_string() }}) as channel,
        attributed_conversions,
        attributed_revenue,
        removal_effect
    from data_driven_results

),

attributed as (

    select * from heuristic_channels
    union all
    select * from data_driven_channels

),

-- conversions in the window without any touchpoint: no model can give them to a channel
unattributed as (

    select
        count(*) as conversions,
        sum(revenue) as revenue
    from paths
    where path_type = 'conversion' and touchpoint_count = 0
    having count(*) > 0

),

window_bounds as (

    select
        {%- if cfg.window_start_date %}
            cast('{{ cfg.window_start_date }}' as date) as window_start_date,
        {%- else %}
            (select min(path_ended_date) from paths) as window_start_date,
        {%- endif %}
        {%- if cfg.window_end_date %}
            cast('{{ cfg.window_end_date }}' as date) as window_end_date
        {%- else %}
            (select max(path_ended_date) from paths) as window_end_date
        {%- endif %}

),

-- spend rows that share days with the window (both ends inclusive)
spend_overlaps as (

    select
        channel_spend.channel,
        channel_spend.start_date,
        channel_spend.end_date,
        channel_spend.spend * currency_rates.rate_to_reporting_currency as spend,
        greatest(channel_spend.start_date, window_bounds.window_start_date) as overlap_start_date,
        least(channel_spend.end_date, window_bounds.window_end_date) as overlap_end_date,
        case when currency_rates.currency is null then 1 else 0 end as is_unconverted
    from channel_spend
    cross join window_bounds
    left join currency_rates
        on channel_spend.currency = currency_rates.currency
    where
        channel_spend.start_date <= window_bounds.window_end_date
        and channel_spend.end_date >= window_bounds.window_start_date

),

-- each row's spend prorated to the days it shares with the window
spend_in_window as (

    select
        channel,
        is_unconverted,
        spend
        * (
            {{ dbt.datediff(
                'overlap_start_date',
                'overlap_end_date',
                'day'
            ) }} + 1
        )
        / (
            {{ dbt.datediff(
                'start_date',
                'end_date',
                'day'
            ) }} + 1
        ) as spend
    from spend_overlaps

),

spend_by_channel as (

    select
        channel,
        sum(spend) as spend,
        max(is_unconverted) = 1 as has_unconverted_spend
    from spend_in_window
    group by 1

),

models as (

    select distinct
        attribution_model,
        model_family,
        attribution_method
    from attributed

),

channels as (

    select channel from attributed
    union distinct
    select channel from spend_by_channel

),

model_channels as (

    select
        models.attribution_model,
        models.model_family,
        models.attribution_method,
        channels.channel,
        coalesce(attributed.attributed_conversions, 0) as attributed_conversions,
        coalesce(attributed.attributed_revenue, 0) as attributed_revenue,
        attributed.removal_effect
    from models
    cross join channels
    left join attributed
        on
            models.attribution_model = attributed.attribution_model
            and channels.channel = attributed.channel

    union all

    select
        models.attribution_model,
        models.model_family,
        models.attribution_method,
        '(no touchpoint)' as channel,
        unattributed.conversions as attributed_conversions,
        coalesce(unattributed.revenue, 0) as attributed_revenue,
        cast(null as {{ dbt.type_numeric() }}) as removal_effect
    from models
    cross join unattributed

),

final as (

    select
        {{ dbt.concat(['model_channels.attribution_model', "':'", 'model_channels.channel']) }} as channel_report_id,
        model_channels.attribution_model,
        model_channels.model_family,
        model_channels.attribution_method,
        model_channels.channel,
        window_bounds.window_start_date,
        window_bounds.window_end_date,
        cast(model_channels.attributed_conversions as numeric(28, 6)) as attributed_conversions,
        cast(model_channels.attributed_revenue as numeric(28, 6)) as attributed_revenue,
        cast(model_channels.removal_effect as numeric(28, 6)) as removal_effect,
        cast(spend_by_channel.spend as numeric(28, 6)) as spend,
        coalesce(spend_by_channel.has_unconverted_spend, false) as has_unconverted_spend,
        cast(
            model_channels.attributed_revenue / nullif(spend_by_channel.spend, 0) as numeric(28, 6)
        ) as roas,
        cast(
            spend_by_channel.spend / nullif(model_channels.attributed_conversions, 0) as numeric(28, 6)
        ) as cost_per_conversion,
        '{{ var("journey__reporting_currency", "USD") }}' as currency
    from model_channels
    cross join window_bounds
    left join spend_by_channel
        on model_channels.channel = spend_by_channel.channel

)

select * from final
