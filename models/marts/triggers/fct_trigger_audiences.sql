{#-
    Current audience of each trigger and channel, for reverse ETL: one row per trigger,
    channel and user who has a fire sent in the trigger's audience window before the as-of
    moment (var journey__trigger_audience_as_of, default the current load watermark), with the
    latest such fire.
-#}
{%- set as_of = journey.trigger_settings().audience_as_of %}

with fires as (

    select * from {{ ref('fct_trigger_fires') }}

),

steps as (

    select distinct
        trigger_name,
        audience_window_seconds
    from {{ ref('dim_trigger_steps') }}

),

as_of as (

    {% if as_of is not none -%}
    select cast('{{ as_of }}' as {{ dbt.type_timestamp() }}) as as_of_at
    {%- else -%}
        select max(watermark_at) as as_of_at
        from {{ ref('int_trigger_load_watermarks') }}
    {%- endif %}

),

members as (

    select
        fires.trigger_name,
        fires.channel,
        fires.user_id,
        fires.fire_id,
        fires.step_name,
        fires.payload,
        fires.send_at,
        as_of.as_of_at,
        row_number() over (
            partition by fires.trigger_name, fires.channel, fires.user_id
            order by fires.send_at desc, fires.fire_id desc
        ) as fire_rank
    from fires
    inner join steps
        on fires.trigger_name = steps.trigger_name
    cross join as_of
    where
        fires.send_at <= as_of.as_of_at
        and fires.send_at
        > {{ journey.funnel_timestamp_add_seconds('as_of.as_of_at', '-steps.audience_window_seconds') }}

)

select
    trigger_name,
    channel,
    user_id,
    fire_id,
    step_name,
    payload,
    send_at,
    as_of_at
from members
where fire_rank = 1
