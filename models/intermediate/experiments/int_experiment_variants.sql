{#- One row per declared experiment and variant (journey__experiments), with its settings. -#}
{%- set experiments = journey.experiment_configs() -%}
{%- set double = journey.segment_type_double() -%}

with declared as (
    {%- for e in experiments %}
        {%- for v in e.variant_list %}
            select
                {{ journey.experiment_literal(e.name) }} as experiment_name,
                {{ journey.experiment_literal(v.name) }} as variant,
                cast({{ v.share }} as {{ double }}) as declared_share,
                {{ 'true' if v.name == e.control else 'false' }} as is_control,
                {{ journey.experiment_literal(e.exposure_event) }} as exposure_event,
                {{ journey.experiment_literal(e.experiment_key) }} as experiment_key,
                {{ journey.experiment_literal(e.correction) }} as correction,
                cast({{ e.confidence_level }} as {{ double }}) as confidence_level,
                cast({{ e.power }} as {{ double }}) as power,
                {{ 'true' if e.sequential else 'false' }} as is_sequential,
                cast({{ e.sequential_tuning_n }} as {{ double }}) as sequential_tuning_n
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
    {%- if experiments | length == 0 %}
        select
            cast(null as {{ dbt.type_string() }}) as experiment_name,
            cast(null as {{ dbt.type_string() }}) as variant,
            cast(null as {{ double }}) as declared_share,
            cast(null as boolean) as is_control,
            cast(null as {{ dbt.type_string() }}) as exposure_event,
            cast(null as {{ dbt.type_string() }}) as experiment_key,
            cast(null as {{ dbt.type_string() }}) as correction,
            cast(null as {{ double }}) as confidence_level,
            cast(null as {{ double }}) as power,
            cast(null as boolean) as is_sequential,
            cast(null as {{ double }}) as sequential_tuning_n
        -- BigQuery refuses WHERE without FROM
        from (select 1 as placeholder) as no_rows
        where 1 = 0
    {%- endif %}
)

select * from declared
