{#-
    One row per power-user cohort and member. Cohorts: every rule of var
    journey__power_user_rules (cohort_type 'rule') and the data-driven 'l28_top_share': the top
    var journey__power_user_top_share (default 10%) of the users active in the 28 days ending on
    the as-of date, ranked by L28 active days, then L28 events. A user is in it when fewer than
    share x (active users) users rank strictly above them, so users tied on both keys are always
    in or out together and the cohort can be slightly larger than the share.
-#}
{%- set share = var('journey__power_user_top_share', 0.1) -%}
{%- if share is not number or share <= 0 or share >= 1 -%}
    {{ exceptions.raise_compiler_error(
        "journey: var journey__power_user_top_share must be a number between 0 and 1 (exclusive), got '"
        ~ share ~ "'."
    ) }}
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
        rank() over (order by l28_active_days desc, l28_event_count desc) - 1 as users_ranked_above,
        count(*) over () as active_user_count
    from population
    where l28_active_days > 0

),

l28_members as (

    select
        'l28_top_share' as cohort_name,
        'data_driven' as cohort_type,
        'Top {{ share * 100 }}% of users active in the last 28 days by active days, then events.'
            as cohort_description,
        user_id,
        cast(l28_active_days as {{ dbt.type_numeric() }}) as qualifying_value,
        'l28 active days' as qualifying_metric
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
