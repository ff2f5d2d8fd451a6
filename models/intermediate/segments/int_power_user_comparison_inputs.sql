{{ config(materialized='table') }}

{#-
    One row per cohort (of dim_power_user_cohorts, plus every rule cohort that has no member)
    and metric: for the cohort's members and for everyone else in the power-user population,
    the number of users, the mean and the sample variance of the metric (for rates: the share
    with the outcome). The statistics (difference, CI, p-value) are computed from these rows by
    journey_analytics.segments.stats, in the dbt Python model fct_power_user_comparison on
    DuckDB or as a script elsewhere.

    comparison_role 'post_cohort_outcome': the outcomes measured after the cohorts are defined,
    over the N days after the as-of date (var journey__power_user_outcome_days, default 28):
    active_next_{N}d (rate: any event in days 1..N after the as-of date) and revenue_next_{N}d
    (mean, reporting currency). The as-of date is the newest event_date minus N days (macro
    power_user_as_of_date) unless journey__segments_as_of_date is set. When the N days are not
    all in the data (a set as-of date too close to the data end, or data shorter than N + 1
    days) the rows have no users and `note` says why, naming the var.

    comparison_role 'descriptive': retention_d{first}_{last} (rate, users first seen long enough
    ago), conversion_rate (rate), revenue_per_user (mean) and feature_events_per_user (mean),
    measured up to the as-of date on the same data the cohorts are selected on (circular):
    described, never tested. With N null only these rows are built.
-#}
{%- set outcome_days = journey.journey_var('journey__power_user_outcome_days') -%}
{%- set set_as_of = journey.journey_var('journey__segments_as_of_date') -%}
{%- set retention = journey.retention_window_days() -%}
{%- set metrics = [
    ('retention_d' ~ retention[0] ~ '_' ~ retention[1], 'proportion',
        'case when is_retained then 1.0 else 0.0 end', 'is_retention_eligible', 'descriptive'),
    ('conversion_rate', 'proportion', 'case when has_converted then 1.0 else 0.0 end', none, 'descriptive'),
    ('revenue_per_user', 'mean', 'revenue', none, 'descriptive'),
    ('feature_events_per_user', 'mean', 'feature_event_count', none, 'descriptive'),
] -%}
{%- if outcome_days is not none -%}
    {%- if outcome_days is not number or outcome_days < 1 -%}
        {{ exceptions.raise_compiler_error(
            "journey: var journey__power_user_outcome_days must be a whole number of days >= 1 or null, got: "
            ~ outcome_days
        ) }}
    {%- endif -%}
    {%- do metrics.append(('active_next_' ~ outcome_days ~ 'd', 'proportion',
        'case when is_active_after then 1.0 else 0.0 end', 'is_outcome_observable', 'post_cohort_outcome')) -%}
    {%- do metrics.append(('revenue_next_' ~ outcome_days ~ 'd', 'mean', 'revenue_after',
        'is_outcome_observable', 'post_cohort_outcome')) -%}
{%- endif -%}

with population_metrics as (

    select * from {{ ref('int_segments_user_metrics') }}

),

-- the data's first and last day and the as-of date, known even when the population is empty
data_bounds as (

    select
        min(event_date) as data_start_date,
        max(event_date) as data_end_date,
        {{ journey.power_user_as_of_date() }} as as_of_date
    from {{ ref('fct_events') }}

),
{%- if outcome_days is not none %}

    events as (

        select
            user_id,
            event_date,
            revenue,
            currency
        from {{ ref('fct_events') }}

    ),

    currency_rates as (

        select * from {{ journey.seed_ref('journey_currency_rates') }}

    ),

    -- what each user did in the N days after the as-of date the cohorts are defined on
    outcome_events as (

        select
            population_metrics.user_id,
            events.revenue * currency_rates.rate_to_reporting_currency as converted_revenue
        from population_metrics
        inner join events
            on population_metrics.user_id = events.user_id
        left join currency_rates
            on
                coalesce(events.currency, '{{ journey.journey_var('journey__reporting_currency') }}')
                = currency_rates.currency
        where
            {{ dbt.datediff('population_metrics.as_of_date', 'events.event_date', 'day') }}
            between 1 and {{ outcome_days }}

    ),

    outcomes as (

        select
            user_id,
            sum(coalesce(converted_revenue, 0)) as revenue_after
        from outcome_events
        group by 1

    ),

    population as (

        select
            population_metrics.*,
            outcomes.user_id is not null as is_active_after,
            coalesce(outcomes.revenue_after, 0) as revenue_after,
            {{ dbt.datediff('population_metrics.as_of_date', 'data_bounds.data_end_date', 'day') }}
            >= {{ outcome_days }} as is_outcome_observable
        from population_metrics
        cross join data_bounds
        left join outcomes
            on population_metrics.user_id = outcomes.user_id

    ),
{%- else %}

    population as (

        select * from population_metrics

    ),
{%- endif %}

members as (

    select * from {{ ref('dim_power_user_cohorts') }}

),

cohorts as (

    select distinct
        cohort_name,
        cohort_type
    from members
    {% for rule in journey.power_user_rules() -%}
        union distinct
        select
            '{{ rule.name }}' as cohort_name,
            'rule' as cohort_type
    {% endfor -%}
    union distinct
    select
        'l28_top_share' as cohort_name,
        'data_driven' as cohort_type

),

-- every population user against every cohort, flagged in or out
labelled as (

    select
        population.*,
        cohorts.cohort_name,
        cohorts.cohort_type,
        members.user_id is not null as is_member
    from cohorts
    cross join population
    left join members
        on
            cohorts.cohort_name = members.cohort_name
            and population.user_id = members.user_id

),

metric_groups as (

    {% for metric_name, metric_type, value_sql, eligibility, role in metrics -%}
        select
            cohort_name,
            cohort_type,
            '{{ metric_name }}' as metric_name,
            '{{ metric_type }}' as metric_type,
            is_member,
            count(*) as n,
            avg({{ value_sql }}) as mean_value,
            var_samp({{ value_sql }}) as variance_value
        from labelled
        {% if eligibility %}where {{ eligibility }}{% endif %}
        group by 1, 2, 3, 4, 5
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

cohort_sizes as (

    select
        cohort_name,
        sum(case when is_member then 1 else 0 end) as cohort_size,
        count(*) as population_n,
        sum(case when is_member then revenue else 0 end) as cohort_revenue,
        sum(revenue) as total_revenue
    from labelled
    group by 1

),

metric_names as (

    {% for metric_name, metric_type, value_sql, eligibility, role in metrics -%}
        select
            cohort_name,
            cohort_type,
            '{{ metric_name }}' as metric_name,
            '{{ metric_type }}' as metric_type,
            '{{ role }}' as comparison_role
        from cohorts
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

{%- set as_of_text = 'cast(data_bounds.as_of_date as ' ~ dbt.type_string() ~ ')' %}
{%- set start_text = 'cast(data_bounds.data_start_date as ' ~ dbt.type_string() ~ ')' %}
{%- set end_text = 'cast(data_bounds.data_end_date as ' ~ dbt.type_string() ~ ')' %}
{%- set days_after = dbt.datediff('data_bounds.as_of_date', 'data_bounds.data_end_date', 'day') %}

final as (

    select
        metric_names.cohort_name,
        metric_names.cohort_type,
        metric_names.metric_name,
        metric_names.metric_type,
        metric_names.comparison_role,
        cast(coalesce(in_cohort.n, 0) as {{ dbt.type_bigint() }}) as cohort_n,
        cast(in_cohort.mean_value as {{ journey.segment_type_double() }}) as cohort_mean,
        cast(in_cohort.variance_value as {{ journey.segment_type_double() }}) as cohort_variance,
        cast(coalesce(rest.n, 0) as {{ dbt.type_bigint() }}) as rest_n,
        cast(rest.mean_value as {{ journey.segment_type_double() }}) as rest_mean,
        cast(rest.variance_value as {{ journey.segment_type_double() }}) as rest_variance,
        cast(coalesce(cohort_sizes.cohort_size, 0) as {{ dbt.type_bigint() }}) as cohort_size,
        cast(coalesce(cohort_sizes.population_n, 0) as {{ dbt.type_bigint() }}) as population_n,
        cast(coalesce(cohort_sizes.cohort_revenue, 0) as {{ journey.segment_type_double() }}) as cohort_revenue,
        cast(coalesce(cohort_sizes.total_revenue, 0) as {{ journey.segment_type_double() }}) as total_revenue,
        case
            when metric_names.comparison_role = 'descriptive'
                then {{ dbt.concat([
                    "'Descriptive, not tested: measured up to the as-of date '",
                    as_of_text,
                    "' on the data the cohorts are selected on (circular).'",
                    "case when data_bounds.as_of_date < data_bounds.data_start_date then "
                    ~ "' No user is in the population: the data start after the as-of date.' else '' end",
                ]) }}
            {%- if outcome_days is not none %}
                when data_bounds.as_of_date < data_bounds.data_start_date
                    then {{ dbt.concat([
                        "'Not measured: the data ('",
                        start_text,
                        "' to '",
                        end_text,
                        "') are shorter than the " ~ outcome_days ~ "-day outcome window of var "
                        ~ "journey__power_user_outcome_days plus a day to define the cohorts on (as-of date '",
                        as_of_text,
                        "'); load more days or lower the var.'",
                    ]) }}
                when {{ days_after }} < {{ outcome_days }}
                    then {{ dbt.concat([
                        "'Not measured: only '",
                        "cast(case when " ~ days_after ~ " < 0 then 0 else " ~ days_after ~ " end as "
                        ~ dbt.type_string() ~ ")",
                        "' of the " ~ outcome_days ~ " days after the as-of date '",
                        as_of_text,
                        "' (var journey__segments_as_of_date" ~ (" = " ~ set_as_of if set_as_of else "") ~ ") are in the data (last day '",
                        end_text,
                        "'); set journey__segments_as_of_date at least " ~ outcome_days
                        ~ " days before the data end, leave it null, or lower var journey__power_user_outcome_days.'",
                    ]) }}
            {%- endif %}
        end as note
    from metric_names
    cross join data_bounds
    left join metric_groups as in_cohort
        on
            metric_names.cohort_name = in_cohort.cohort_name
            and metric_names.metric_name = in_cohort.metric_name
            and in_cohort.is_member
    left join metric_groups as rest
        on
            metric_names.cohort_name = rest.cohort_name
            and metric_names.metric_name = rest.metric_name
            and not rest.is_member
    left join cohort_sizes
        on metric_names.cohort_name = cohort_sizes.cohort_name

)

select * from final
