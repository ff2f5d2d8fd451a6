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
{%- set column_names = [] -%}
{%- set empty_columns = [] -%}
{%- for c in journey.funnel_attempt_columns() -%}
    {%- do column_names.append(c[0]) -%}
    {%- do empty_columns.append('cast(null as ' ~ c[1] ~ ') as ' ~ c[0]) -%}
{%- endfor -%}
{#- one chain of CTEs per funnel, each ending in f<n>_final; none declared: an empty select -#}
{%- set funnel_ctes = [] -%}
{%- set finals = [] -%}
{%- for f in funnels -%}
    {%- do funnel_ctes.append(journey.funnel_attempts_ctes(f, 'f' ~ loop.index ~ '_') ~ ',\n\n') -%}
    {%- do finals.append('select * from f' ~ loop.index ~ '_final') -%}
{%- endfor -%}
{%- if funnels | length == 0 -%}
    {%- do finals.append('select ' ~ (empty_columns | join(', ')) ~ ' from (select 1 as no_funnels) as empty_funnels where 1 = 0') -%}
{%- endif %}

with {{ funnel_ctes | join('') }}unioned as (

    {{ finals | join('\n    union all\n    ') }}

),

final as (

    select
        {{ column_names | join(',\n        ') }}
    from unioned

)

select * from final
