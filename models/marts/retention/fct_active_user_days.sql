{#-
    One row per user and UTC day with at least one engagement event (var
    journey__engagement_event_names; every event by default): the activity that DAU/WAU/MAU,
    the power-user curves and the lifecycle count.
-#}
with events as (

    select
        user_id,
        event_date,
        event_at,
        session_id,
        is_conversion
    from {{ ref('fct_events') }}
    where {{ journey.engagement_event_filter('event_name') }}

),

user_days as (

    select
        user_id,
        event_date as activity_date,
        count(*) as event_count,
        count(distinct session_id) as session_count,
        sum(case when is_conversion then 1 else 0 end) as conversion_count,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at
    from events
    group by 1, 2

),

with_previous as (

    select
        *,
        lag(activity_date) over (partition by user_id order by activity_date) as previous_activity_date
    from user_days

),

final as (

    select
        {{ dbt.concat(['user_id', "'|'", dbt.cast('activity_date', dbt.type_string())]) }} as user_day_id,
        user_id,
        activity_date,
        previous_activity_date,
        cast(
            {{ dbt.datediff('previous_activity_date', 'activity_date', 'day') }}
            as {{ dbt.type_bigint() }}
        ) as days_since_previous_activity,
        previous_activity_date is null as is_first_activity_date,
        cast(event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(session_count as {{ dbt.type_bigint() }}) as session_count,
        cast(conversion_count as {{ dbt.type_bigint() }}) as conversion_count,
        first_event_at,
        last_event_at
    from with_previous

)

select * from final
