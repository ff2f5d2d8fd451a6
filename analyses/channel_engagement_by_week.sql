-- Weekly sessions, engagement and conversion by channel: a starting point for a BI chart.
-- Compile with `dbt compile --select channel_engagement_by_week` and run the SQL anywhere.
with sessions as (

    select * from {{ ref('fct_sessions') }}

),

weekly as (

    select
        channel,
        {{ dbt.date_trunc('week', 'session_started_at') }} as session_week,
        count(*) as session_count,
        avg(case when is_engaged then 1.0 else 0.0 end) as engaged_rate,
        avg(case when has_conversion then 1.0 else 0.0 end) as conversion_rate,
        sum(revenue) as revenue
    from sessions
    group by 1, 2

)

select * from weekly
order by 2, 1
