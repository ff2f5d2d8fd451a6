-- Our dim_users has exactly the package's identified users (a two-way except).
with ours as (
    select crm_user_id as user_id from {{ ref('journey_integration_tests', 'dim_users') }}
),

theirs as (
    select user_id from {{ ref('journey', 'dim_users') }}
    where is_identified
),

only_ours as (
    select user_id from ours
    except
    select user_id from theirs
),

only_theirs as (
    select user_id from theirs
    except
    select user_id from ours
)

select 'only in ours' as side, user_id from only_ours
union all
select 'only in the package' as side, user_id from only_theirs
