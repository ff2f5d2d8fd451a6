{#- The experiment results, typed for their contract (computed in int_experiment_results_computed). -#}
with computed as (
    select * from {{ ref('int_experiment_results_computed') }}
),

final as (
    select
        cast(result_id as {{ dbt.type_string() }}) as result_id,
        cast(experiment_name as {{ dbt.type_string() }}) as experiment_name,
        cast(metric_name as {{ dbt.type_string() }}) as metric_name,
        cast(variant as {{ dbt.type_string() }}) as variant,
        cast(control_variant as {{ dbt.type_string() }}) as control_variant,
        cast(metric_type as {{ dbt.type_string() }}) as metric_type,
        cast(method as {{ dbt.type_string() }}) as method,  -- noqa: RF04
        cast(direction as {{ dbt.type_string() }}) as direction,
        cast(is_guardrail as boolean) as is_guardrail,
        cast(units_control as bigint) as units_control,
        cast(units_variant as bigint) as units_variant,
        cast(mean_control as {{ journey.segment_type_double() }}) as mean_control,
        cast(mean_variant as {{ journey.segment_type_double() }}) as mean_variant,
        cast(absolute_effect as {{ journey.segment_type_double() }}) as absolute_effect,
        cast(absolute_ci_lower as {{ journey.segment_type_double() }}) as absolute_ci_lower,
        cast(absolute_ci_upper as {{ journey.segment_type_double() }}) as absolute_ci_upper,
        cast(relative_effect as {{ journey.segment_type_double() }}) as relative_effect,
        cast(relative_ci_lower as {{ journey.segment_type_double() }}) as relative_ci_lower,
        cast(relative_ci_upper as {{ journey.segment_type_double() }}) as relative_ci_upper,
        cast(degrees_of_freedom as {{ journey.segment_type_double() }}) as degrees_of_freedom,
        cast(p_value as {{ journey.segment_type_double() }}) as p_value,
        cast(p_value_adjusted as {{ journey.segment_type_double() }}) as p_value_adjusted,
        cast(correction as {{ dbt.type_string() }}) as correction,
        cast(confidence_level as {{ journey.segment_type_double() }}) as confidence_level,
        cast(mde_absolute as {{ journey.segment_type_double() }}) as mde_absolute,
        cast(mde_relative as {{ journey.segment_type_double() }}) as mde_relative,
        cast(is_significant as boolean) as is_significant,
        cast(is_guardrail_breach as boolean) as is_guardrail_breach,
        cast(is_srm_flagged as boolean) as is_srm_flagged,
        cast(is_trustworthy as boolean) as is_trustworthy,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(status_reason as {{ dbt.type_string() }}) as status_reason
    from computed
)

select * from final
