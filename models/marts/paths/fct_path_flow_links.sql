{#-
    Sankey links of the path analyses in var journey__path_analyses. For each analysis, every
    unit (session or user) with the anchor event contributes one path: the anchor at step 0
    (its first or last occurrence in the unit), then the events after it (forward) or before it
    (backward) at steps 1..max_depth. At each step the top_n event names by units keep their
    name and the rest become 'Other'; a path that ends before max_depth flows into '$drop_off'
    at the step after its last event. So the units flowing into a node at step k equal those
    flowing out of it at step k + 1, drop-off included.
-#}
{%- set analyses = journey.path_analyses() -%}
{%- set sequence_keys = [] -%}
{%- for analysis in analyses -%}
    {%- set key = analysis.unit ~ ('_collapsed' if analysis.collapse_repeats else '_raw') -%}
    {%- if key not in sequence_keys -%}
        {%- do sequence_keys.append(key) -%}
    {%- endif -%}
{%- endfor -%}

with
{%- for key in sequence_keys %}
sequence_{{ key }} as (

    {{ journey.path_event_sequence(
        ref('fct_events'),
        key.split('_')[0],
        key.endswith('_collapsed'),
        0
    ) }}

),
{% endfor %}

analysis_config as (

    {{ journey.path_analysis_config(analyses) }}

),
{%- for analysis in analyses %}
{%- set sequence = 'sequence_' ~ analysis.unit ~ ('_collapsed' if analysis.collapse_repeats else '_raw') %}
{%- set anchors = 'anchors_' ~ loop.index %}

{{ anchors }} as (

    select
        unit_id,
        {{ 'min' if analysis.anchor_occurrence == 'first' else 'max' }}(event_position) as anchor_position
    from {{ sequence }}
    where event_name = '{{ analysis.anchor_event }}'
    group by 1

),

steps_{{ loop.index }} as (

    select
        '{{ analysis.name }}' as analysis_name,
        {{ sequence }}.unit_id,
        {%- if analysis.direction == 'forward' %}
        {{ sequence }}.event_position - {{ anchors }}.anchor_position as step_index,
        {%- else %}
        {{ anchors }}.anchor_position - {{ sequence }}.event_position as step_index,
        {%- endif %}
        {{ sequence }}.event_name
    from {{ sequence }}
    inner join {{ anchors }}
        on {{ sequence }}.unit_id = {{ anchors }}.unit_id
    {%- if analysis.direction == 'forward' %}
    where {{ sequence }}.event_position between {{ anchors }}.anchor_position
        and {{ anchors }}.anchor_position + {{ analysis.max_depth }}
    {%- else %}
    where {{ sequence }}.event_position between {{ anchors }}.anchor_position - {{ analysis.max_depth }}
        and {{ anchors }}.anchor_position
    {%- endif %}

),
{%- endfor %}

steps as (

    {%- for analysis in analyses %}
        select * from steps_{{ loop.index }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- else %}
        -- no analysis configured: no rows
        select
            cast(null as {{ dbt.type_string() }}) as analysis_name,
            cast(null as {{ dbt.type_string() }}) as unit_id,
            cast(null as {{ dbt.type_bigint() }}) as step_index,
            cast(null as {{ dbt.type_string() }}) as event_name
        from analysis_config
    {%- endfor %}

),

step_event_counts as (

    select
        analysis_name,
        step_index,
        event_name,
        count(*) as unit_count
    from steps
    where step_index > 0
    group by 1, 2, 3

),

ranked_step_events as (

    -- the top_n event names of each step by units (ties: alphabetical) keep their name
    select
        step_event_counts.analysis_name,
        step_event_counts.step_index,
        step_event_counts.event_name,
        row_number() over (
            partition by step_event_counts.analysis_name, step_event_counts.step_index
            order by step_event_counts.unit_count desc, step_event_counts.event_name asc
        ) <= analysis_config.top_n as is_top
    from step_event_counts
    inner join analysis_config
        on step_event_counts.analysis_name = analysis_config.analysis_name

),

labelled_steps as (

    select
        steps.analysis_name,
        steps.unit_id,
        steps.step_index,
        case
            when steps.step_index = 0 or ranked_step_events.is_top then steps.event_name
            else 'Other'
        end as node_name
    from steps
    left join ranked_step_events
        on steps.analysis_name = ranked_step_events.analysis_name
        and steps.step_index = ranked_step_events.step_index
        and steps.event_name = ranked_step_events.event_name

),

drop_offs as (

    -- a path that ends before max_depth flows into $drop_off at the step after its last event
    select
        path_ends.analysis_name,
        path_ends.unit_id,
        path_ends.last_step_index + 1 as step_index,
        '$drop_off' as node_name
    from (
        select
            analysis_name,
            unit_id,
            max(step_index) as last_step_index
        from steps
        group by 1, 2
    ) as path_ends
    inner join analysis_config
        on path_ends.analysis_name = analysis_config.analysis_name
    where path_ends.last_step_index < analysis_config.max_depth

),

unit_paths as (

    select * from labelled_steps
    union all
    select * from drop_offs

),

unit_links as (

    select
        analysis_name,
        step_index,
        lag(node_name) over (
            partition by analysis_name, unit_id
            order by step_index
        ) as source_node_name,
        node_name as target_node_name
    from unit_paths

),

aggregated as (

    select
        analysis_name,
        step_index,
        source_node_name,
        target_node_name,
        count(*) as unit_count
    from unit_links
    where step_index > 0
    group by 1, 2, 3, 4

),

with_node_ids as (

    select
        *,
        {{ journey.path_node_id('analysis_name', 'step_index - 1', 'source_node_name') }} as source_node_id,
        {{ journey.path_node_id('analysis_name', 'step_index', 'target_node_name') }} as target_node_id
    from aggregated

),

final as (

    select
        {{ dbt.concat(['with_node_ids.source_node_id', "'>'", 'with_node_ids.target_node_id']) }} as link_id,
        with_node_ids.analysis_name,
        analysis_config.direction,
        analysis_config.path_unit,
        cast(with_node_ids.step_index as {{ dbt.type_bigint() }}) as step_index,
        with_node_ids.source_node_id,
        with_node_ids.source_node_name,
        with_node_ids.target_node_id,
        with_node_ids.target_node_name,
        cast(with_node_ids.unit_count as {{ dbt.type_bigint() }}) as unit_count,
        cast(
            with_node_ids.unit_count * 1.0 / sum(with_node_ids.unit_count) over (
                partition by with_node_ids.source_node_id
            ) as {{ dbt.type_numeric() }}
        ) as share_of_source,
        cast(
            with_node_ids.unit_count * 1.0 / sum(
                case when with_node_ids.step_index = 1 then with_node_ids.unit_count end
            ) over (partition by with_node_ids.analysis_name) as {{ dbt.type_numeric() }}
        ) as share_of_anchor
    from with_node_ids
    inner join analysis_config
        on with_node_ids.analysis_name = analysis_config.analysis_name

)

select * from final
