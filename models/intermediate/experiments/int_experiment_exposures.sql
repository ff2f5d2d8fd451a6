{{ config(materialized='table') }}

{#-
    One row per exposure event of a declared experiment: the unit (stitched user), the variant
    its properties name and when. Every exposure is kept; fct_experiment_assignments picks the
    first and flags units seen in more than one variant.
-#}
{%- set experiments = journey.experiment_configs() -%}

with events as (
    select
        event_name,
        event_at,
        user_id,
        properties
    from {{ ref('fct_events') }}
    {%- if experiments | length > 0 %}
        where event_name in (
            {%- for name in experiments | map(attribute='exposure_event') | unique -%}
                {{ journey.experiment_literal(name) }}{{ ', ' if not loop.last }}
            {%- endfor -%}
        )
    {%- endif %}
),

exposures as (
    {%- for e in experiments %}
        select
            {{ journey.experiment_literal(e.name) }} as experiment_name,
            user_id,
            {{ journey.json_extract_string('properties', e.variant_property) }} as variant,
            event_at as exposed_at
        from events
        where
            event_name = {{ journey.experiment_literal(e.exposure_event) }}
            and {{ journey.json_extract_string('properties', e.experiment_key_property) }}
            = {{ journey.experiment_literal(e.experiment_key) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
    {%- if experiments | length == 0 %}
        select
            cast(null as {{ dbt.type_string() }}) as experiment_name,
            user_id,
            cast(null as {{ dbt.type_string() }}) as variant,
            event_at as exposed_at
        from events
        where 1 = 0
    {%- endif %}
)

select * from exposures
