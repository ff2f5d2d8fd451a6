{#-
    One row per distinct transformed path: how many conversion paths and non-conversion paths
    have it, and the conversions' revenue. The input of the data-driven (Python) models.
    Conversions without any touchpoint have no path and are left out (they are reported as
    '(no touchpoint)' in fct_attribution_channel_report).
-#}

with paths as (

    select * from {{ ref('fct_attribution_paths') }}

),

summarised as (

    select
        transformed_path,
        sum(case when path_type = 'conversion' then 1 else 0 end) as conversions,
        sum(case when path_type = 'non_conversion' then 1 else 0 end) as non_conversions,
        sum(case when path_type = 'conversion' then coalesce(revenue, 0) else 0 end) as revenue,
        max(transformed_touchpoint_count) as transformed_touchpoint_count
    from paths
    where transformed_path is not null
    group by 1

),

final as (

    select
        transformed_path,
        cast(conversions as {{ dbt.type_bigint() }}) as conversions,
        cast(non_conversions as {{ dbt.type_bigint() }}) as non_conversions,
        cast(revenue as numeric(28, 6)) as revenue,
        '{{ journey.journey_var("journey__reporting_currency") }}' as currency,
        cast(transformed_touchpoint_count as {{ dbt.type_bigint() }}) as transformed_touchpoint_count
    from summarised

)

select * from final
