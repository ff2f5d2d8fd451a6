{#-
    DAU, WAU and MAU per day, with stickiness ratios. WAU and MAU are the users active in the 7
    and journey__mau_window_days days ending on the date. A user-day d, whose user is next active
    on d', keeps the user in the window of every date from d to min(d', d + W) - 1: each day
    adds +1 at d and -1 at that end, and a running sum over the dates gives the distinct users
    without a distinct count per window.
-#}
{%- set mau_days = journey.journey_var('journey__mau_window_days') -%}
{%- if mau_days is not number or mau_days is boolean or mau_days != mau_days | int or mau_days < 8 or mau_days > 366 -%}
    {{ exceptions.raise_compiler_error(
        "journey__mau_window_days must be a whole number of days from 8 to 366; got: " ~ mau_days
    ) }}
{%- endif -%}

with user_days as (

    select
        user_id,
        activity_date,
        is_first_activity_date,
        lead(activity_date) over (partition by user_id order by activity_date) as next_activity_date
    from {{ ref('fct_active_user_days') }}

),

calendar as (

    {{ journey.day_spine(ref('fct_active_user_days'), 'activity_date', 'activity_date') }}

),

window_ends as (

    select
        activity_date,
        cast({{ dbt.dateadd('day', 7, 'activity_date') }} as date) as week_end_date,
        cast({{ dbt.dateadd('day', mau_days, 'activity_date') }} as date) as month_end_date,
        next_activity_date
    from user_days

),

edges as (

    select
        activity_date as edge_date,
        1 as wau_delta,
        1 as mau_delta
    from window_ends
    union all
    select
        case
            when next_activity_date < week_end_date then next_activity_date
            else week_end_date
        end as edge_date,
        -1 as wau_delta,
        0 as mau_delta
    from window_ends
    union all
    select
        case
            when next_activity_date < month_end_date then next_activity_date
            else month_end_date
        end as edge_date,
        0 as wau_delta,
        -1 as mau_delta
    from window_ends

),

daily_deltas as (

    select
        edge_date,
        sum(wau_delta) as wau_delta,
        sum(mau_delta) as mau_delta
    from edges
    group by 1

),

daily_actives as (

    select
        activity_date,
        count(*) as dau,
        sum(case when is_first_activity_date then 1 else 0 end) as new_users
    from user_days
    group by 1

),

running as (

    select
        calendar.activity_date,
        coalesce(daily_actives.dau, 0) as dau,
        coalesce(daily_actives.new_users, 0) as new_users,
        sum(coalesce(daily_deltas.wau_delta, 0)) over (
            order by calendar.activity_date rows between unbounded preceding and current row
        ) as wau,
        sum(coalesce(daily_deltas.mau_delta, 0)) over (
            order by calendar.activity_date rows between unbounded preceding and current row
        ) as mau,
        min(calendar.activity_date) over () as first_date
    from calendar
    left join daily_actives
        on calendar.activity_date = daily_actives.activity_date
    left join daily_deltas
        on calendar.activity_date = daily_deltas.edge_date

),

aged as (

    select
        *,
        {{ dbt.datediff('first_date', 'activity_date', 'day') }}
            as days_since_first_date
    from running

),

final as (

    select
        activity_date,
        cast(dau as {{ dbt.type_bigint() }}) as dau,
        cast(wau as {{ dbt.type_bigint() }}) as wau,
        cast(mau as {{ dbt.type_bigint() }}) as mau,
        cast(new_users as {{ dbt.type_bigint() }}) as new_users,
        cast(dau * 1.0 / nullif(wau, 0) as {{ dbt.type_numeric() }}) as dau_wau_ratio,
        cast(dau * 1.0 / nullif(mau, 0) as {{ dbt.type_numeric() }}) as dau_mau_ratio,
        cast(wau * 1.0 / nullif(mau, 0) as {{ dbt.type_numeric() }}) as wau_mau_ratio,
        days_since_first_date >= 6 as is_wau_window_complete,
        days_since_first_date >= {{ mau_days - 1 }} as is_mau_window_complete
    from aged

)

select * from final
