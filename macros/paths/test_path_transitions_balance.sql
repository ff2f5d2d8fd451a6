{#-
    Directly-follows integrity, recomputed from the events: per unit (session, user) the
    transitions out of an event name add up to its occurrences (runs of repeats when
    collapse_repeats, which defaults to var journey__transitions_collapse_repeats), those out of
    '$start' to the number of units, and the same holds for transitions into a name and into
    '$end'. Returns the nodes whose totals differ.
-#}
{% test path_transitions_balance(model, events, collapse_repeats=none) %}
{%- if collapse_repeats is none -%}
    {%- set collapse_repeats = journey.journey_var('journey__transitions_collapse_repeats') -%}
{%- endif -%}

with
{%- for unit, unit_column in [('session', 'session_id'), ('user', 'user_id')] %}

{{ unit }}_events as (

    {%- if collapse_repeats %}
    -- a run of repeats is one node: the order matters, so a window finds each run's first event
    select
        {{ unit_column }} as unit_id,
        event_name
    from (
        select
            {{ unit_column }},
            event_name,
            lag(event_name) over (
                partition by {{ unit_column }} order by {{ journey.event_order() }}
            ) as previous_event_name
        from {{ events }}
    ) as ordered_events
    where previous_event_name is null or previous_event_name <> event_name
    {%- else %}
    -- every event is a node: counts need no order (no window over every event)
    select
        {{ unit_column }} as unit_id,
        event_name
    from {{ events }}
    {%- endif %}

),
{%- endfor %}

expected as (

    {%- for unit in ['session', 'user'] %}
    select
        '{{ unit }}' as path_unit,
        event_name as node_name,
        count(*) as expected_units
    from {{ unit }}_events
    group by 1, 2
    union all
    select
        '{{ unit }}' as path_unit,
        synthetic_nodes.node_name,
        unit_counts.unit_count as expected_units
    from (select count(distinct unit_id) as unit_count from {{ unit }}_events) as unit_counts
    cross join (select '$start' as node_name union all select '$end' as node_name) as synthetic_nodes
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

outgoing as (

    select
        path_unit,
        from_event_name as node_name,
        sum(transition_count) as outgoing_units
    from {{ model }}
    group by 1, 2

),

incoming as (

    select
        path_unit,
        to_event_name as node_name,
        sum(transition_count) as incoming_units
    from {{ model }}
    group by 1, 2

)

select
    expected.path_unit,
    expected.node_name,
    expected.expected_units,
    outgoing.outgoing_units,
    incoming.incoming_units
from expected
left join outgoing
    on expected.path_unit = outgoing.path_unit
    and expected.node_name = outgoing.node_name
left join incoming
    on expected.path_unit = incoming.path_unit
    and expected.node_name = incoming.node_name
where
    (expected.node_name <> '$end' and coalesce(outgoing.outgoing_units, -1) <> expected.expected_units)
    or (expected.node_name <> '$start' and coalesce(incoming.incoming_units, -1) <> expected.expected_units)

{% endtest %}
