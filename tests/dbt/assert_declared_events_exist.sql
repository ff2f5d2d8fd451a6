{{ config(severity='warn') }}
{#-
    One row (a warning) per event name that a funnel, path, retention, attribution or segments
    declaration uses but that is neither a canonical name of the taxonomy seed nor ever seen in
    fct_events: almost always a typo, which would otherwise build empty results. Each is also
    logged as a warning that names the event and the declaration.
-#}
{%- set text = dbt.type_string() -%}
{#- one select per declared name (a typed empty select when nothing is declared) -#}
{%- set rows = [] -%}
{%- for d in journey.declared_events() -%}
    {%- do rows.append(
        "select\n        cast('" ~ d.event ~ "' as " ~ text ~ ") as event_name,\n"
        ~ "        cast('" ~ d.declared_in ~ "' as " ~ text ~ ") as declared_in"
    ) -%}
{%- endfor -%}
{%- if rows | length == 0 -%}
    {%- do rows.append(
        "select\n        cast(null as " ~ text ~ ") as event_name,\n"
        ~ "        cast(null as " ~ text ~ ") as declared_in\n    where 1 = 0"
    ) -%}
{%- endif %}

{% set unknown_sql %}
with declared as (

    {{ rows | join('\n    union all\n    ') }}

),

known as (

    select event_name from {{ ref('journey_event_taxonomy') }}
    union all
    select event_name from {{ ref('fct_events') }}

),

unknown as (

    select
        declared.event_name,
        declared.declared_in
    from declared
    where not exists (
        select 1 from known
        where known.event_name = declared.event_name
    )

)

select * from unknown
{% endset %}

{#- the offline BigQuery compile has no warehouse to ask -#}
{%- if execute and not journey.journey_var('journey__offline_compile')
    and load_relation(ref('fct_events')) is not none
    and load_relation(ref('journey_event_taxonomy')) is not none -%}
    {%- for row in run_query(unknown_sql).rows -%}
        {%- do exceptions.warn(
            "journey: " ~ row[1] ~ " uses the event '" ~ row[0] ~ "', which is neither in the taxonomy "
            ~ "(seed journey_event_taxonomy) nor ever seen in fct_events: a typo? Its results will be empty."
        ) -%}
    {%- endfor -%}
{%- endif %}

{{ unknown_sql }}
