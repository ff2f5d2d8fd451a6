{{ config(materialized='table') }}

{#-
    One row per rule-defined cohort (var journey__power_user_rules, macro power_user_rules) and
    member of the power-user population. Per rule: the measure (events, distinct days or
    distinct values of a property) is computed per period of period_days counted back from the
    as-of date within the lookback window; a user qualifies when the measure reaches min_value
    in at least min_share_of_periods of their periods (the window's periods on or after the
    period of their first-seen day).
-#}
{%- set rules = journey.power_user_rules() -%}

with population as (

    select * from {{ ref('int_segments_user_metrics') }}

),

events as (

    select * from {{ ref('fct_events') }}

),

{% for rule in rules %}
{%- set cte = 'rule_' ~ loop.index %}
{%- set measure_sql = {
    'events': 'count(*)',
    'distinct_days': 'count(distinct events.event_date)',
    'distinct_property': 'count(distinct ' ~ journey.json_extract_string('events.properties', rule.property or 'x') ~ ')',
    'max_property': 'max(' ~ journey.try_cast(journey.json_extract_string('events.properties', rule.property or 'x'), journey.segment_type_double()) ~ ')',
}[rule.measure] -%}
{%- set days_back = dbt.datediff('events.event_date', 'population.as_of_date', 'day') -%}
{%- set user_days = dbt.datediff('population.first_seen_date', 'population.as_of_date', 'day') -%}

{{ cte }}_periods as (

    select
        population.user_id,
        {% if rule.period_days -%}
            floor({{ days_back }} / {{ rule.period_days }}) as period_index,
        {%- else -%}
            0 as period_index,
        {%- endif %}
        {{ measure_sql }} as measure_value
    from population
    inner join events
        on population.user_id = events.user_id
    where
        events.event_name in ('{{ rule.event_names | join("', '") }}')
        and events.event_date <= population.as_of_date
        {% if rule.lookback_days -%}
            and {{ days_back }} < {{ rule.lookback_days }}
        {%- endif %}
    group by 1, 2

),

{{ cte }}_users as (

    select
        population.user_id,
        cast(sum(case when periods.measure_value >= {{ rule.min_value }} then 1 else 0 end)
            as {{ dbt.type_bigint() }}) as qualifying_periods,
        {% if not rule.period_days -%}
            cast(1 as {{ dbt.type_bigint() }}) as eligible_periods,
        {%- elif rule.lookback_days -%}
            cast(least(
                floor(({{ rule.lookback_days }} - 1) / {{ rule.period_days }}) + 1,
                floor({{ user_days }} / {{ rule.period_days }}) + 1
            ) as {{ dbt.type_bigint() }}) as eligible_periods,
        {%- else -%}
            cast(floor({{ user_days }} / {{ rule.period_days }}) + 1 as {{ dbt.type_bigint() }}) as eligible_periods,
        {%- endif %}
        max(periods.measure_value) as peak_measure_value
    from population
    inner join {{ cte }}_periods as periods
        on population.user_id = periods.user_id
    group by population.user_id, population.as_of_date, population.first_seen_date

),

{{ cte }}_members as (

    select
        '{{ rule.name }}' as cohort_name,
        'rule' as cohort_type,
        '{{ dbt.escape_single_quotes(rule.description) }}' as cohort_description,
        user_id,
        cast(1.0 * qualifying_periods / eligible_periods as {{ dbt.type_numeric() }}) as qualifying_value,
        'share of periods with {{ rule.measure }} >= {{ rule.min_value }}' as qualifying_metric
    from {{ cte }}_users
    where qualifying_periods >= {{ rule.min_share_of_periods }} * eligible_periods

),

{% endfor %}

final as (

    {% for rule in rules -%}
        select * from rule_{{ loop.index }}_members
        {% if not loop.last %}union all{% endif %}
    {% else -%}
        select
            cast(null as {{ dbt.type_string() }}) as cohort_name,
            cast(null as {{ dbt.type_string() }}) as cohort_type,
            cast(null as {{ dbt.type_string() }}) as cohort_description,
            cast(null as {{ dbt.type_string() }}) as user_id,
            cast(null as {{ dbt.type_numeric() }}) as qualifying_value,
            cast(null as {{ dbt.type_string() }}) as qualifying_metric
        from population
        where 1 = 0
    {%- endfor %}

)

select * from final
