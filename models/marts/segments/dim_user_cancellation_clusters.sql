{#-
    One row per answered cancellation survey (CRM, stg_crm__cancellation_survey): the
    subscriber's cancellation, their behaviour in the 30 days after it (fct_events: page_viewed
    pricing / help pages, title_viewed), the cluster it puts them in, and the genre they viewed
    most since the cancellation (as of the build; payloads read it). Clusters: price_sensitive,
    content_gap or usability. The survey reason decides; a reason outside the three takes the
    most frequent behaviour (pricing views - price_sensitive, help views - usability, title
    views - content_gap; ties in that order), and no behaviour leaves it 'unknown'. The
    cluster's behaviour window is fixed in event time (30 days from the cancellation), so the
    cluster does not change once the window has passed: a trigger entering users 30 days or
    more after the cancellation reads a settled cluster.
-#}
{%- set behaviour_window_seconds = 30 * 86400 -%}

with survey as (

    select * from {{ ref('stg_crm__cancellation_survey') }}

),

events as (

    select
        user_id,
        event_name,
        event_at,
        {{ journey.json_extract_string('properties', 'page') }} as page,
        {{ journey.json_extract_string('properties', 'genre') }} as genre
    from {{ ref('fct_events') }}
    where is_identified and event_name in ('page_viewed', 'title_viewed')

),

behaviour_events as (

    -- the user's events in [cancelled_at, cancelled_at + 30 days)
    select
        survey.user_id,
        survey.cancelled_at,
        events.event_name,
        events.page,
        events.genre
    from survey
    inner join events
        on
            survey.user_id = events.user_id
            and survey.cancelled_at <= events.event_at
            and {{ journey.funnel_timestamp_add_seconds('survey.cancelled_at', behaviour_window_seconds) }}
            > events.event_at

),

behaviour as (

    select
        user_id,
        cancelled_at,
        sum(case when event_name = 'page_viewed' and page = 'pricing' then 1 else 0 end) as pricing_page_views,
        sum(case when event_name = 'page_viewed' and page = 'help' then 1 else 0 end) as help_page_views,
        sum(case when event_name = 'title_viewed' then 1 else 0 end) as title_views
    from behaviour_events
    group by user_id, cancelled_at

),

genre_views as (

    -- every title viewed since the cancellation (not only the first 30 days): the taste as of now
    select
        survey.user_id,
        survey.cancelled_at,
        events.genre,
        row_number() over (
            partition by survey.user_id, survey.cancelled_at
            order by count(*) desc, events.genre asc
        ) as genre_rank
    from survey
    inner join events
        on
            survey.user_id = events.user_id
            and survey.cancelled_at <= events.event_at
    where events.event_name = 'title_viewed' and events.genre is not null
    group by survey.user_id, survey.cancelled_at, events.genre

),

counted as (

    select
        survey.user_id,
        survey.cancelled_at,
        survey.survey_reason,
        genre_views.genre as preferred_genre,
        coalesce(behaviour.pricing_page_views, 0) as pricing_page_views,
        coalesce(behaviour.help_page_views, 0) as help_page_views,
        coalesce(behaviour.title_views, 0) as title_views
    from survey
    left join behaviour
        on
            survey.user_id = behaviour.user_id
            and survey.cancelled_at = behaviour.cancelled_at
    left join genre_views
        on
            survey.user_id = genre_views.user_id
            and survey.cancelled_at = genre_views.cancelled_at
            and genre_views.genre_rank = 1

),

final as (

    select
        {{ dbt.hash(dbt.concat(['counted.user_id', "'|'", dbt.safe_cast('counted.cancelled_at', dbt.type_string())])) }}
            as cancellation_id,
        counted.user_id,
        counted.cancelled_at,
        counted.survey_reason,
        cast(counted.pricing_page_views as {{ dbt.type_bigint() }}) as pricing_page_views,
        cast(counted.help_page_views as {{ dbt.type_bigint() }}) as help_page_views,
        cast(counted.title_views as {{ dbt.type_bigint() }}) as title_views,
        counted.preferred_genre,
        case
            when counted.survey_reason = 'price' then 'price_sensitive'
            when counted.survey_reason = 'content' then 'content_gap'
            when counted.survey_reason = 'usability' then 'usability'
            when counted.pricing_page_views + counted.help_page_views + counted.title_views = 0 then 'unknown'
            when
                counted.pricing_page_views >= counted.help_page_views
                and counted.pricing_page_views >= counted.title_views
                then 'price_sensitive'
            when counted.help_page_views >= counted.title_views then 'usability'
            else 'content_gap'
        end as cancellation_cluster
    from counted

)

select * from final
