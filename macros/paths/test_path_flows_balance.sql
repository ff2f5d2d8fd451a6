{#-
    Sankey integrity: every node that is not a drop-off and not on the last step sends on, at
    step k + 1, exactly the units it holds; every node after step 0 holds exactly the units
    flowing into it; a drop-off node sends nothing on. Returns the nodes that break it.
-#}
{% test path_flows_balance(model, links) %}

with nodes as (

    select * from {{ model }}

),

links as (

    select * from {{ links }}

),

outflows as (

    select
        source_node_id as node_id,
        sum(unit_count) as outflow_units
    from links
    group by 1

),

inflows as (

    select
        target_node_id as node_id,
        sum(unit_count) as inflow_units
    from links
    group by 1

)

select
    nodes.node_id,
    nodes.unit_count,
    outflows.outflow_units,
    inflows.inflow_units
from nodes
left join outflows
    on nodes.node_id = outflows.node_id
left join inflows
    on nodes.node_id = inflows.node_id
where
    (
        not nodes.is_drop_off
        and nodes.step_index < nodes.max_depth
        and coalesce(outflows.outflow_units, -1) <> nodes.unit_count
    )
    or (nodes.step_index > 0 and coalesce(inflows.inflow_units, -1) <> nodes.unit_count)
    or (nodes.is_drop_off and outflows.outflow_units is not null)
    or (nodes.step_index = nodes.max_depth and outflows.outflow_units is not null)

{% endtest %}
