{#-
    The load moment that closes each trigger window: for every condition_true_at (T) of the
    relation `moments`, the first load of `watermarks` (rows where the watermark rises: loaded_at,
    watermark_at) whose watermark is at or after T; null while none is. One row per row of
    `moments`, with columns condition_true_at and closed_at_load.
-#}
{% macro trigger_window_closings(moments, watermarks) -%}
    {{ return(adapter.dispatch('trigger_window_closings', 'journey')(moments, watermarks)) }}
{%- endmacro %}

{#- window ends and watermark rises in one order; a window end sorts before an equal watermark -#}
{% macro default__trigger_window_closings(moments, watermarks) -%}
    select
        closing_points.point_at as condition_true_at,
        closing_points.closed_at_load
    from (
        select
            points.point_at,
            points.point_kind,
            min(points.loaded_at) over (
                order by points.point_at, points.point_kind rows between current row and unbounded following
            ) as closed_at_load
        from (
            select
                condition_true_at as point_at,
                0 as point_kind,
                cast(null as {{ dbt.type_timestamp() }}) as loaded_at
            from {{ moments }}

            union all

            select
                watermark_at as point_at,
                1 as point_kind,
                loaded_at
            from {{ watermarks }}
        ) as points
    ) as closing_points
    where closing_points.point_kind = 0
{%- endmacro %}

{#- DuckDB: an as-of join finds the smallest rising watermark at or after T without sorting all rows -#}
{% macro duckdb__trigger_window_closings(moments, watermarks) -%}
    select
        moments.condition_true_at,
        watermarks.loaded_at as closed_at_load
    from {{ moments }} as moments
    asof left join {{ watermarks }} as watermarks
        on moments.condition_true_at <= watermarks.watermark_at
{%- endmacro %}
