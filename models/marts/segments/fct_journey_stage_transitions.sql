{#-
    One row per ISO week (Monday start) and pair of stages (from, to): how many users were in one
    stage at the end of the previous week and in the other at the end of this week. The stage at
    a week's end follows var journey__journey_stage_current: 'furthest' = furthest stage reached
    so far, 'latest' = stage of the latest staged event so far. A user counts every week from the
    week of their first staged event to the as-of week (a week without events keeps the stage);
    in their first week they come from '(new)'. Weeks are those with any event in fct_events.
-#}
{%- set definition = journey.journey_stage_definition() -%}

with {{ journey.journey_staged_events_ctes() }},

weeks as (

    select distinct
        {{ journey.segment_period_start('events.event_date', 'week') }} as week_start_date
    from events
    cross join as_of
    where events.event_date <= as_of.as_of_date

),

active_week_stats as (

    select
        user_id,
        week_start_date,
        max(stage_rank) as max_stage_rank,
        max(event_at) as last_event_at
    from staged
    group by 1, 2

),

{% if definition == 'latest' -%}
    -- stage of the week's last event in the canonical order, among the events at its latest time
    last_in_week as (

        select
            user_id,
            week_start_date,
            stage_rank as last_stage_rank
        from (
            {{ journey.journey_stage_last_event(
                ['user_id', 'week_start_date'], 'active_week_stats', 'last_event_at'
            ) | indent(12) }}
        ) as last_staged

    ),
{%- endif %}

active_weeks as (

    select
        active_week_stats.user_id,
        active_week_stats.week_start_date,
        active_week_stats.max_stage_rank,
        {% if definition == 'latest' -%}
            last_in_week.last_stage_rank
        {%- else -%}
            cast(null as {{ dbt.type_bigint() }}) as last_stage_rank
        {%- endif %}
    from active_week_stats
    {% if definition == 'latest' -%}
        inner join last_in_week
            on
                active_week_stats.user_id = last_in_week.user_id
                and active_week_stats.week_start_date = last_in_week.week_start_date
    {%- endif %}

),

first_weeks as (

    select
        user_id,
        min(week_start_date) as first_week_start_date
    from active_weeks
    group by 1

),

-- every user in every week from their first staged week on
user_weeks as (

    select
        first_weeks.user_id,
        weeks.week_start_date,
        active_weeks.max_stage_rank,
        max(active_weeks.week_start_date) over (
            partition by first_weeks.user_id order by weeks.week_start_date
            rows between unbounded preceding and current row
        ) as last_active_week_start_date,
        max(active_weeks.max_stage_rank) over (
            partition by first_weeks.user_id order by weeks.week_start_date
            rows between unbounded preceding and current row
        ) as furthest_stage_rank
    from first_weeks
    inner join weeks
        on first_weeks.first_week_start_date <= weeks.week_start_date
    left join active_weeks
        on
            first_weeks.user_id = active_weeks.user_id
            and weeks.week_start_date = active_weeks.week_start_date

),

stages as (

    select
        user_weeks.user_id,
        user_weeks.week_start_date,
        {% if definition == 'furthest' -%}
            user_weeks.furthest_stage_rank as stage_rank
        {%- else -%}
            last_active.last_stage_rank as stage_rank
        {%- endif %}
    from user_weeks
    {% if definition == 'latest' -%}
        left join active_weeks as last_active
            on
                user_weeks.user_id = last_active.user_id
                and user_weeks.last_active_week_start_date = last_active.week_start_date
    {%- endif %}

),

moves as (

    select
        week_start_date,
        stage_rank as to_stage_rank,
        lag(stage_rank) over (partition by user_id order by week_start_date) as from_stage_rank
    from stages

),

counted as (

    select
        week_start_date,
        from_stage_rank,
        to_stage_rank,
        cast(count(*) as {{ dbt.type_bigint() }}) as user_count
    from moves
    group by 1, 2, 3

),

named as (

    select
        week_start_date,
        coalesce({{ journey.journey_stage_name('from_stage_rank') }}, '(new)') as from_stage,
        {{ journey.journey_stage_name('to_stage_rank') }} as to_stage,
        cast(from_stage_rank as {{ dbt.type_bigint() }}) as from_stage_rank,
        cast(to_stage_rank as {{ dbt.type_bigint() }}) as to_stage_rank,
        user_count
    from counted

),

final as (

    select
        {{ dbt.concat([
            dbt.cast('week_start_date', dbt.type_string()), "'|'", 'from_stage', "'|'", 'to_stage'
        ]) }} as stage_transition_id,
        week_start_date,
        from_stage,
        to_stage,
        from_stage_rank,
        to_stage_rank,
        from_stage = '(new)' as is_new_user,
        coalesce(to_stage_rank > from_stage_rank, false) as is_progression,
        coalesce(to_stage_rank < from_stage_rank, false) as is_regression,
        user_count,
        '{{ definition }}' as stage_definition
    from named

)

select * from final
