{#-
    Power-user curves (var journey__engagement_curve_windows, default L7 and L28): for an as-of
    date, how many users were active on exactly n of the 7 (or 28) days ending on it, n = 1..7
    (1..28). As-of dates: the last day of each ISO week (Sunday) and the latest activity date.
-#}
{%- set windows = journey.journey_var('journey__engagement_curve_windows') -%}
{%- if windows is string or windows is mapping or windows is not iterable or windows | length == 0 -%}
    {{ exceptions.raise_compiler_error(
        "journey__engagement_curve_windows must be a non-empty list of window lengths in days; got: " ~ windows
    ) }}
{%- endif -%}
{%- set curves = [] -%}
{%- for days in windows -%}
    {%- if days is not number or days is boolean or days != days | int or days < 2 or days > 366 -%}
        {{ exceptions.raise_compiler_error(
            "journey__engagement_curve_windows: each window must be a whole number of days from 2 to 366; got: " ~ days
        ) }}
    {%- endif -%}
    {%- if ('l' ~ days | int, days | int) not in curves -%}
        {%- do curves.append(('l' ~ days | int, days | int)) -%}
    {%- endif -%}
{%- endfor -%}

with user_days as (

    select
        user_id,
        activity_date,
        {{ journey.calendar_period_number('day', 'activity_date') }}
            as day_number
    from {{ ref('fct_active_user_days') }}

),

curves as (

    {%- for curve_name, window_days in curves %}
        select
            '{{ curve_name }}' as curve_name,
            {{ window_days }} as window_days
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

active_day_counts as (

    {{ journey.integer_series(curves | map(attribute=1) | max) }}

),

calendar as (

    {{ journey.day_spine(ref('fct_active_user_days'), 'activity_date', 'as_of_date') }}

),

numbered_calendar as (

    select
        as_of_date,
        {{ journey.calendar_period_number('day', 'as_of_date') }}
            as day_number,
        max(as_of_date) over () as last_date,
        min(as_of_date) over () as first_date
    from calendar

),

as_of_dates as (

    -- Sundays (day numbers n with n + 4 a multiple of 7: day 0, 1970-01-01, was a Thursday)
    -- and the latest date
    select
        as_of_date,
        day_number,
        as_of_date = last_date as is_latest_date,
        mod(day_number + 4, 7) = 0 as is_week_end,
        {{ dbt.datediff('first_date', 'as_of_date', 'day') }}
            as days_since_first_date
    from numbered_calendar
    where as_of_date = last_date or mod(day_number + 4, 7) = 0

),

user_active_days as (

    select
        curves.curve_name,
        as_of_dates.as_of_date,
        user_days.user_id,
        count(*) as active_day_count
    from as_of_dates
    cross join curves
    inner join user_days
        on
            as_of_dates.day_number >= user_days.day_number
            and as_of_dates.day_number < user_days.day_number + curves.window_days
    group by 1, 2, 3

),

counts as (

    select
        curve_name,
        as_of_date,
        active_day_count,
        count(*) as user_count
    from user_active_days
    group by 1, 2, 3

),

grid as (

    select
        curves.curve_name,
        curves.window_days,
        as_of_dates.as_of_date,
        as_of_dates.is_latest_date,
        as_of_dates.is_week_end,
        active_day_counts.generated_number as active_day_count,
        as_of_dates.days_since_first_date >= curves.window_days - 1 as is_window_complete
    from as_of_dates
    cross join curves
    inner join active_day_counts
        on curves.window_days >= active_day_counts.generated_number

),

final as (

    select
        {{ dbt.concat([
            'grid.curve_name', "'|'", dbt.cast('grid.as_of_date', dbt.type_string()), "'|'",
            dbt.cast('grid.active_day_count', dbt.type_string()),
        ]) }} as curve_point_id,
        grid.curve_name,
        cast(grid.window_days as {{ dbt.type_bigint() }}) as window_days,
        grid.as_of_date,
        grid.is_latest_date,
        grid.is_week_end,
        grid.is_window_complete,
        cast(grid.active_day_count as {{ dbt.type_bigint() }}) as active_day_count,
        cast(coalesce(counts.user_count, 0) as {{ dbt.type_bigint() }}) as user_count,
        cast(
            coalesce(counts.user_count, 0) * 1.0
            / nullif(sum(coalesce(counts.user_count, 0)) over (partition by grid.curve_name, grid.as_of_date), 0)
            as {{ dbt.type_numeric() }}
        ) as user_share,
        cast(
            sum(coalesce(counts.user_count, 0)) over (
                partition by grid.curve_name, grid.as_of_date
                order by grid.active_day_count desc
                rows between unbounded preceding and current row
            ) as {{ dbt.type_bigint() }}
        ) as users_at_least
    from grid
    left join counts
        on
            grid.curve_name = counts.curve_name
            and grid.as_of_date = counts.as_of_date
            and grid.active_day_count = counts.active_day_count

)

select * from final
