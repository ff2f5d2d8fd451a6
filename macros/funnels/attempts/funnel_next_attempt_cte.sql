{#-
    CTE <prefix>next_attempt (count_by attempts): the first entry after each attempt ended,
    after its conversion or exclusion event, at its strict breaking event, or after it timed
    out (Mixpanel's total conversions).
-#}
{% macro funnel_next_attempt_cte(funnel, ctx) -%}
{%- set p = ctx.p -%}
{%- set order = ctx.order -%}
{%- set string_type = ctx.string_type -%}
{%- set bigint_type = ctx.bigint_type -%}
{%- set probe_sql -%}
            select
                unit_id,
                held_key,
                attempt_id,
                case
                    when exclusion_rank is not null then exclusion_at
                    when is_converted then converted_at
                    {%- if order == 'strict' %}
                    when break_rank is not null then break_at
                    {%- endif %}
                    else open_until_at
                end as sort_at,
                case
                    when exclusion_rank is not null or is_converted then 1
                    {%- if order == 'strict' %}
                    when break_rank is not null then 1
                    {%- endif %}
                    else 2
                end as sort_group,
                case
                    when exclusion_rank is not null then exclusion_rank
                    when is_converted then conversion_rank
                    {%- if order == 'strict' %}
                    when break_rank is not null then break_rank
                    {%- endif %}
                    else 0
                end as sort_rank,
                case
                    when exclusion_rank is not null or is_converted then 1
                    {%- if order == 'strict' %}
                    when break_rank is not null then -1
                    {%- endif %}
                    else 0
                end as sort_tie,
                cast(null as {{ bigint_type }}) as candidate_rank
            from {{ p }}excluded
            where exclusion_rank is not null or is_converted or open_until_at is not null
                {%- if order == 'strict' %} or break_rank is not null{% endif %}
{%- endset -%}
{%- set target_sql -%}
            select
                unit_id,
                held_key,
                cast(null as {{ string_type }}) as attempt_id,
                event_at as sort_at,
                1 as sort_group,
                unit_rank as sort_rank,
                0 as sort_tie,
                unit_rank as candidate_rank
            from {{ p }}events
            where is_entry
{%- endset %}

{{ p }}next_attempt as (

    -- the first entry after the attempt ended: after its conversion or exclusion event, at
    -- its strict breaking event, or after it timed out (Mixpanel's total conversions)
    {{ journey.funnel_next_match_sql(probe_sql, target_sql) }}

),
{%- endmacro %}
