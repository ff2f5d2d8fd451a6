{{ config(materialized='table') }}

{#-
    Identities whose events are erased (right to erasure), from seed journey_erasure_requests or
    the relation named by var journey__erasure_relation ('schema.table' or 'database.schema.table').
    A requested user id erases every event that carries it; a requested anonymous id every event
    of that device; and every anonymous event (no user id) of a device the requested user was
    ever seen on, since those are theirs too. Events another user sent from a shared device stay.
-#}
{%- set requests_relation = var('journey__erasure_relation', none) -%}

with requests as (

    select
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(anonymous_id as {{ dbt.type_string() }}) as anonymous_id,
        cast(requested_at as {{ dbt.type_timestamp() }}) as requested_at
    {% if requests_relation %}
        from {{ requests_relation }}
    {% else %}
        from {{ journey.seed_ref('journey_erasure_requests') }}
    {% endif %}

),

requested_users as (

    select
        'user' as identity_kind,
        user_id as identity_value,
        min(requested_at) as requested_at
    from requests
    where user_id is not null
    group by 1, 2

),

requested_devices as (

    select
        'device' as identity_kind,
        anonymous_id as identity_value,
        min(requested_at) as requested_at
    from requests
    where anonymous_id is not null
    group by 1, 2

),

devices_of_requested_users as (

    -- anonymous events of a device seen with an erased user are that user's
    select
        'anonymous_events_of_device' as identity_kind,
        canonical.anonymous_id as identity_value,
        min(requested_users.requested_at) as requested_at
    from {{ ref('int_events_canonical') }} as canonical
    inner join requested_users
        on canonical.user_id = requested_users.identity_value
    where canonical.anonymous_id is not null
    group by 1, 2

),

final as (

    select * from requested_users
    union all
    select * from requested_devices
    union all
    select * from devices_of_requested_users

)

select * from final
