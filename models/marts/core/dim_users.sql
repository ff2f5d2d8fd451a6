{#-
    One row per user: an identified user id, or the anonymous id of a device never identified.
    Acquisition is the first session's traffic; totals are in the reporting currency.
-#}
with sessions as (

    select * from {{ ref('fct_sessions') }}

),

identity_map as (

    select * from {{ ref('int_identity_map') }}

),

first_sessions as (

    select * from (
        select
            user_id,
            channel,
            traffic_source,
            traffic_medium,
            traffic_campaign,
            landing_page_path,
            row_number() over (
                partition by user_id order by session_started_at asc, session_id asc
            ) as session_rank
        from sessions
    ) as ranked
    where session_rank = 1

),

totals as (

    select
        user_id,
        max(case when is_identified then 1 else 0 end) = 1 as is_identified,
        min(session_started_at) as first_seen_at,
        max(session_ended_at) as last_seen_at,
        cast(count(*) as {{ dbt.type_bigint() }}) as session_count,
        cast(sum(event_count) as {{ dbt.type_bigint() }}) as event_count,
        cast(sum(case when is_engaged then 1 else 0 end) as {{ dbt.type_bigint() }}) as engaged_session_count,
        cast(sum(conversion_count) as {{ dbt.type_bigint() }}) as conversion_count,
        min(case when has_conversion then session_started_at end) as first_converted_session_at,
        cast(sum(revenue) as {{ dbt.type_numeric() }}) as revenue
    from sessions
    group by 1

),

devices as (

    select
        user_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as stitched_device_count,
        min(first_identified_at) as first_identified_at
    from identity_map
    group by 1

),

final as (

    select
        totals.user_id,
        totals.is_identified,
        totals.first_seen_at,
        totals.last_seen_at,
        cast(totals.first_seen_at as date) as first_seen_date,
        devices.first_identified_at,
        coalesce(devices.stitched_device_count, 0) as stitched_device_count,
        first_sessions.channel as acquisition_channel,
        first_sessions.traffic_source as acquisition_source,
        first_sessions.traffic_medium as acquisition_medium,
        first_sessions.traffic_campaign as acquisition_campaign,
        first_sessions.landing_page_path as first_landing_page_path,
        totals.session_count,
        totals.engaged_session_count,
        totals.event_count,
        totals.conversion_count,
        totals.first_converted_session_at,
        totals.revenue,
        '{{ journey.journey_var("journey__reporting_currency") }}' as currency
    from totals
    inner join first_sessions
        on totals.user_id = first_sessions.user_id
    left join devices
        on totals.user_id = devices.user_id

)

select * from final
