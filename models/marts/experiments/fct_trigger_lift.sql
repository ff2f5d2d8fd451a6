{#- Trigger lift, typed for its contract (computed in int_trigger_lift_computed). -#}
with computed as (
    select * from {{ ref('int_trigger_lift_computed') }}
),

final as (
    select
        cast(lift_id as {{ dbt.type_string() }}) as lift_id,
        cast(trigger_name as {{ dbt.type_string() }}) as trigger_name,
        cast(step_name as {{ dbt.type_string() }}) as step_name,
        cast(control_arm as {{ dbt.type_string() }}) as control_arm,
        cast(units_treatment as bigint) as units_treatment,
        cast(units_control as bigint) as units_control,
        cast(conversion_rate_treatment as {{ journey.segment_type_double() }}) as conversion_rate_treatment,
        cast(conversion_rate_control as {{ journey.segment_type_double() }}) as conversion_rate_control,
        cast(conversion_lift as {{ journey.segment_type_double() }}) as conversion_lift,
        cast(conversion_lift_ci_lower as {{ journey.segment_type_double() }}) as conversion_lift_ci_lower,
        cast(conversion_lift_ci_upper as {{ journey.segment_type_double() }}) as conversion_lift_ci_upper,
        cast(conversion_relative_lift as {{ journey.segment_type_double() }}) as conversion_relative_lift,
        cast(conversion_p_value as {{ journey.segment_type_double() }}) as conversion_p_value,
        cast(conversion_p_value_adjusted as {{ journey.segment_type_double() }}) as conversion_p_value_adjusted,
        cast(incremental_conversions as {{ journey.segment_type_double() }}) as incremental_conversions,
        cast(
            incremental_conversions_ci_lower as {{ journey.segment_type_double() }}
        ) as incremental_conversions_ci_lower,
        cast(
            incremental_conversions_ci_upper as {{ journey.segment_type_double() }}
        ) as incremental_conversions_ci_upper,
        cast(value_per_unit_treatment as {{ journey.segment_type_double() }}) as value_per_unit_treatment,
        cast(value_per_unit_control as {{ journey.segment_type_double() }}) as value_per_unit_control,
        cast(value_lift as {{ journey.segment_type_double() }}) as value_lift,
        cast(value_lift_ci_lower as {{ journey.segment_type_double() }}) as value_lift_ci_lower,
        cast(value_lift_ci_upper as {{ journey.segment_type_double() }}) as value_lift_ci_upper,
        cast(value_p_value as {{ journey.segment_type_double() }}) as value_p_value,
        cast(incremental_value as {{ journey.segment_type_double() }}) as incremental_value,
        cast(incremental_value_ci_lower as {{ journey.segment_type_double() }}) as incremental_value_ci_lower,
        cast(incremental_value_ci_upper as {{ journey.segment_type_double() }}) as incremental_value_ci_upper,
        cast(confidence_level as {{ journey.segment_type_double() }}) as confidence_level,
        cast(status as {{ dbt.type_string() }}) as status
    from computed
)

select * from final
