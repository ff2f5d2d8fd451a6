{#-
    One row per power-user cohort and member. Cohorts: every rule of var
    journey__power_user_rules (cohort_type 'rule') and the data-driven 'l28_top_share': the top
    var journey__power_user_top_share (default 10%) of the users with any L28 activity (events
    of journey__power_user_l28_events in the 28 days ending on the as-of date), ranked by
    journey__power_user_l28_rank_by: 'events' (default: L28 events, then L28 active days) or
    'active_days' (L28 active days, then events). A user is in it when fewer than
    share x (L28-active users) users rank strictly above them, so users tied on both keys are
    always in or out together and the cohort can be slightly larger than the share.
-#}
{%- set share = journey.journey_var('journey__power_user_top_share') -%}
{%- if share is not number or share <= 0 or share >= 1 -%}
    {{ exceptions.raise_compiler_error(
        "journey: var journey__power_user_top_share must be a number between 0 and 1 (exclusive), got '"
        ~ share ~ "'."
    ) }}
{%- endif -%}
{%- set rank_by = journey.journey_var('journey__power_user_l28_rank_by') -%}
{%- if rank_by not in ['events', 'active_days'] -%}
    {{ exceptions.raise_compiler_error(
        "journey: var journey__power_user_l28_rank_by must be 'events' or 'active_days', got '" ~ rank_by ~ "'."
    ) }}
{%- endif -%}
{%- set keys = ['l28_event_count', 'l28_active_days'] -%}
{%- if rank_by == 'active_days' -%}
    {%- set keys = ['l28_active_days', 'l28_event_count'] -%}
{%- endif -%}

with population as (

    select * from {{ ref('int_segments_user_metrics') }}

),

rule_members as (

    select * from {{ ref('int_power_user_rule_cohorts') }}

),

l28_ranked as (

    select
        user_id,
        as_of_date,
        l28_active_days,
        l28_event_count,
        rank() over (order by {{ keys[0] }} desc, {{ keys[1] }} desc) - 1 as users_ranked_above,
        count(*) over () as active_user_count
    from population
    where l28_active_days > 0

),

l28_members as (

    select
        'l28_top_share' as cohort_name,
        'data_driven' as cohort_type,
        'Top {{ '%g' | format(share * 100) }}% of L28-active users by {{ keys[0] }}, then {{ keys[1] }}.'
            as cohort_description,
        user_id,
        cast({{ keys[0] }} as {{ dbt.type_numeric() }}) as qualifying_value,
        '{{ keys[0] }}' as qualifying_metric
    from l28_ranked
    where users_ranked_above < {{ share }} * active_user_count

),

unioned as (

    select * from rule_members
    union all
    select * from l28_members

),

final as (

    select
        {{ dbt.concat(['unioned.cohort_name', "'|'", 'unioned.user_id']) }} as cohort_member_id,
        unioned.cohort_name,
        unioned.cohort_type,
        unioned.cohort_description,
        unioned.user_id,
        unioned.qualifying_value,
        unioned.qualifying_metric,
        population.as_of_date
    from unioned
    inner join population
        on unioned.user_id = population.user_id

)

select * from final
