{#-
    One row per conversion: an event of a type declared in journey__attribution_conversions,
    with its revenue in the reporting currency and the user's previous conversion (any declared
    type), where the next conversion path starts.
-#}
{%- set cfg = journey.attribution_config() -%}
{%- set window_conditions = [] -%}
{%- if cfg.window_start_sql -%}
    {%- do window_conditions.append('converted_at >= ' ~ cfg.window_start_sql) -%}
{%- endif -%}
{%- if cfg.window_end_sql -%}
    {%- do window_conditions.append('converted_at < ' ~ cfg.window_end_sql) -%}
{%- endif -%}
{%- set window_condition = '(' ~ (window_conditions | join(' and ') if window_conditions else 'true') ~ ')' -%}

with events as (

    select * from
    {%- if cfg.events_relation %} {{ cfg.events_relation }}
    {%- else %} {{ ref('fct_events') }}
    {%- endif %}

),

currency_rates as (

    select * from {{ journey.seed_ref('journey_currency_rates') }}

),

declared_conversions as (

    {% for conversion in cfg.conversions -%}
        select
            '{{ conversion.name }}' as conversion_name,
            '{{ conversion.event }}' as event_name
        {% if not loop.last %}union all
        {% endif -%}
    {%- endfor %}

),

conversion_events as (

    select
        events.event_id as conversion_id,
        declared_conversions.conversion_name,
        events.event_name,
        events.user_id,
        events.session_id,
        events.event_at as converted_at,
        events.revenue as original_revenue,
        events.currency as original_currency,
        currency_rates.rate_to_reporting_currency
    from events
    inner join declared_conversions
        on events.event_name = declared_conversions.event_name
    left join currency_rates
        on coalesce(events.currency, '{{ var("journey__reporting_currency", "USD") }}') = currency_rates.currency

),

sequenced as (

    select
        *,
        row_number() over (
            partition by user_id order by converted_at, conversion_id
        ) as user_conversion_index,
        lag(converted_at) over (
            partition by user_id order by converted_at, conversion_id
        ) as previous_converted_at
    from conversion_events

),

final as (

    select
        conversion_id,
        conversion_name,
        event_name,
        user_id,
        session_id,
        converted_at,
        cast(converted_at as date) as converted_date,
        cast(user_conversion_index as {{ dbt.type_bigint() }}) as user_conversion_index,
        previous_converted_at,
        cast(
            case
                when original_revenue is null then 0
                else original_revenue * rate_to_reporting_currency
            end as numeric(28, 6)
        ) as revenue,
        '{{ var("journey__reporting_currency", "USD") }}' as currency,
        cast(original_revenue as numeric(28, 6)) as original_revenue,
        original_currency,
        original_revenue is not null and rate_to_reporting_currency is null as has_unconverted_revenue,
        coalesce({{ window_condition }}, false) as is_in_attribution_window
    from sequenced

)

select * from final
