{{
    config(
        materialized='table',
    )
}}

-- depends_on: {{ ref('fct_events') }}

{#-
    One row per funnel attempt: every entry event of every funnel declared in
    var('journey__funnels'), evaluated step by step (see macro funnel_attempts_ctes for the
    matching rules). fct_funnel_units picks the counted attempts from here.
-#}
{%- set funnels = journey.funnel_configs() -%}
{%- set columns = journey.funnel_attempt_columns() -%}

{%- if funnels | length == 0 %}

with final as (

    select
        {%- for c in columns %}
        cast(null as {{ c[1] }}) as {{ c[0] }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (select 1 as no_funnels) as empty_funnels
    where 1 = 0

)

{%- else %}

with

{%- for f in funnels %}
{{ journey.funnel_attempts_ctes(f, 'f' ~ loop.index ~ '_') }},
{%- endfor %}

unioned as (

    {%- for f in funnels %}
    select * from f{{ loop.index }}_final
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select
        {%- for c in columns %}
        {{ c[0] }}{{ ',' if not loop.last }}
        {%- endfor %}
    from unioned

)

{%- endif %}

select * from final
