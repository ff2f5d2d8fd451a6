{#-
    One row per answered cancellation survey, typed: user, cancellation time (UTC) and the
    reason, lower-cased and trimmed. Without a survey file (var
    journey__crm_cancellation_survey_path null) the model is empty, with the same columns.
-#}
{%- set path = journey.journey_var('journey__crm_cancellation_survey_path') -%}

{% if path %}
    with source as (

        select * from {{ journey.resolved_source(source('crm', 'cancellation_survey')) }}

    ),

    typed as (

        select
            {{ journey.try_cast('user_id', dbt.type_string()) }} as user_id,
            {{ journey.try_cast('cancelled_at', dbt.type_timestamp()) }} as cancelled_at,
            lower(trim({{ journey.try_cast('reason', dbt.type_string()) }})) as survey_reason
        from source

    )

    select *
    from typed
    where user_id is not null and cancelled_at is not null
{% else %}
    select
        cast(null as {{ dbt.type_string() }}) as user_id,
        cast(null as {{ dbt.type_timestamp() }}) as cancelled_at,
        cast(null as {{ dbt.type_string() }}) as survey_reason
    where false
{% endif %}
