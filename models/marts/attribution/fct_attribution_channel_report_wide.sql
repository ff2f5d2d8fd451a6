{{ config(materialized='view') }}

{#-
    One row per channel: fct_attribution_channel_report pivoted, the attributed conversions and
    revenue of each default model side by side. Models outside this fixed list (e.g. a second
    Markov order) are only in the long report; a model that did not run gives nulls.
-#}
{%- set wide_models = [
    'first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based',
    'markov_order_1', 'shapley_exact', 'shapley_simplified', 'shapley_ordered', 'fractribution',
] -%}

with report as (

    select * from {{ ref('fct_attribution_channel_report') }}

),

final as (

    select
        channel,
        min(window_start_date) as window_start_date,
        max(window_end_date) as window_end_date,
        max(spend) as spend,
        {%- for model_name in wide_models %}
            cast(
                sum(case when attribution_model = '{{ model_name }}' then attributed_conversions end)
                as numeric(28, 6)
            ) as {{ model_name }}_conversions,
            cast(
                sum(case when attribution_model = '{{ model_name }}' then attributed_revenue end)
                as numeric(28, 6)
            ) as {{ model_name }}_revenue,
        {%- endfor %}
        max(currency) as currency
    from report
    group by 1

)

select * from final
