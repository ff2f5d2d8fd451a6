{#-
    One row per path x touchpoint. A touchpoint is a session (its time: session_started_at).
    Conversion paths (one per conversion in the window): the user's sessions that started at or
    before the conversion and after the user's previous conversion, plus the converting session
    (the conversion event's session; without a session id, the last session started at or
    before the conversion) even when an earlier conversion happened in it; it is dropped instead when journey__attribution_include_converting_session
    is false. Non-conversion paths (one per user): the sessions after the user's last conversion
    up to the window end; with 'non_converting_users' (default) only for users without a
    conversion in the window. Both keep the sessions at most journey__attribution_lookback_days
    before the path's end (the conversion, or the path's last session) and then the last
    journey__attribution_lookback_steps of them.
-#}
{%- set cfg = journey.attribution_config() -%}

with sessions as (

    select * from
    {%- if cfg.sessions_relation %} {{ cfg.sessions_relation }}
    {%- else %} {{ ref('fct_sessions') }}
    {%- endif %}

),

conversions as (

    select * from {{ ref('fct_attribution_conversions') }}

),

touchpoints as (

    select
        session_id,
        user_id,
        session_started_at as touchpoint_at,
        traffic_campaign,
        traffic_source,
        traffic_medium,
        coalesce(channel, 'Unassigned') as channel
    from sessions
    {%- if cfg.window_end_sql %}
        where session_started_at < {{ cfg.window_end_sql }}
    {%- endif %}

),

conversions_in_window as (

    select
        conversion_id,
        conversion_name,
        user_id,
        session_id,
        converted_at,
        previous_converted_at,
        revenue
    from conversions
    where is_in_attribution_window

),

-- sessions started at or before each conversion, inside the lookback; rank 1 = converting session:
-- the conversion event's own session, else (no session id) the last one started before it
conversion_candidates as (

    select
        conversions_in_window.conversion_id,
        conversions_in_window.conversion_name,
        conversions_in_window.user_id,
        conversions_in_window.converted_at,
        conversions_in_window.previous_converted_at,
        conversions_in_window.revenue,
        touchpoints.session_id,
        touchpoints.touchpoint_at,
        touchpoints.channel,
        touchpoints.traffic_campaign,
        touchpoints.traffic_source,
        touchpoints.traffic_medium,
        row_number() over (
            partition by conversions_in_window.conversion_id
            order by
                case when touchpoints.session_id = conversions_in_window.session_id then 0 else 1 end,
                touchpoints.touchpoint_at desc,
                touchpoints.session_id desc
        ) as rank_before_conversion
    from conversions_in_window
    inner join touchpoints
        on
            conversions_in_window.user_id = touchpoints.user_id
            and touchpoints.touchpoint_at <= conversions_in_window.converted_at
            {%- if cfg.lookback_seconds is not none %}
                and {{ journey.seconds_between('touchpoints.touchpoint_at', 'conversions_in_window.converted_at') }}
                <= {{ cfg.lookback_seconds }}
            {%- endif %}

),

conversion_touchpoints as (

    select
        {{ dbt.concat(["'conversion:'", 'conversion_id']) }} as path_id,
        'conversion' as path_type,
        conversion_id,
        conversion_name,
        user_id,
        session_id,
        touchpoint_at,
        converted_at as path_ended_at,
        rank_before_conversion = 1 as is_converting_session,
        channel,
        traffic_campaign,
        traffic_source,
        traffic_medium,
        revenue
    from conversion_candidates
    where
        {%- if cfg.include_converting_session %}
            rank_before_conversion = 1
            or previous_converted_at is null
            or touchpoint_at > previous_converted_at
        {%- else %}
            rank_before_conversion > 1
            and (previous_converted_at is null or touchpoint_at > previous_converted_at)
        {%- endif %}

),

user_last_conversions as (

    select
        user_id,
        max(converted_at) as last_converted_at,
        max(case when is_in_attribution_window then 1 else 0 end) as has_conversion_in_window
    from conversions
    {%- if cfg.window_end_sql %}
        where converted_at < {{ cfg.window_end_sql }}
    {%- endif %}
    group by 1

),

-- sessions after the user's last conversion (all sessions of users who never converted)
non_conversion_candidates as (

    select
        touchpoints.*,
        max(touchpoints.touchpoint_at) over (partition by touchpoints.user_id) as path_ended_at
    from touchpoints
    left join user_last_conversions
        on touchpoints.user_id = user_last_conversions.user_id
    where
        (
            user_last_conversions.user_id is null
            or touchpoints.touchpoint_at > user_last_conversions.last_converted_at
        )
        {%- if cfg.non_conversion_paths == 'non_converting_users' %}
            and coalesce(user_last_conversions.has_conversion_in_window, 0) = 0
        {%- endif %}

),

non_conversion_touchpoints as (

    select
        {{ dbt.concat(["'non_conversion:'", 'user_id']) }} as path_id,
        'non_conversion' as path_type,
        cast(null as {{ dbt.type_string() }}) as conversion_id,
        cast(null as {{ dbt.type_string() }}) as conversion_name,
        user_id,
        session_id,
        touchpoint_at,
        path_ended_at,
        false as is_converting_session,
        channel,
        traffic_campaign,
        traffic_source,
        traffic_medium,
        cast(null as numeric(28, 6)) as revenue
    from non_conversion_candidates
    where
        1 = 1
        {%- if cfg.window_start_sql %}
            and path_ended_at >= {{ cfg.window_start_sql }}
        {%- endif %}
        {%- if cfg.lookback_seconds is not none %}
            and {{ journey.seconds_between('touchpoint_at', 'path_ended_at') }} <= {{ cfg.lookback_seconds }}
        {%- endif %}

),

path_touchpoints as (

    select * from conversion_touchpoints
    union all
    select * from non_conversion_touchpoints

),

steps_counted as (

    select
        *,
        row_number() over (
            partition by path_id order by touchpoint_at desc, session_id desc
        ) as steps_before_path_end
    from path_touchpoints

),

-- keep the last journey__attribution_lookback_steps touches of each path
kept as (

    select
        *,
        row_number() over (partition by path_id order by touchpoint_at, session_id) as touchpoint_index,
        count(*) over (partition by path_id) as touchpoint_count
    from steps_counted
    {%- if cfg.lookback_steps is not none %}
        where steps_before_path_end <= {{ cfg.lookback_steps }}
    {%- endif %}

),

final as (

    select
        {{ dbt.concat(['path_id', "':'", 'cast(touchpoint_index as ' ~ dbt.type_string() ~ ')']) }}
            as path_touchpoint_id,
        path_id,
        path_type,
        conversion_id,
        conversion_name,
        user_id,
        session_id,
        cast(touchpoint_index as {{ dbt.type_bigint() }}) as touchpoint_index,
        cast(touchpoint_count as {{ dbt.type_bigint() }}) as touchpoint_count,
        touchpoint_at,
        path_ended_at,
        cast(
            {{ journey.seconds_between('touchpoint_at', 'path_ended_at') }} as numeric(28, 6)
        ) as seconds_before_path_end,
        is_converting_session,
        channel,
        traffic_campaign,
        traffic_source,
        traffic_medium,
        revenue,
        '{{ journey.journey_var("journey__reporting_currency") }}' as currency
    from kept

)

select * from final
