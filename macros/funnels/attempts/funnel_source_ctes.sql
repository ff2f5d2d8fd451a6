{#-
    CTEs <prefix>source and <prefix>filtered of an ordered or any-order funnel: the events of
    the funnel's event names that fill a step or an exclusion.
-#}
{% macro funnel_source_ctes(funnel, ctx) -%}
{%- set p = ctx.p -%}
{%- set bigint_type = ctx.bigint_type -%}
{%- set any_match = ctx.any_match -%}
{%- set name_literals = ctx.name_literals -%}
{%- set source_columns = ctx.source_columns -%}
{{ p }}source as (

    select{{ source_columns }}
    from {{ ref('fct_events') }}
    where event_name in ({{ name_literals | join(', ') }})

),

{{ p }}filtered as (

    -- events that fill a step or an exclusion of the funnel
    select
        {{ p }}source.*,
        cast(null as {{ bigint_type }}) as strict_rank
    from {{ p }}source
    where {{ any_match | join(' or ') }}

),
{%- endmacro %}
