with exposures as (
    select * from {{ ref('int_experiment_exposures') }}
),

variants as (
    select * from {{ ref('int_experiment_variants') }}
),

ranked as (
    select
        experiment_name,
        user_id,
        variant,
        exposed_at,
        row_number() over (
            partition by experiment_name, user_id
            order by exposed_at, variant
        ) as exposure_rank
    from exposures
),

per_unit as (
    select
        experiment_name,
        user_id,
        min(exposed_at) as first_exposed_at,
        count(*) as exposure_count,
        -- a missing variant property counts as a variant of its own
        count(distinct coalesce(variant, '(missing)')) as variant_count
    from exposures
    group by experiment_name, user_id
),

assigned as (
    select
        per_unit.experiment_name,
        per_unit.user_id,
        ranked.variant,
        per_unit.first_exposed_at,
        per_unit.exposure_count,
        per_unit.variant_count,
        variants.variant is not null as is_declared_variant
    from per_unit
    inner join ranked
        on
            per_unit.experiment_name = ranked.experiment_name
            and per_unit.user_id = ranked.user_id
            and ranked.exposure_rank = 1
    left join variants
        on
            ranked.experiment_name = variants.experiment_name
            and ranked.variant = variants.variant
),

final as (
    select
        {{ dbt.concat(['experiment_name', "'|'", 'user_id']) }} as assignment_id,
        experiment_name,
        user_id,
        variant,
        first_exposed_at as exposed_at,
        cast(exposure_count as bigint) as exposure_count,
        cast(variant_count as bigint) as variant_count,
        is_declared_variant,
        case
            when variant_count > 1 then 'multiple_variants'
            when variant is null then 'missing_variant'
            when not is_declared_variant then 'undeclared_variant'
        end as exclusion_reason,
        (variant_count > 1 or variant is null or not is_declared_variant) as is_excluded
    from assigned
)

select * from final
