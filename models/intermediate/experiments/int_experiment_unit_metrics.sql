{#-
    One row per experiment, metric and assigned unit (excluded units left out): the metric's
    per-unit value (metric_value), its second variable (covariate_value: the ratio's denominator
    or the CUPED pre-exposure covariate, else 0) and whether the metric's window had ended by
    the last event in the data (units whose window is still open are not measured).

    Cost: one pass over fct_events, kept to the assigned units and the metric events; one join
    of every experiment's units with those events (inside each experiment's longest CUPED
    lookback and longest window, a range condition of the join); one aggregate per unit and
    experiment (grouped on a compact integer unit key, not the experiment, user and variant
    strings) that measures every distinct metric component once (components shared by
    experiments or metrics are computed once; distinct sessions and active days without
    count(distinct) where experiment_metric_aggregate can: the columns event_index,
    session_start_seconds and day_offset serve it); then each unit's row per metric picks its
    components (an equi-join on the experiment, no per-metric scan).
-#}
{#- experiments without metrics have nothing to measure here -#}
{%- set experiments = journey.experiment_configs() | selectattr('metric_list') | list -%}
{%- set double = journey.segment_type_double() -%}
{#- the distinct components (y, ratio denominator, CUPED covariate) of every metric -#}
{%- set components = [] -%}
{%- set component_keys = [] -%}
{%- set event_names = [] -%}
{%- set any_event = [] -%}
{%- set uses_properties = [] -%}
{#- columns only the cheap distinct counts read (experiment_metric_aggregate) -#}
{%- set uses_session_starts = [] -%}
{%- set uses_day_offsets = [] -%}
{%- for e in experiments -%}
    {%- for m in e.metric_list -%}
        {%- for c in [m.y, m.x if m.x is not none else m.cuped] if c is not none -%}
            {%- set key = [c.events, c.agg, c.value, c.start_seconds, c.end_seconds] | string -%}
            {%- if key not in component_keys -%}
                {%- do component_keys.append(key) -%}
                {%- do components.append(c) -%}
            {%- endif -%}
            {%- if c.events -%}
                {%- for name in c.events if name not in event_names -%}
                    {%- do event_names.append(name) -%}
                {%- endfor -%}
            {%- else -%}
                {%- do any_event.append(true) -%}
            {%- endif -%}
            {%- if c.agg == 'sum' and c.value != 'revenue' -%}
                {%- do uses_properties.append(true) -%}
            {%- elif c.agg == 'sessions' and not c.events -%}
                {%- do uses_session_starts.append(true) -%}
            {%- elif c.agg == 'active_days' -%}
                {%- do uses_day_offsets.append(true) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endfor -%}
{{ config(materialized='table') }}

with assignments as (
    select
        experiment_name,
        user_id,
        variant,
        exposed_at
    from {{ ref('fct_experiment_assignments') }}
    where not is_excluded
),

{%- if experiments | length > 0 %}

    data_end as (
        select max(event_at) as data_end_at from {{ ref('fct_events') }}
    ),

    experiment_ranges as (
        -- each experiment's longest CUPED lookback and longest window, in seconds
        {%- for e in experiments %}
            {%- set lookback = [0] -%}
            {%- for m in e.metric_list if m.cuped is not none -%}
                {%- do lookback.append(-m.cuped.start_seconds) -%}
            {%- endfor -%}
            {%- set horizon = [1] -%}
            {%- for m in e.metric_list -%}
                {%- do horizon.append(m.window_end_seconds) -%}
            {%- endfor %}
            select
                {{ journey.experiment_literal(e.name) }} as experiment_name,
                {{ lookback | max }} as lookback_seconds,
                {{ horizon | max }} as horizon_seconds
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ),

    units as (
        select
            assignments.experiment_name,
            assignments.user_id,
            assignments.variant,
            assignments.exposed_at,
            cast(assignments.exposed_at as date) as exposure_date,
            experiment_ranges.lookback_seconds,
            experiment_ranges.horizon_seconds,
            {{ journey.timestamp_add('second', '-experiment_ranges.lookback_seconds', 'assignments.exposed_at') }}
                as range_start_at,
            {{ journey.timestamp_add('second', 'experiment_ranges.horizon_seconds', 'assignments.exposed_at') }}
                as range_end_at,
            {{ journey.seconds_between('assignments.exposed_at', 'data_end.data_end_at') }} as seconds_observed,
            -- a compact key: the big join and aggregate below group on it, not on three strings
            dense_rank() over (
                order by assignments.experiment_name, assignments.user_id
            ) as unit_index
        from assignments
        inner join experiment_ranges
            on assignments.experiment_name = experiment_ranges.experiment_name
        cross join data_end
    ),

    metric_events as (
        -- the one pass over fct_events: the assigned units' metric events only
        select
            user_id,
            event_name,
            event_at,
            event_date,
            session_id,
            -- the session's first event and start: distinct sessions counted without a distinct
            event_index,
            session_started_at,
            revenue,
            {{ 'properties' if uses_properties else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as properties
        from {{ ref('fct_events') }}
        where
            user_id in (select assignments.user_id from assignments)
            {%- if not any_event %}
                and event_name in (
                    {%- for name in event_names -%}
                        {{ journey.experiment_literal(name) }}{{ ', ' if not loop.last }}
                    {%- endfor -%}
                )
            {%- endif %}
    ),

    unit_events as (
        select
            units.unit_index,
            units.lookback_seconds,
            units.horizon_seconds,
            metric_events.event_name,
            metric_events.event_date,
            metric_events.session_id,
            metric_events.event_index,
            metric_events.revenue,
            metric_events.properties,
            {%- if uses_session_starts %}
                {{ journey.seconds_between('units.exposed_at', 'metric_events.session_started_at') }}
                    as session_start_seconds,
            {%- else %}
                cast(null as {{ double }}) as session_start_seconds,
            {%- endif %}
            -- UTC days from the exposure's date: distinct active days counted as bits of one integer
            {%- if uses_day_offsets %}
                {{ dbt.datediff('units.exposure_date', 'metric_events.event_date', 'day') }} as day_offset,
            {%- else %}
                cast(null as {{ dbt.type_int() }}) as day_offset,
            {%- endif %}
            {{ journey.seconds_between('units.exposed_at', 'metric_events.event_at') }} as seconds_after_exposure
        from units
        inner join metric_events
            -- the range in the join keeps the rows outside every window out of the join output
            on
                units.user_id = metric_events.user_id
                and units.range_start_at <= metric_events.event_at
                and units.range_end_at > metric_events.event_at
    ),

    joined as (
        select
            unit_index,
            event_name,
            event_date,
            session_id,
            event_index,
            session_start_seconds,
            day_offset,
            revenue,
            properties,
            seconds_after_exposure
        from unit_events
        where
            seconds_after_exposure >= -lookback_seconds
            and seconds_after_exposure < horizon_seconds
        union all
        -- every unit once more with no event, so that a unit without events is measured (as 0)
        select
            unit_index,
            null as event_name,
            null as event_date,
            null as session_id,
            null as event_index,
            null as session_start_seconds,
            null as day_offset,
            null as revenue,
            null as properties,
            null as seconds_after_exposure
        from units
    ),

    unit_components as (
        select
            {%- for c in components %}
                {{ journey.experiment_metric_aggregate(c) }} as component_{{ loop.index }},
            {%- endfor %}
            unit_index
        from joined
        group by unit_index
    ),

    per_unit as (
        select
            units.experiment_name,
            units.user_id,
            units.variant,
            {%- for c in components %}
                unit_components.component_{{ loop.index }},
            {%- endfor %}
            units.seconds_observed
        from unit_components
        inner join units
            on unit_components.unit_index = units.unit_index
    ),

    metric_list as (
        {%- for e in experiments %}
            {%- set e_loop = loop %}
            {%- for m in e.metric_list %}
                {%- set y = m.y %}
                {%- set x = m.x if m.x is not none else m.cuped %}
                {%- set y_key = [y.events, y.agg, y.value, y.start_seconds, y.end_seconds] | string %}
                {%- set y_index = component_keys.index(y_key) + 1 %}
                {%- set x_index = 0 %}
                {%- if x is not none %}
                    {%- set x_key = [x.events, x.agg, x.value, x.start_seconds, x.end_seconds] | string %}
                    {%- set x_index = component_keys.index(x_key) + 1 %}
                {%- endif %}
                select
                    {{ journey.experiment_literal(e.name) }} as experiment_name,
                    {{ journey.experiment_literal(m.name) }} as metric_name,
                    {{ y_index }} as y_component,
                    {{ x_index }} as x_component,
                    {{ m.window_end_seconds }} as window_seconds
                {%- if not (e_loop.last and loop.last) %}
                    union all
                {%- endif %}
            {%- endfor %}
        {%- endfor %}
    ),
{%- endif %}

unit_metrics as (
    {%- if experiments | length > 0 %}
        -- each unit's row per metric of its experiment picks that metric's components
        select
            per_unit.experiment_name,
            metric_list.metric_name,
            per_unit.user_id,
            per_unit.variant,
            cast(case metric_list.y_component
                {%- for c in components %}
                    when {{ loop.index }} then per_unit.component_{{ loop.index }}
                {%- endfor %}
            end as {{ double }}) as metric_value,
            cast(case metric_list.x_component
                when 0 then 0
                {%- for c in components %}
                    when {{ loop.index }} then per_unit.component_{{ loop.index }}
                {%- endfor %}
            end as {{ double }}) as covariate_value,
            per_unit.seconds_observed >= metric_list.window_seconds as is_window_complete
        from per_unit
        inner join metric_list
            on per_unit.experiment_name = metric_list.experiment_name
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as experiment_name,
            cast(null as {{ dbt.type_string() }}) as metric_name,
            user_id,
            variant,
            cast(null as {{ double }}) as metric_value,
            cast(null as {{ double }}) as covariate_value,
            cast(null as boolean) as is_window_complete
        from assignments
        where 1 = 0
    {%- endif %}
)

select * from unit_metrics
