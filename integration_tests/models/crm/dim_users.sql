{#-
    The parent project's own dim_users: one row per identified user, as a CRM would keep it. Its
    columns differ from the package's dim_users on purpose: were a package model to read this one
    instead of its own, the build would fail.
-#}
with journey_users as (

    select * from {{ ref('journey', 'dim_users') }}

)

select
    user_id as crm_user_id,
    first_seen_date as crm_signup_date,
    case when conversion_count > 0 then 'customer' else 'prospect' end as crm_lifecycle
from journey_users
where is_identified
