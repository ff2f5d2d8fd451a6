{#- The sample-ratio check, typed for its contract (computed in int_experiment_srm_computed). -#}
with computed as (
    select * from {{ ref('int_experiment_srm_computed') }}
),

final as (
    select
        cast(experiment_name as {{ dbt.type_string() }}) as experiment_name,
        cast(variant as {{ dbt.type_string() }}) as variant,
        cast(declared_share as {{ journey.segment_type_double() }}) as declared_share,
        cast(units as bigint) as units,
        cast(expected_units as {{ journey.segment_type_double() }}) as expected_units,
        cast(units_excluded_multiple_variants as bigint) as units_excluded_multiple_variants,
        cast(chi_square as {{ journey.segment_type_double() }}) as chi_square,
        cast(degrees_of_freedom as bigint) as degrees_of_freedom,
        cast(p_value as {{ journey.segment_type_double() }}) as p_value,
        cast(srm_threshold as {{ journey.segment_type_double() }}) as srm_threshold,
        cast(is_srm as boolean) as is_srm,
        cast(status as {{ dbt.type_string() }}) as status
    from computed
)

select * from final
