{{ config(materialized='table') }}

{#-
    One row per anonymous id that was ever seen with a user id, and the user it belongs to.
    Rule (var journey__identity_resolution): 'last_seen' (default, as the GA4 and Snowplow
    packages do) gives a shared device to the user seen on it most recently; 'first_seen' to
    the first. Ties on time go to the smaller user id.
-#}
{%- set rule = journey.journey_var('journey__identity_resolution') -%}
{%- if rule not in ['last_seen', 'first_seen'] -%}
    {{ exceptions.raise_compiler_error("journey: journey__identity_resolution must be 'last_seen' or 'first_seen', got '" ~ rule ~ "'") }}
{%- endif -%}

with pairs as (

    select * from {{ ref('int_identity_pairs_daily') }}

),

per_user as (

    select
        anonymous_id,
        user_id,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from pairs
    group by 1, 2

),

ranked as (

    select
        anonymous_id,
        user_id,
        first_seen_at,
        last_seen_at,
        count(*) over (partition by anonymous_id) as user_count,
        min(first_seen_at) over (partition by anonymous_id) as first_identified_at,
        row_number() over (
            partition by anonymous_id
            order by
                {% if rule == 'last_seen' %}last_seen_at desc{% else %}first_seen_at asc{% endif %},
                user_id asc
        ) as preference
    from per_user

),

resolved as (

    select
        anonymous_id,
        user_id,
        first_identified_at,
        {% if rule == 'last_seen' %}last_seen_at{% else %}first_seen_at{% endif %} as decided_at,
        user_count,
        user_count > 1 as is_shared_device
    from ranked
    where preference = 1

)

select * from resolved
