{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        partition_by=journey.day_partition('changed_at', 'timestamp'),
        cluster_by=['trigger_name', 'channel'],
    )
}}

{#-
    The audience rows added and removed by each run, for reverse-ETL syncs that apply deltas:
    one row per run, trigger, channel and user whose membership changed since the previous run
    (the first run adds every member). Append-only, keyed by run_id; the membership a run
    starts from is the last change recorded per trigger, channel and user.
-#}
{%- set incremental = journey.is_incremental_run() %}

with current_members as (

    select * from {{ ref('fct_trigger_audiences') }}

),

{% if incremental %}
latest_changes as (

    select
        trigger_name,
        channel,
        user_id,
        change_type,
        row_number() over (
            partition by trigger_name, channel, user_id
            order by changed_at desc, change_type desc
        ) as change_rank
    from {{ this }}

),

previous_members as (

    select
        trigger_name,
        channel,
        user_id
    from latest_changes
    where change_rank = 1 and change_type = 'added'

),
{% else %}
    previous_members as (

        select
            trigger_name,
            channel,
            user_id
        from current_members
        where false

    ),
{% endif %}

changes as (

    select
        current_members.trigger_name,
        current_members.channel,
        current_members.user_id,
        'added' as change_type,
        current_members.fire_id,
        current_members.step_name,
        current_members.payload,
        current_members.as_of_at
    from current_members
    left join previous_members
        on
            current_members.trigger_name = previous_members.trigger_name
            and current_members.channel = previous_members.channel
            and current_members.user_id = previous_members.user_id
    where previous_members.user_id is null

    union all

    select
        previous_members.trigger_name,
        previous_members.channel,
        previous_members.user_id,
        'removed' as change_type,
        cast(null as {{ dbt.type_string() }}) as fire_id,
        cast(null as {{ dbt.type_string() }}) as step_name,
        cast(null as {{ dbt.type_string() }}) as payload,
        (select max(members_now.as_of_at) from current_members as members_now) as as_of_at
    from previous_members
    left join current_members
        on
            previous_members.trigger_name = current_members.trigger_name
            and previous_members.channel = current_members.channel
            and previous_members.user_id = current_members.user_id
    where current_members.user_id is null

)

select
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as run_id,
    {{ journey.trigger_run_started_at() }} as changed_at,
    trigger_name,
    channel,
    user_id,
    change_type,
    fire_id,
    step_name,
    payload,
    as_of_at
from changes
