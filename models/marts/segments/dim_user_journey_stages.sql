{#-
    One row per user with at least one event that has a journey stage (the 5 A's: aware, appeal,
    ask, act, advocate) on or before the as-of date: the furthest stage ever reached and when,
    the stage of the most recent staged event, and current_stage, which is one of the two
    according to var journey__journey_stage_current ('furthest' by default).
-#}
{%- set definition = journey.journey_stage_definition() -%}

with {{ journey.journey_staged_events_ctes() }},

per_user as (

    select
        user_id,
        min(event_at) as first_staged_event_at,
        max(event_at) as last_staged_event_at,
        max(stage_rank) as furthest_stage_rank,
        cast(count(*) as {{ dbt.type_bigint() }}) as staged_event_count
    from staged
    group by 1

),

furthest_reached as (

    select
        staged.user_id,
        min(staged.event_at) as furthest_stage_reached_at
    from staged
    inner join per_user
        on
            staged.user_id = per_user.user_id
            and staged.stage_rank = per_user.furthest_stage_rank
    group by 1

),

-- the last staged event in the canonical order, among the events at the user's latest time
latest as (

    select
        user_id,
        stage_rank as latest_stage_rank,
        event_at as latest_stage_at
    from (
        {{ journey.journey_stage_last_event(['user_id'], 'per_user', 'last_staged_event_at') | indent(8) }}
    ) as last_staged

),

final as (

    select
        per_user.user_id,
        {% if definition == 'furthest' -%}
            {{ journey.journey_stage_name('per_user.furthest_stage_rank') }} as current_stage,
            cast(per_user.furthest_stage_rank as {{ dbt.type_bigint() }}) as current_stage_rank,
        {%- else -%}
            {{ journey.journey_stage_name('latest.latest_stage_rank') }} as current_stage,
            cast(latest.latest_stage_rank as {{ dbt.type_bigint() }}) as current_stage_rank,
        {%- endif %}
        '{{ definition }}' as current_stage_definition,
        {{ journey.journey_stage_name('per_user.furthest_stage_rank') }} as furthest_stage,
        cast(per_user.furthest_stage_rank as {{ dbt.type_bigint() }}) as furthest_stage_rank,
        furthest_reached.furthest_stage_reached_at,
        {{ journey.journey_stage_name('latest.latest_stage_rank') }} as latest_stage,
        cast(latest.latest_stage_rank as {{ dbt.type_bigint() }}) as latest_stage_rank,
        latest.latest_stage_at,
        per_user.first_staged_event_at,
        per_user.staged_event_count,
        as_of.as_of_date
    from per_user
    cross join as_of
    inner join furthest_reached
        on per_user.user_id = furthest_reached.user_id
    inner join latest
        on per_user.user_id = latest.user_id

)

select * from final
