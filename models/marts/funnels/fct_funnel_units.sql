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

    The chain of attempts is a recursive CTE (BigQuery allows 500 iterations: at most 500
    attempts per user and held value there).
-#}
{%- set funnels = journey.funnel_configs() -%}
{%- set string_type = dbt.type_string() -%}
{%- set policy_orders = {
    'first': 'entry_rank asc',
    'latest': 'furthest_step_index desc, steps_reached desc, entry_rank desc',
    'furthest': 'furthest_step_index desc, steps_reached desc, entry_rank asc',
} -%}
{%- set unit_funnels = [] -%}
{%- set attempt_funnel_names = [] -%}
{%- set attempt_user_removal_names = [] -%}
{%- for f in funnels -%}
    {%- if f.count_by == 'attempts' -%}
        {%- do attempt_funnel_names.append(journey.funnel_literal(f.name)) -%}
        {%- if f.exclusion_removes == 'user' -%}
            {%- do attempt_user_removal_names.append(journey.funnel_literal(f.name)) -%}
        {%- endif -%}
    {%- else -%}
        {%- do unit_funnels.append(f) -%}
    {%- endif -%}
{%- endfor -%}
{%- set has_attempts = attempt_funnel_names | length > 0 -%}
{%- set picked_columns = [
    'funnel_name', 'attempt_id', 'user_id', 'session_id', 'held_value', 'breakdown_value',
    'entered_at', 'entry_date', 'steps_reached', 'furthest_step_index', 'last_step_index',
    'dropped_before_step_index', 'is_converted', 'converted_at',
] -%}
{%- set step_columns = [] -%}
{%- for k in range(1, 11) -%}
    {%- do picked_columns.append('step_' ~ k ~ '_at') -%}
    {%- do step_columns.append('picked.step_' ~ k ~ '_at') -%}
{%- endfor %}

with {{ 'recursive ' if has_attempts }}attempts as (

    select * from {{ ref('int_funnel_attempts') }}

),

attempt_keys as (

    -- the few columns that choose the counted attempts (the wide rows are joined once at the end)
    select
        funnel_name,
        attempt_id,
        unit_id,
        entry_rank,
        attempt_number,
        furthest_step_index,
        steps_reached,
        is_excluded,
        next_attempt_id
    from {{ ref('int_funnel_attempts') }}

),

steps as (

    {{ journey.funnel_step_spine(funnels) }}

),

{%- for f in unit_funnels %}

    policy_{{ f.name }} as (

        -- {{ f.name }}: attempt_policy {{ f.attempt_policy }}, exclusion_removes {{ f.exclusion_removes }}
        select
            attempt_id,
            is_excluded,
            row_number() over (
                partition by unit_id order by {{ policy_orders[f.attempt_policy] }}
            ) as policy_rank
        from attempt_keys
        where
            funnel_name = {{ journey.funnel_literal(f.name) }}
            and {{ 'not is_excluded' if f.exclusion_removes == 'attempt' else 'true' }}

    ),
{%- endfor %}

attempt_links as (

    -- only the funnels that count attempts: the recursion joins this once per chain step
    select
        funnel_name,
        attempt_id,
        attempt_number,
        next_attempt_id
    from attempt_keys
    where funnel_name in ({{ (attempt_funnel_names or ["''"]) | join(', ') }})

),

attempt_chain as (

    -- every part's first attempt, then each next attempt in turn
    select
        funnel_name,
        attempt_id,
        next_attempt_id
    from attempt_links
    where attempt_number = 1
    {%- if has_attempts %}
        union all
        select
            attempt_links.funnel_name,
            attempt_links.attempt_id,
            attempt_links.next_attempt_id
        from attempt_links
        inner join attempt_chain
            on
                attempt_links.funnel_name = attempt_chain.funnel_name
                and attempt_links.attempt_id = attempt_chain.next_attempt_id
    {%- endif %}

),

chained as (

    select attempt_keys.*
    from attempt_keys
    inner join attempt_chain
        on
            attempt_keys.funnel_name = attempt_chain.funnel_name
            and attempt_keys.attempt_id = attempt_chain.attempt_id

),

users_with_excluded_attempt as (

    select distinct
        funnel_name,
        unit_id
    from chained
    where is_excluded

),

picks as (

    -- counting attempts: the chain, less excluded attempts (or users, exclusion_removes user)
    select
        chained.funnel_name,
        chained.attempt_id,
        cast('attempts' as {{ string_type }}) as count_by,
        chained.attempt_id as unit_id
    from chained
    left join users_with_excluded_attempt
        on
            chained.funnel_name = users_with_excluded_attempt.funnel_name
            and chained.unit_id = users_with_excluded_attempt.unit_id
    where
        case
            when chained.funnel_name in ({{ (attempt_user_removal_names or ["''"]) | join(', ') }})
                then users_with_excluded_attempt.unit_id is null
            else not chained.is_excluded
        end
    {%- for f in unit_funnels %}
        union all
        -- {{ f.name }}: the attempt the policy picked
        select
            cast({{ journey.funnel_literal(f.name) }} as {{ string_type }}) as funnel_name,
            attempt_id,
            cast({{ journey.funnel_literal(f.count_by) }} as {{ string_type }}) as count_by,
            cast(null as {{ string_type }}) as unit_id
        from policy_{{ f.name }}
        where
            policy_rank = 1
            and {{ 'not is_excluded' if f.exclusion_removes == 'user' else 'true' }}
    {%- endfor %}

),

picked as (

    select
        picks.count_by,
        coalesce(picks.unit_id, attempts.unit_id) as unit_id,
        attempts.{{ picked_columns | join(',\n        attempts.') }}
    from picks
    inner join attempts
        on
            picks.funnel_name = attempts.funnel_name
            and picks.attempt_id = attempts.attempt_id

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
        cast({{ journey.seconds_between('picked.entered_at', 'picked.converted_at') }} as numeric(28, 6))
            as seconds_to_convert,
        {{ step_columns | join(',\n        ') }}
    from picked
    left join steps as last_step
        on
            picked.funnel_name = last_step.funnel_name
            and picked.last_step_index = last_step.step_index
    left join steps as dropped_step
        on
            picked.funnel_name = dropped_step.funnel_name
            and picked.dropped_before_step_index = dropped_step.step_index

)

select * from final
