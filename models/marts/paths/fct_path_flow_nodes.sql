{#-
    Sankey nodes of the path analyses: the units at each step's node, read off the links
    (step 0: the units leaving the anchor; step k >= 1: the units flowing in).
-#}
{%- set analyses = journey.path_analyses() -%}

with links as (

    select * from {{ ref('fct_path_flow_links') }}

),

analysis_config as (

    {{ journey.path_analysis_config(analyses) }}

),

nodes as (

    select
        analysis_name,
        0 as step_index,
        source_node_id as node_id,
        source_node_name as node_name,
        sum(unit_count) as unit_count
    from links
    where step_index = 1
    group by 1, 2, 3, 4
    union all
    select
        analysis_name,
        step_index,
        target_node_id as node_id,
        target_node_name as node_name,
        sum(unit_count) as unit_count
    from links
    group by 1, 2, 3, 4

),

classified as (

    select
        *,
        step_index = 0 as is_anchor,
        node_name = 'Other' and step_index > 0 as is_other,
        node_name = '$drop_off' as is_drop_off
    from nodes

),

final as (

    select
        classified.node_id,
        classified.analysis_name,
        analysis_config.anchor_event_name,
        analysis_config.direction,
        analysis_config.path_unit,
        cast(analysis_config.max_depth as {{ dbt.type_bigint() }}) as max_depth,
        cast(classified.step_index as {{ dbt.type_bigint() }}) as step_index,
        classified.node_name,
        cast(
            case
                when not classified.is_other and not classified.is_drop_off
                    then row_number() over (
                        partition by
                            classified.analysis_name,
                            classified.step_index,
                            classified.is_other or classified.is_drop_off
                        order by classified.unit_count desc, classified.node_name asc
                    )
            end as {{ dbt.type_bigint() }}
        ) as node_rank,
        cast(classified.unit_count as {{ dbt.type_bigint() }}) as unit_count,
        cast(
            classified.unit_count * 1.0 / sum(
                case when classified.step_index = 0 then classified.unit_count end
            ) over (partition by classified.analysis_name) as {{ dbt.type_numeric() }}
        ) as share_of_anchor,
        classified.is_anchor,
        classified.is_other,
        classified.is_drop_off,
        classified.step_index = analysis_config.max_depth as is_last_step
    from classified
    inner join analysis_config
        on classified.analysis_name = analysis_config.analysis_name

)

select * from final
