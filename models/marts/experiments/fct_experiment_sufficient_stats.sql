{%- set experiments = journey.experiment_configs() -%}
{%- set double = journey.segment_type_double() -%}

with unit_metrics as (
    select * from {{ ref('int_experiment_unit_metrics') }}
),

variants as (
    select * from {{ ref('int_experiment_variants') }}
),

-- the declared metrics of each experiment (every declared variant gets a row, units or not)
declared_metrics as (
    {%- set parts = [] -%}
    {%- for e in experiments -%}
        {%- for m in e.metric_list -%}{%- do parts.append((e, m)) -%}{%- endfor -%}
    {%- endfor -%}
    {%- for e, m in parts %}
        select
            {{ journey.experiment_literal(e.name) }} as experiment_name,
            {{ journey.experiment_literal(m.name) }} as metric_name,
            {{ journey.experiment_literal(m.type) }} as metric_type,
            {{ journey.experiment_literal(m.direction) }} as direction,
            {{ 'true' if m.guardrail else 'false' }} as is_guardrail,
            {{ 'true' if m.cuped is not none else 'false' }} as uses_cuped,
            cast({{ m.winsorize if m.winsorize is not none else 'null' }} as {{ double }}) as winsorize_percentile,
            cast({{ m.window_end_seconds }} as bigint) as window_seconds
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
    {%- if parts | length == 0 %}
        select
            cast(null as {{ dbt.type_string() }}) as experiment_name,
            cast(null as {{ dbt.type_string() }}) as metric_name,
            cast(null as {{ dbt.type_string() }}) as metric_type,
            cast(null as {{ dbt.type_string() }}) as direction,
            cast(null as boolean) as is_guardrail,
            cast(null as boolean) as uses_cuped,
            cast(null as {{ double }}) as winsorize_percentile,
            cast(null as bigint) as window_seconds
        -- BigQuery refuses WHERE without FROM
        from (select 1 as placeholder) as no_rows
        where 1 = 0
    {%- endif %}
),

-- winsorisation caps: the declared percentile of the measured units' values, all variants together
caps as (
    {%- set capped = [] -%}
    {%- for e, m in parts if m.winsorize is not none -%}{%- do capped.append((e, m)) -%}{%- endfor -%}
    {%- for e, m in capped %}
        select
            experiment_name,
            metric_name,
            max(cap_value) as winsorize_cap
        from (
            select
                experiment_name,
                metric_name,
                {{ journey.funnel_percentile(
                    'metric_value', m.winsorize, 'experiment_name, metric_name'
                ) }} as cap_value
            from unit_metrics
            where
                experiment_name = {{ journey.experiment_literal(e.name) }}
                and metric_name = {{ journey.experiment_literal(m.name) }}
                and is_window_complete
        ) as percentiles
        group by experiment_name, metric_name
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
    {%- if capped | length == 0 %}
        select
            experiment_name,
            metric_name,
            cast(null as {{ double }}) as winsorize_cap
        from unit_metrics
        where 1 = 0
    {%- endif %}
),

measured as (
    select
        unit_metrics.experiment_name,
        unit_metrics.metric_name,
        unit_metrics.variant,
        unit_metrics.is_window_complete,
        unit_metrics.covariate_value as x,
        case
            when caps.winsorize_cap is not null and unit_metrics.metric_value > caps.winsorize_cap
                then caps.winsorize_cap
            else unit_metrics.metric_value
        end as y
    from unit_metrics
    left join caps
        on
            unit_metrics.experiment_name = caps.experiment_name
            and unit_metrics.metric_name = caps.metric_name
),

sums as (
    select
        experiment_name,
        metric_name,
        variant,
        sum(case when is_window_complete then 1 else 0 end) as units,
        sum(case when is_window_complete then 0 else 1 end) as units_window_incomplete,
        sum(case when is_window_complete then y else 0 end) as sum_y,
        sum(case when is_window_complete then y * y else 0 end) as sum_y2,
        sum(case when is_window_complete then x else 0 end) as sum_x,
        sum(case when is_window_complete then x * x else 0 end) as sum_x2,
        sum(case when is_window_complete then x * y else 0 end) as sum_xy
    from measured
    group by experiment_name, metric_name, variant
),

final as (
    select
        {{ dbt.concat([
            'variants.experiment_name', "'|'", 'declared_metrics.metric_name', "'|'", 'variants.variant',
        ]) }} as stats_id,
        variants.experiment_name,
        declared_metrics.metric_name,
        variants.variant,
        variants.is_control,
        declared_metrics.metric_type,
        declared_metrics.direction,
        declared_metrics.is_guardrail,
        declared_metrics.uses_cuped,
        declared_metrics.window_seconds,
        declared_metrics.winsorize_percentile,
        caps.winsorize_cap,
        cast(coalesce(sums.units, 0) as bigint) as units,
        cast(coalesce(sums.units_window_incomplete, 0) as bigint) as units_window_incomplete,
        cast(coalesce(sums.sum_y, 0) as {{ double }}) as sum_y,
        cast(coalesce(sums.sum_y2, 0) as {{ double }}) as sum_y2,
        cast(coalesce(sums.sum_x, 0) as {{ double }}) as sum_x,
        cast(coalesce(sums.sum_x2, 0) as {{ double }}) as sum_x2,
        cast(coalesce(sums.sum_xy, 0) as {{ double }}) as sum_xy,
        variants.confidence_level,
        variants.correction,
        variants.is_sequential,
        variants.sequential_tuning_n,
        variants.power
    from variants
    inner join declared_metrics
        on variants.experiment_name = declared_metrics.experiment_name
    left join sums
        on
            variants.experiment_name = sums.experiment_name
            and declared_metrics.metric_name = sums.metric_name
            and variants.variant = sums.variant
    left join caps
        on
            variants.experiment_name = caps.experiment_name
            and declared_metrics.metric_name = caps.metric_name
)

select * from final
