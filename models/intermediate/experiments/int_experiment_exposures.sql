{{ config(materialized='table') }}

{#-
    One row per exposure event of a declared experiment: the unit (stitched user), the variant
    its properties name and when. Every exposure is kept; fct_experiment_assignments picks the
    first and flags units seen in more than one variant. The experiment key and variant are
    extracted from the properties once per distinct pair of property keys (not once per
    experiment), then matched to the declarations by an equi-join.
-#}
{%- set experiments = journey.experiment_configs() -%}
{%- set pairs = [] -%}
{%- for e in experiments -%}
    {%- if [e.experiment_key_property, e.variant_property] not in pairs -%}
        {%- do pairs.append([e.experiment_key_property, e.variant_property]) -%}
    {%- endif -%}
{%- endfor -%}

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
{%- if experiments | length > 0 %}

    extracted as (
        {%- for key_property, variant_property in pairs %}
            select
                events.event_name,
                events.event_at,
                events.user_id,
                {{ loop.index }} as pair_index,
                {{ journey.json_extract_string('events.properties', key_property) }} as experiment_key,
                {{ journey.json_extract_string('events.properties', variant_property) }} as variant
            from events
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ),

    declared as (
        {%- for e in experiments %}
            select
                {{ journey.experiment_literal(e.name) }} as experiment_name,
                {{ journey.experiment_literal(e.exposure_event) }} as exposure_event,
                {{ journey.experiment_literal(e.experiment_key) }} as experiment_key,
                {{ pairs.index([e.experiment_key_property, e.variant_property]) + 1 }} as pair_index
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ),
{%- endif %}

exposures as (
    {%- if experiments | length > 0 %}
        select
            declared.experiment_name,
            extracted.user_id,
            extracted.variant,
            extracted.event_at as exposed_at
        from extracted
        inner join declared
            on
                extracted.event_name = declared.exposure_event
                and extracted.experiment_key = declared.experiment_key
                and extracted.pair_index = declared.pair_index
    {%- else %}
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
