{#-
    User lifecycle per day, ISO week and month (PostHog's and Amplitude's lifecycle chart).
    Each user active in a period is exactly one of: new (their first active period ever),
    returning (active in the previous period too), resurrecting (inactive in the previous period,
    active before it). Dormant users were active in the previous period and not in this one.
-#}
{%- set units = journey.journey_var('journey__lifecycle_period_units') -%}
{%- if units is string or units is mapping or units is not iterable or units | length == 0 -%}
    {{ exceptions.raise_compiler_error(
        "journey__lifecycle_period_units must be a non-empty list of day, week, month; got: " ~ units
    ) }}
{%- endif -%}
{%- for unit in units -%}
    {%- if unit not in ['day', 'week', 'month'] -%}
        {{ exceptions.raise_compiler_error(
            "journey__lifecycle_period_units: '" ~ unit ~ "' is not one of day, week, month"
        ) }}
    {%- endif -%}
{%- endfor -%}

with user_days as (

    select
        user_id,
        activity_date
    from {{ ref('fct_active_user_days') }}

),

observation as (

    select max(last_event_at) as observed_until from {{ ref('fct_active_user_days') }}

),

user_periods as (

    {%- for unit in units %}
        select distinct
            '{{ unit }}' as period_unit,
            user_id,
            {{ journey.calendar_period_number(unit, 'activity_date') }}
                as period_number
        from user_days
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

with_neighbours as (

    select
        period_unit,
        user_id,
        period_number,
        lag(period_number) over user_periods_in_order as previous_period_number,
        lead(period_number) over user_periods_in_order as next_period_number
    from user_periods
    window user_periods_in_order as (partition by period_unit, user_id order by period_number)

),

statuses as (

    select
        period_unit,
        period_number,
        case
            when previous_period_number is null then 'new'
            when previous_period_number = period_number - 1 then 'returning'
            else 'resurrecting'
        end as lifecycle_status
    from with_neighbours
    union all
    -- active in a period and not in the next: dormant in the next
    select
        period_unit,
        period_number + 1 as period_number,
        'dormant' as lifecycle_status
    from with_neighbours
    where next_period_number is null or next_period_number > period_number + 1

),

period_bounds as (

    select
        period_unit,
        min(period_number) as first_period_number,
        max(period_number) as last_period_number
    from user_periods
    group by 1

),

period_offsets as (

    {{ journey.integer_series(32768) }}

),

periods as (

    -- every period from the first to the last active one (spans of up to 32768 periods)
    select
        period_bounds.period_unit,
        period_bounds.first_period_number + period_offsets.generated_number - 1 as period_number,
        period_offsets.generated_number = 1 as is_first_period
    from period_bounds
    inner join period_offsets
        on
            period_bounds.last_period_number - period_bounds.first_period_number
            >= period_offsets.generated_number - 1

),

counts as (

    select
        period_unit,
        period_number,
        sum(case when lifecycle_status = 'new' then 1 else 0 end) as new_users,
        sum(case when lifecycle_status = 'returning' then 1 else 0 end) as returning_users,
        sum(case when lifecycle_status = 'resurrecting' then 1 else 0 end) as resurrecting_users,
        sum(case when lifecycle_status = 'dormant' then 1 else 0 end) as dormant_users
    from statuses
    group by 1, 2

),

dated as (

    select
        periods.period_unit,
        periods.is_first_period,
        case periods.period_unit
            {%- for unit in units %}
                when '{{ unit }}' then {{ journey.calendar_period_start(unit, 'periods.period_number') }}
            {%- endfor %}
        end as period_start_date,
        case periods.period_unit
            {%- for unit in units %}
                when '{{ unit }}' then {{ journey.calendar_period_start(unit, 'periods.period_number + 1') }}
            {%- endfor %}
        end as next_period_start_date,
        coalesce(counts.new_users, 0) as new_users,
        coalesce(counts.returning_users, 0) as returning_users,
        coalesce(counts.resurrecting_users, 0) as resurrecting_users,
        coalesce(counts.dormant_users, 0) as dormant_users
    from periods
    left join counts
        on
            periods.period_unit = counts.period_unit
            and periods.period_number = counts.period_number

),

final as (

    select
        {{ dbt.concat(['dated.period_unit', "'|'", dbt.cast('dated.period_start_date', dbt.type_string())]) }}
            as lifecycle_period_id,
        dated.period_unit,
        dated.period_start_date,
        cast(dated.new_users + dated.returning_users + dated.resurrecting_users as {{ dbt.type_bigint() }})
            as active_users,
        cast(dated.new_users as {{ dbt.type_bigint() }}) as new_users,
        cast(dated.returning_users as {{ dbt.type_bigint() }}) as returning_users,
        cast(dated.resurrecting_users as {{ dbt.type_bigint() }}) as resurrecting_users,
        cast(dated.dormant_users as {{ dbt.type_bigint() }}) as dormant_users,
        cast(
            (dated.new_users + dated.resurrecting_users) * 1.0 / nullif(dated.dormant_users, 0)
            as {{ dbt.type_numeric() }}
        ) as quick_ratio,
        dated.is_first_period,
        cast(dated.next_period_start_date as {{ dbt.type_timestamp() }}) <= observation.observed_until
            as is_period_complete
    from dated
    cross join observation

)

select * from final
