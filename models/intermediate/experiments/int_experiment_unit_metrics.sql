{#-
    One row per experiment, metric and assigned unit (excluded units left out): the metric's
    per-unit value (metric_value), its second variable (covariate_value: the ratio's denominator
    or the CUPED pre-exposure covariate, else 0) and whether the metric's window had ended by
    the last event in the data (units whose window is still open are not measured).
-#}
{#- experiments without metrics have nothing to measure here -#}
{%- set experiments = journey.experiment_configs() | selectattr('metric_list') | list -%}
{%- set double = journey.segment_type_double() -%}
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

    events as (
        select
            user_id,
            event_name,
            event_at,
            event_date,
            session_id,
            revenue,
            properties
        from {{ ref('fct_events') }}
    ),

    data_end as (
        select max(event_at) as data_end_at from events
    ),
{%- endif %}
{% for e in experiments %}
    {%- set lookback = [0] -%}
    {%- for m in e.metric_list if m.cuped is not none -%}
        {%- do lookback.append(-m.cuped.start_seconds) -%}
    {%- endfor -%}
    {%- set horizon = [1] -%}
    {%- for m in e.metric_list -%}
        {%- do horizon.append(m.window_end_seconds) -%}
    {%- endfor %}
    joined_{{ loop.index }} as (
        -- {{ e.name }}: each assigned unit's events from the longest CUPED lookback to the longest window
        select
            assignments.user_id,
            assignments.variant,
            {{ journey.seconds_between('assignments.exposed_at', 'data_end.data_end_at') }} as seconds_observed,
            events.event_name,
            events.event_date,
            events.session_id,
            events.revenue,
            events.properties,
            {{ journey.seconds_between('assignments.exposed_at', 'events.event_at') }} as seconds_after_exposure
        from assignments
        cross join data_end
        inner join events
            on assignments.user_id = events.user_id
        where
            assignments.experiment_name = {{ journey.experiment_literal(e.name) }}
            and {{ journey.seconds_between('assignments.exposed_at', 'events.event_at') }} >= -{{ lookback | max }}
            and {{ journey.seconds_between('assignments.exposed_at', 'events.event_at') }} < {{ horizon | max }}
        union all
        -- every unit once more with no event, so that a unit without events is measured (as 0)
        select
            assignments.user_id,
            assignments.variant,
            {{ journey.seconds_between('assignments.exposed_at', 'data_end.data_end_at') }} as seconds_observed,
            null as event_name,
            null as event_date,
            null as session_id,
            null as revenue,
            null as properties,
            null as seconds_after_exposure
        from assignments
        cross join data_end
        where assignments.experiment_name = {{ journey.experiment_literal(e.name) }}
    ),

    per_unit_{{ loop.index }} as (
        select
            user_id,
            variant,
            {%- for m in e.metric_list %}
                {%- set x = m.x if m.x is not none else m.cuped %}
                {{ journey.experiment_metric_aggregate(m.y) }} as metric_{{ loop.index }}_y,
                {{ journey.experiment_metric_aggregate(x) if x is not none else '0' }} as metric_{{ loop.index }}_x,
            {%- endfor %}
            seconds_observed
        from joined_{{ loop.index }}
        group by user_id, variant, seconds_observed
    ),

    metrics_{{ loop.index }} as (
        {%- for m in e.metric_list %}
            select
                {{ loop.index }} as metric_index,
                {{ journey.experiment_literal(m.name) }} as metric_name,
                {{ m.window_end_seconds }} as window_seconds
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ),
{% endfor %}

-- one reference per experiment: its units crossed with its metrics, each row picking its columns
unit_metrics as (
    {%- for e in experiments %}
        {%- set e_index = loop.index %}
        select
            {{ journey.experiment_literal(e.name) }} as experiment_name,
            metric_list.metric_name,
            per_unit.user_id,
            per_unit.variant,
            cast(case metric_list.metric_index
                {%- for m in e.metric_list %}
                    when {{ loop.index }} then per_unit.metric_{{ loop.index }}_y
                {%- endfor %}
            end as {{ double }}) as metric_value,
            cast(case metric_list.metric_index
                {%- for m in e.metric_list %}
                    when {{ loop.index }} then per_unit.metric_{{ loop.index }}_x
                {%- endfor %}
            end as {{ double }}) as covariate_value,
            per_unit.seconds_observed >= metric_list.window_seconds as is_window_complete
        from per_unit_{{ e_index }} as per_unit
        cross join metrics_{{ e_index }} as metric_list
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
    {%- if experiments | length == 0 %}
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
