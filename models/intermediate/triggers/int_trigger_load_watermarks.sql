{{
    config(
        materialized='incremental',
        incremental_strategy=journey.incremental_strategy(),
        on_schema_change='fail',
        partition_by=journey.day_partition('loaded_at', 'timestamp'),
        cluster_by=['loaded_at'],
        post_hook=["{{ journey.trigger_delete_stale_watermarks(this) }}"],
    )
}}

{#-
    The load watermark, one row per load moment (distinct fct_events.loaded_at): watermark_at =
    the latest event time among all rows loaded so far, minus var
    journey__trigger_allowed_lateness. A window that ends at T is closed (complete) at the first
    load moment whose watermark is at or after T: the row whose range
    (previous_watermark_at, watermark_at] holds T (rows where the watermark does not rise have an
    empty range). A row whose event time is after its own load time (a clock running ahead) does
    not move the watermark, so it cannot close windows early; a row without loaded_at counts as
    loaded at its event time.

    Incremental runs recompute the load moments from the earliest one that changed
    (recomputed_from_at): among the load moments of the fct_events rows written since the
    previous run, the first whose row count or latest event time (load_max_event_at) differs
    from its stored row, or that is new. Rows written again with their load and event times
    unchanged (a device re-sessionised or re-stitched by a late identify) move no watermark and
    recompute nothing. The run continues the running maximum of the row before that point and
    appends the recomputed rows; the post-hook deletes the stored rows they replace and load
    moments that vanished. Normally that is the tail of the table. Everything is recomputed when the allowed lateness
    changed or rows loaded before that point vanished (an erasure): the stored row counts
    (loaded_rows) no longer add up to fct_events.
-#}
{%- set lateness_seconds = journey.trigger_settings().allowed_lateness_seconds -%}
{%- set incremental = journey.is_incremental_run() -%}
{%- set beginning = "cast('0001-01-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")" -%}

with events as (

    select
        processed_at,
        coalesce(loaded_at, event_at) as loaded_at,
        -- a row stamped after its own load time (a clock running ahead) does not move it
        case when loaded_at is null or event_at <= loaded_at then event_at end as event_at
    from {{ ref('fct_events') }}

),

{% if incremental %}
stored as (

    select
        loaded_at,
        watermark_at,
        running_max_event_at,
        load_max_event_at,
        loaded_rows,
        lateness_seconds,
        processed_at
    from {{ this }}

),

previous_run as (

    select
        max(processed_at) as processed_at,
        max(case when lateness_seconds <> {{ lateness_seconds }} then 1 else 0 end) as is_lateness_changed
    from stored

),

written_loads as (

    -- the load moments of the rows written since the previous run (new rows, and older rows
    -- that fct_events wrote again: re-sessionised or re-stitched, their load time kept)
    select distinct events.loaded_at
    from events
    cross join previous_run
    where previous_run.processed_at is null or events.processed_at > previous_run.processed_at

),

written_load_totals as (

    -- every row of those load moments now, written this run or not
    select
        events.loaded_at,
        max(events.event_at) as load_max_event_at,
        count(*) as loaded_rows
    from events
    inner join written_loads
        on events.loaded_at = written_loads.loaded_at
    group by events.loaded_at

),

first_new_load as (

    -- the earliest of those load moments whose rows differ from what the stored row counted
    -- (a new moment, more or fewer rows, another latest event time); a row written again with
    -- its load and event times unchanged moves no watermark, so it recomputes nothing
    select min(written_load_totals.loaded_at) as loaded_at
    from written_load_totals
    left join stored
        on written_load_totals.loaded_at = stored.loaded_at
    where
        stored.loaded_at is null
        or stored.loaded_rows <> written_load_totals.loaded_rows
        or stored.load_max_event_at is distinct from written_load_totals.load_max_event_at

),

unchanged_counts as (

    -- rows loaded before that point: as many now as the stored rows counted
    select
        (
            select count(*)
            from events
            cross join first_new_load
            where first_new_load.loaded_at is null or events.loaded_at < first_new_load.loaded_at
        ) as current_rows,
        (
            select coalesce(sum(stored.loaded_rows), 0)
            from stored
            cross join first_new_load
            where first_new_load.loaded_at is null or stored.loaded_at < first_new_load.loaded_at
        ) as stored_rows

),

recompute_from as (

    -- null: nothing to recompute; the beginning: recompute everything
    select
        case
            when previous_run.is_lateness_changed = 1 then {{ beginning }}
            when unchanged_counts.current_rows <> unchanged_counts.stored_rows then {{ beginning }}
            else first_new_load.loaded_at
        end as loaded_at
    from previous_run
    cross join first_new_load
    cross join unchanged_counts

),

carried as (

    -- the running maximum and watermark of the last stored load moment before that point
    select
        max(stored.running_max_event_at) as running_max_event_at,
        max(stored.watermark_at) as watermark_at
    from stored
    inner join recompute_from
        on stored.loaded_at < recompute_from.loaded_at

),
{% endif %}

loads as (

    select
        events.loaded_at,
        max(events.event_at) as max_event_at,
        count(*) as loaded_rows
    from events
    {%- if incremental %}
    inner join recompute_from
        on events.loaded_at >= recompute_from.loaded_at
    {%- endif %}
    group by events.loaded_at

),

running as (

    select
        loaded_at,
        loaded_rows,
        max_event_at as load_max_event_at,
        max(max_event_at) over (
            order by loaded_at rows between unbounded preceding and current row
        ) as max_event_at
    from loads

),

continued as (

    select
        running.loaded_at,
        running.loaded_rows,
        running.load_max_event_at,
        {% if incremental -%}
            -- continued from the last stored moment before the recomputed ones
            greatest(
                coalesce(carried.running_max_event_at, running.max_event_at),
                coalesce(running.max_event_at, carried.running_max_event_at)
            )
        {%- else -%}
            running.max_event_at
        {%- endif %} as running_max_event_at
    from running
    {%- if incremental %}
    cross join carried
    {%- endif %}

),

watermarked as (

    select
        loaded_at,
        loaded_rows,
        load_max_event_at,
        running_max_event_at,
        {{ journey.funnel_timestamp_add_seconds('running_max_event_at', -lateness_seconds) }} as watermark_at
    from continued
    where running_max_event_at is not null

)

select
    watermarked.loaded_at,
    watermarked.watermark_at,
    coalesce(
        lag(watermarked.watermark_at) over (order by watermarked.loaded_at),
        {% if incremental -%}
            carried.watermark_at,
        {%- endif %}
        {{ beginning }}
    ) as previous_watermark_at,
    watermarked.running_max_event_at,
    watermarked.load_max_event_at,
    watermarked.loaded_rows,
    cast({{ lateness_seconds }} as {{ dbt.type_bigint() }}) as lateness_seconds,
    {% if incremental -%}
        recompute_from.loaded_at
    {%- else -%}
        {{ beginning }}
    {%- endif %} as recomputed_from_at,
    {{ journey.run_started_at_timestamp() }} as processed_at
from watermarked
{%- if incremental %}
cross join carried
cross join recompute_from
{%- endif %}
