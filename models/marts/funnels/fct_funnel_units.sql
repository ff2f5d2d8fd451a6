{{
    config(
        materialized='table',
    )
}}

{#-
    One row per counted unit of each funnel: a user or a session (the attempt that
    attempt_policy picks among its attempts) or, with count_by attempts, each attempt in the
    unit's chain of non-overlapping attempts (the next one starts with the first entry after
    the previous one converted, was excluded or timed out).

      first     the earliest attempt (Mixpanel's uniques)
      latest    of the attempts that reach the furthest step, the latest one (PostHog: the
                most recent step-1 event before the next step)
      furthest  of the attempts that reach the furthest step, the earliest one (Amplitude)

    exclusion_removes attempt: excluded attempts are dropped before the pick, so a later clean
    attempt can count. exclusion_removes user: the pick ignores exclusions and a unit whose
    picked attempt is excluded is removed (with count_by attempts: every attempt of a user
    with an excluded attempt is removed).
-#}
{%- set funnels = journey.funnel_configs() -%}
{%- set attempt_funnels = [] -%}
{%- set unit_funnels = [] -%}
{%- for f in funnels -%}
    {%- do (attempt_funnels if f.count_by == 'attempts' else unit_funnels).append(f) -%}
{%- endfor -%}
{%- set string_type = dbt.type_string() -%}
{%- set picked_columns = [
    'funnel_name', 'attempt_id', 'user_id', 'session_id', 'held_value', 'breakdown_value',
    'entered_at', 'entry_date', 'steps_reached', 'furthest_step_index', 'last_step_index',
    'dropped_before_step_index', 'is_converted', 'converted_at',
] -%}
{%- for k in range(1, 11) -%}{%- do picked_columns.append('step_' ~ k ~ '_at') -%}{%- endfor %}

with {{ 'recursive ' if attempt_funnels | length > 0 }}attempts as (

    select * from {{ ref('int_funnel_attempts') }}

),

steps as (

    {{ journey.funnel_step_spine(funnels) }}

),
{%- for f in unit_funnels %}
{%- if f.attempt_policy == 'first' %}
    {%- set policy_order = 'entry_rank asc' %}
{%- elif f.attempt_policy == 'latest' %}
    {%- set policy_order = 'furthest_step_index desc, steps_reached desc, entry_rank desc' %}
{%- else %}
    {%- set policy_order = 'furthest_step_index desc, steps_reached desc, entry_rank asc' %}
{%- endif %}

policy_{{ f.name }} as (

    -- {{ f.name }}: attempt_policy {{ f.attempt_policy }}, exclusion_removes {{ f.exclusion_removes }}
    select
        attempts.*,
        row_number() over (partition by unit_id order by {{ policy_order }}) as policy_rank
    from attempts
    where
        funnel_name = {{ journey.funnel_literal(f.name) }}
        {%- if f.exclusion_removes == 'attempt' %}
        and not is_excluded
        {%- endif %}

),
{%- endfor %}
{%- if attempt_funnels | length > 0 %}

attempt_chain as (

    -- every unit's first attempt per part, then each next attempt in turn
    select
        funnel_name,
        attempt_id,
        next_attempt_id
    from attempts
    where
        attempt_number = 1
        and funnel_name in (
            {%- for f in attempt_funnels %}{{ journey.funnel_literal(f.name) }}{{ ', ' if not loop.last }}{% endfor -%}
        )
    union all
    select
        attempts.funnel_name,
        attempts.attempt_id,
        attempts.next_attempt_id
    from attempts
    inner join attempt_chain
        on attempts.funnel_name = attempt_chain.funnel_name
        and attempts.attempt_id = attempt_chain.next_attempt_id

),

chained as (

    select attempts.*
    from attempts
    inner join attempt_chain
        on attempts.funnel_name = attempt_chain.funnel_name
        and attempts.attempt_id = attempt_chain.attempt_id

),

users_with_excluded_attempt as (

    select distinct
        funnel_name,
        unit_id
    from chained
    where is_excluded

),
{%- endif %}

picked as (

    {%- if funnels | length == 0 %}
    select
        cast(null as {{ string_type }}) as count_by,
        cast(null as {{ string_type }}) as unit_id,
        attempts.{{ picked_columns | join(',\n        attempts.') }}
    from attempts
    where 1 = 0
    {%- endif %}
    {%- for f in funnels %}
    {%- if f.count_by == 'attempts' %}
    select
        cast('attempts' as {{ string_type }}) as count_by,
        chained.attempt_id as unit_id,
        chained.{{ picked_columns | join(',\n        chained.') }}
    from chained
    {%- if f.exclusion_removes == 'user' %}
    left join users_with_excluded_attempt
        on chained.funnel_name = users_with_excluded_attempt.funnel_name
        and chained.unit_id = users_with_excluded_attempt.unit_id
    {%- endif %}
    where
        chained.funnel_name = {{ journey.funnel_literal(f.name) }}
        {%- if f.exclusion_removes == 'user' %}
        and users_with_excluded_attempt.unit_id is null
        {%- else %}
        and not chained.is_excluded
        {%- endif %}
    {%- else %}
    select
        cast({{ journey.funnel_literal(f.count_by) }} as {{ string_type }}) as count_by,
        unit_id,
        {{ picked_columns | join(',\n        ') }}
    from policy_{{ f.name }}
    where
        policy_rank = 1
        {%- if f.exclusion_removes == 'user' %}
        and not is_excluded
        {%- endif %}
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select
        concat(picked.funnel_name, ':', picked.unit_id) as funnel_unit_id,
        picked.funnel_name,
        picked.count_by,
        picked.unit_id,
        picked.user_id,
        picked.session_id,
        picked.attempt_id,
        picked.held_value,
        picked.breakdown_value,
        picked.entered_at,
        picked.entry_date,
        picked.steps_reached,
        picked.furthest_step_index,
        last_step.step_name as furthest_step_name,
        picked.dropped_before_step_index,
        dropped_step.step_name as dropped_before_step_name,
        picked.is_converted,
        picked.converted_at,
        cast({{ journey.seconds_between('picked.entered_at', 'picked.converted_at') }} as numeric(28, 6)) as seconds_to_convert,
        {%- for k in range(1, 11) %}
        picked.step_{{ k }}_at{{ ',' if not loop.last }}
        {%- endfor %}
    from picked
    left join steps as last_step
        on picked.funnel_name = last_step.funnel_name
        and picked.last_step_index = last_step.step_index
    left join steps as dropped_step
        on picked.funnel_name = dropped_step.funnel_name
        and picked.dropped_before_step_index = dropped_step.step_index

)

select * from final
