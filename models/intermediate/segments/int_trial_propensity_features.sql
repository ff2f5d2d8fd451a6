{{ config(materialized='table') }}

{#-
    One row per trial user (their first trial_started with a user_id) that started before the
    end of the as-of date: behaviour in the first journey__propensity_feature_days days of the
    trial (default 3; events from the trial start up to that offset, trial_started and
    subscription_started themselves not counted) and whether the trial converted
    (subscription_started after the start and within 14 days). Input of the propensity models
    (journey_analytics.segments.propensity).
-#}
{%- set feature_days = var('journey__propensity_feature_days', 3) -%}
{%- if feature_days is not number or feature_days is sameas true or feature_days is sameas false
    or feature_days <= 0 or feature_days > 14 -%}
    {{ exceptions.raise_compiler_error(
        "journey: var journey__propensity_feature_days must be a number of days in (0, 14], got '"
        ~ feature_days ~ "'."
    ) }}
{%- endif -%}
{%- set horizon_days = 14 -%}

with events as (

    select * from {{ ref('fct_events') }}

),

as_of as (

    -- the end of the as-of date: what the data covers
    select
        {{ journey.timestamp_add(
            'day', 1, 'cast(' ~ journey.segments_as_of_date() ~ ' as ' ~ dbt.type_timestamp() ~ ')'
        ) }} as observed_until

),

trial_events as (

    select
        user_id,
        event_at,
        {{ journey.json_extract_string('properties', 'plan') }} as plan,
        row_number() over (partition by user_id order by event_at, event_id) as trial_number
    from events
    where event_name = 'trial_started' and user_id is not null

),

trials as (

    select
        trial_events.user_id,
        trial_events.event_at as trial_started_at,
        trial_events.plan,
        as_of.observed_until,
        {{ journey.timestamp_add('day', feature_days, 'trial_events.event_at') }} as features_until,
        {{ journey.timestamp_add('day', horizon_days, 'trial_events.event_at') }} as horizon_until
    from trial_events
    cross join as_of
    where trial_events.trial_number = 1 and trial_events.event_at < as_of.observed_until

),

activity as (

    -- behaviour in the feature window (never after the end of the data)
    select
        trials.user_id,
        count(case when events.event_name = 'user_logged_in' then 1 end) as login_count,
        count(case when events.event_name = 'project_created' then 1 end) as project_count,
        count(distinct events.event_date) as active_day_count,
        count(distinct events.session_id) as session_count
    from trials
    inner join events
        on
            trials.user_id = events.user_id
            and trials.trial_started_at <= events.event_at
            and trials.features_until > events.event_at
            and trials.observed_until > events.event_at
            and events.event_name not in ('trial_started', 'subscription_started')
    group by 1

),

conversions as (

    select
        trials.user_id,
        min(events.event_at) as converted_at
    from trials
    inner join events
        on
            trials.user_id = events.user_id
            and events.event_name = 'subscription_started'
            and trials.trial_started_at < events.event_at
            and trials.horizon_until >= events.event_at
            and trials.observed_until > events.event_at
    group by 1

),

final as (

    select
        trials.user_id,
        trials.trial_started_at,
        trials.plan,
        cast(coalesce(activity.login_count, 0) as {{ dbt.type_bigint() }}) as login_count,
        cast(coalesce(activity.project_count, 0) as {{ dbt.type_bigint() }}) as project_count,
        cast(coalesce(activity.active_day_count, 0) as {{ dbt.type_bigint() }}) as active_day_count,
        cast(coalesce(activity.session_count, 0) as {{ dbt.type_bigint() }}) as session_count,
        conversions.converted_at,
        conversions.converted_at is not null as is_converted,
        trials.features_until <= trials.observed_until as is_feature_window_complete,
        trials.horizon_until <= trials.observed_until as is_label_complete,
        trials.observed_until
    from trials
    left join activity on trials.user_id = activity.user_id
    left join conversions on trials.user_id = conversions.user_id

)

select * from final
