{#-
    One row per path: each conversion in the window (also those with no touchpoint, kept with
    touchpoint_count 0 and null paths) and each non-conversion path, with its raw channel path
    and the path after journey__attribution_path_transforms, both joined by ' > '.
-#}
{%- set cfg = journey.attribution_config() -%}

with touchpoints as (

    select * from {{ ref('fct_attribution_touchpoints') }}

),

conversions as (

    select * from {{ ref('fct_attribution_conversions') }}

),

path_channels as (

    select
        path_id,
        touchpoint_index,
        channel
    from touchpoints

)

{{ journey.attribution_transform_path_ctes('path_channels', cfg.path_transforms) }},

raw_paths as (

    select
        path_id,
        max(path_type) as path_type,
        max(user_id) as user_id,
        max(conversion_id) as conversion_id,
        min(touchpoint_at) as path_started_at,
        max(path_ended_at) as path_ended_at,
        count(*) as touchpoint_count,
        {{ dbt.listagg('channel', "' > '", 'order by touchpoint_index') }} as channel_path
    from touchpoints
    group by 1

),

transformed_paths as (

    select
        path_id,
        count(*) as transformed_touchpoint_count,
        {{ dbt.listagg('channel', "' > '", 'order by touchpoint_index') }} as transformed_path
    from transformed_final
    group by 1

),

conversion_paths as (

    select
        {{ dbt.concat(["'conversion:'", 'conversions.conversion_id']) }} as path_id,
        'conversion' as path_type,
        conversions.user_id,
        conversions.conversion_id,
        conversions.conversion_name,
        conversions.converted_at,
        raw_paths.path_started_at,
        conversions.converted_at as path_ended_at,
        coalesce(raw_paths.touchpoint_count, 0) as touchpoint_count,
        coalesce(transformed_paths.transformed_touchpoint_count, 0) as transformed_touchpoint_count,
        raw_paths.channel_path,
        transformed_paths.transformed_path,
        conversions.revenue
    from conversions
    left join raw_paths
        on {{ dbt.concat(["'conversion:'", 'conversions.conversion_id']) }} = raw_paths.path_id
    left join transformed_paths
        on raw_paths.path_id = transformed_paths.path_id
    where conversions.is_in_attribution_window

),

non_conversion_paths as (

    select
        raw_paths.path_id,
        raw_paths.path_type,
        raw_paths.user_id,
        cast(null as {{ dbt.type_string() }}) as conversion_id,
        cast(null as {{ dbt.type_string() }}) as conversion_name,
        cast(null as {{ dbt.type_timestamp() }}) as converted_at,
        raw_paths.path_started_at,
        raw_paths.path_ended_at,
        raw_paths.touchpoint_count,
        coalesce(transformed_paths.transformed_touchpoint_count, 0) as transformed_touchpoint_count,
        raw_paths.channel_path,
        transformed_paths.transformed_path,
        cast(null as numeric(28, 6)) as revenue
    from raw_paths
    left join transformed_paths
        on raw_paths.path_id = transformed_paths.path_id
    where raw_paths.path_type = 'non_conversion'

),

all_paths as (

    select * from conversion_paths
    union all
    select * from non_conversion_paths

),

final as (

    select
        path_id,
        path_type,
        user_id,
        conversion_id,
        conversion_name,
        converted_at,
        path_started_at,
        path_ended_at,
        cast(path_ended_at as date) as path_ended_date,
        cast(touchpoint_count as {{ dbt.type_bigint() }}) as touchpoint_count,
        cast(transformed_touchpoint_count as {{ dbt.type_bigint() }}) as transformed_touchpoint_count,
        channel_path,
        transformed_path,
        revenue,
        '{{ journey.journey_var("journey__reporting_currency") }}' as currency
    from all_paths

)

select * from final
