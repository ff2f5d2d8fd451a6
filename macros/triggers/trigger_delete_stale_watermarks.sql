{#-
    Post-hook of int_trigger_load_watermarks: an incremental run appends every load moment from
    the point it recomputed from (recomputed_from_at); the rows stored earlier from that point
    (the versions it replaces, and load moments whose rows vanished) are deleted here.
-#}
{% macro trigger_delete_stale_watermarks(relation) -%}
    {{ return(adapter.dispatch('trigger_delete_stale_watermarks', 'journey')(relation)) }}
{%- endmacro %}

{% macro default__trigger_delete_stale_watermarks(relation) -%}
    delete from {{ relation }}
    where
        processed_at < {{ journey.run_started_at_timestamp() }}
        and loaded_at >= (
            select min(written.recomputed_from_at)
            from {{ relation }} as written
            where written.processed_at = {{ journey.run_started_at_timestamp() }}
        )
{%- endmacro %}

{#- Spark builds full refreshes only (no delete on plain Parquet): nothing to repair there. -#}
{% macro spark__trigger_delete_stale_watermarks(relation) -%}
{%- endmacro %}
