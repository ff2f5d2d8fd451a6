{{ config(materialized='table') }}

with variants as (
    select * from {{ ref('int_experiment_variants') }}
),

assignments as (
    select * from {{ ref('fct_experiment_assignments') }}
),

counted as (
    select
        experiment_name,
        variant,
        count(*) as units
    from assignments
    where not is_excluded
    group by experiment_name, variant
),

excluded as (
    select
        experiment_name,
        sum(case when exclusion_reason = 'multiple_variants' then 1 else 0 end) as units_multiple_variants,
        sum(case when is_excluded then 1 else 0 end) as units_excluded
    from assignments
    group by experiment_name
),

final as (
    select
        variants.experiment_name,
        variants.variant,
        variants.declared_share,
        variants.is_control,
        cast(coalesce(counted.units, 0) as bigint) as units,
        cast(coalesce(excluded.units_multiple_variants, 0) as bigint) as units_excluded_multiple_variants,
        cast(coalesce(excluded.units_excluded, 0) as bigint) as units_excluded
    from variants
    left join counted
        on
            variants.experiment_name = counted.experiment_name
            and variants.variant = counted.variant
    left join excluded
        on variants.experiment_name = excluded.experiment_name
)

select * from final
