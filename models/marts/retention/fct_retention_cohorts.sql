{#-
    Cohort retention matrices of the analyses in var journey__retention_analyses.

    Cohorts: first_time puts a user in the period of their first start event ever (first seen
    when start_event is null); recurring puts a user in every period in which they did the
    start event (Amplitude's "new" and "any" users). cohort_at is the first start event of the
    user in the cohort period.

    Period n (n >= 1) of a member: calendar windows are whole calendar periods (day, ISO week,
    month) n periods after the cohort period; rolling windows are [cohort_at + n * W,
    cohort_at + (n + 1) * W) with W = 24 h, 7 x 24 h or 30 x 24 h. Period 0 holds the start
    event itself, so every member counts there. "on" counts members with a return event in
    period n; "on or after" members with one in period n or later (unbounded retention).

    Rolling windows are evaluated on user-days: a window is at least a day long, so the
    events of one calendar day fall in at most two consecutive windows, those of the day's
    first and last event. Only one row per user and day is joined, never the events.
-#}
{%- set analyses = journey.retention_analyses() -%}
{%- set units = ['day', 'week', 'month'] -%}
{%- set filters = [] -%}
{%- set config_rows = [] -%}
{%- set combinations = [] -%}
{%- set max_horizon = [1] -%}
{%- for analysis in analyses -%}
    {%- for event in [analysis.start_event, analysis.return_event] -%}
        {%- if event not in filters -%}
            {%- do filters.append(event) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for unit in analysis.period_units -%}
        {%- do max_horizon.append(analysis.max_periods[unit]) -%}
        {%- for window_type in analysis.window_types -%}
            {%- do config_rows.append((analysis, unit, window_type)) -%}
        {%- endfor -%}
        {%- for cohort_type in analysis.cohort_types -%}
            {%- do combinations.append((analysis, unit, cohort_type)) -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endfor -%}
{%- set null_string = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}

with events as (

    select
        user_id,
        event_name,
        event_at,
        event_date
    from {{ ref('fct_events') }}

),

observation as (

    select max(event_at) as observed_until from events

),

numbers as (

    select generated_number - 1 as period_number
    from ({{ journey.integer_series(max_horizon | max + 1) }}) as series

),

retention_config as (

    {%- for analysis, unit, window_type in config_rows %}
        select
            '{{ analysis.name }}' as analysis_name,
            {{ "'" ~ analysis.start_event ~ "'" if analysis.start_event else null_string }} as start_event_name,
            {{ "'" ~ analysis.return_event ~ "'" if analysis.return_event else null_string }} as return_event_name,
            '{{ unit }}' as period_unit,
            '{{ window_type }}' as window_type,
            {{ analysis.max_periods[unit] }} as max_periods,
            {{ journey.rolling_window_seconds(unit) }} as window_seconds
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- else %}
        -- no analysis configured: no rows
        select
            {{ null_string }} as analysis_name,
            {{ null_string }} as start_event_name,
            {{ null_string }} as return_event_name,
            {{ null_string }} as period_unit,
            {{ null_string }} as window_type,
            0 as max_periods,
            0 as window_seconds
        from observation
        where 1 = 0
    {%- endfor %}

),
{%- for event in filters %}

    user_days_{{ loop.index }} as (

        -- one row per user and day with a {{ event if event else 'any' }} event
        select
            user_id,
            event_date,
            {{ journey.calendar_period_number('day', 'event_date') }} as day_number,
            {{ journey.calendar_period_number('week', 'event_date') }} as week_number,
            {{ journey.calendar_period_number('month', 'event_date') }} as month_number,
            min(event_at) as first_at,
            max(event_at) as last_at
        from events
        {%- if event %}
            where event_name = '{{ event }}'
        {%- endif %}
        group by 1, 2

    ),

    last_returns_{{ loop.index }} as (

        select
            user_id,
            max(last_at) as last_at,
            max(day_number) as last_day_number,
            max(week_number) as last_week_number,
            max(month_number) as last_month_number
        from user_days_{{ loop.index }}
        group by 1

    ),
{%- endfor %}
{%- for analysis, unit, cohort_type in combinations %}
    {%- set i = loop.index %}
    {%- set starts = 'user_days_' ~ (filters.index(analysis.start_event) + 1) %}
    {%- set return_days = 'user_days_' ~ (filters.index(analysis.return_event) + 1) %}
    {%- set last_returns = 'last_returns_' ~ (filters.index(analysis.return_event) + 1) %}
    {%- set max_n = analysis.max_periods[unit] %}
    {%- set window_seconds = journey.rolling_window_seconds(unit) %}

    -- {{ analysis.name }}: {{ cohort_type }} cohorts by {{ unit }}
    {%- if cohort_type == 'first_time' %}
        cohort_starts_{{ i }} as (

            select
                user_id,
                min(first_at) as cohort_at
            from {{ starts }}
            group by 1

        ),

        members_{{ i }} as (

            select
                user_id,
                cohort_at,
                {{ journey.calendar_period_number(unit, 'cast(cohort_at as date)') }}
                    as cohort_period_number,
                {{ journey.calendar_period_number('day', 'cast(cohort_at as date)') }}
                    as cohort_day_number
            from cohort_starts_{{ i }}

        ),
    {%- else %}
        cohort_starts_{{ i }} as (

            select
                user_id,
                {{ unit }}_number as cohort_period_number,
                min(first_at) as cohort_at
            from {{ starts }}
            group by 1, 2

        ),

        members_{{ i }} as (

            select
                user_id,
                cohort_at,
                cohort_period_number,
                {{ journey.calendar_period_number('day', 'cast(cohort_at as date)') }}
                    as cohort_day_number
            from cohort_starts_{{ i }}

        ),
    {%- endif %}

    reach_{{ i }} as (

        -- the last period with a return event, unbounded: drives "on or after"
        select
            members.user_id,
            members.cohort_period_number,
            members.cohort_at,
            greatest(
                coalesce(last_returns.last_{{ unit }}_number - members.cohort_period_number, 0), 0
            ) as calendar_reach,
            case
                when last_returns.last_at >= members.cohort_at
                    then cast(floor(
                        {{ journey.seconds_between('members.cohort_at', 'last_returns.last_at') }}
                        / {{ window_seconds }}
                    ) as {{ dbt.type_bigint() }})
                else 0
            end as rolling_reach
        from members_{{ i }} as members
        left join {{ last_returns }} as last_returns
            on members.user_id = last_returns.user_id

    ),
    {%- if 'calendar' in analysis.window_types %}

        calendar_hits_{{ i }} as (

            select
                members.user_id,
                members.cohort_period_number,
                return_days.{{ unit }}_number - members.cohort_period_number as period_number
            from members_{{ i }} as members
            inner join {{ return_days }} as return_days
                on members.user_id = return_days.user_id
            where
                return_days.{{ unit }}_number > members.cohort_period_number
                and return_days.{{ unit }}_number <= members.cohort_period_number + {{ max_n }}

        ),
    {%- endif %}
    {%- if 'rolling' in analysis.window_types %}

        rolling_returns_{{ i }} as (

            -- the windows of the first and the last return event of each user-day
            select
                members.user_id,
                members.cohort_period_number,
                case
                    when return_days.first_at >= members.cohort_at
                        then cast(floor(
                            {{ journey.seconds_between('members.cohort_at', 'return_days.first_at') }}
                            / {{ window_seconds }}
                        ) as {{ dbt.type_bigint() }})
                end as first_period_number,
                cast(floor(
                    {{ journey.seconds_between('members.cohort_at', 'return_days.last_at') }}
                    / {{ window_seconds }}
                ) as {{ dbt.type_bigint() }}) as last_period_number
            from members_{{ i }} as members
            inner join {{ return_days }} as return_days
                on members.user_id = return_days.user_id
            where
                return_days.last_at >= members.cohort_at
                and return_days.day_number
                <= members.cohort_day_number + {{ (max_n + 1) * (window_seconds // 86400) }}

        ),

        rolling_hits_{{ i }} as (

            select
                user_id,
                cohort_period_number,
                first_period_number as period_number
            from rolling_returns_{{ i }}
            where first_period_number between 1 and {{ max_n }}
            union all
            select
                user_id,
                cohort_period_number,
                last_period_number as period_number
            from rolling_returns_{{ i }}
            where last_period_number between 1 and {{ max_n }}

        ),
    {%- endif %}
{%- endfor %}

members as (

    {%- for analysis, unit, cohort_type in combinations %}
        select
            '{{ analysis.name }}' as analysis_name,
            '{{ unit }}' as period_unit,
            '{{ cohort_type }}' as cohort_type,
            user_id,
            cohort_period_number,
            cohort_at,
            calendar_reach,
            rolling_reach
        from reach_{{ loop.index }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- else %}
        -- no analysis configured: no rows
        select
            {{ null_string }} as analysis_name,
            {{ null_string }} as period_unit,
            {{ null_string }} as cohort_type,
            {{ null_string }} as user_id,
            0 as cohort_period_number,
            observed_until as cohort_at,
            0 as calendar_reach,
            0 as rolling_reach
        from observation
        where 1 = 0
    {%- endfor %}

),

hits as (

    -- (member, period) pairs with a return; period 0 is the start event itself
    {%- for analysis, unit, cohort_type in combinations %}
        {%- set outer_loop = loop %}
        {%- for window_type in analysis.window_types %}
            select
                '{{ analysis.name }}' as analysis_name,
                '{{ unit }}' as period_unit,
                '{{ cohort_type }}' as cohort_type,
                '{{ window_type }}' as window_type,
                user_id,
                cohort_period_number,
                0 as period_number
            from members_{{ outer_loop.index }}
            union all
            select
                '{{ analysis.name }}' as analysis_name,
                '{{ unit }}' as period_unit,
                '{{ cohort_type }}' as cohort_type,
                '{{ window_type }}' as window_type,
                user_id,
                cohort_period_number,
                period_number
            from {{ window_type }}_hits_{{ outer_loop.index }}
            {%- if not (outer_loop.last and loop.last) %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- else %}
        select
            analysis_name,
            period_unit,
            cohort_type,
            {{ null_string }} as window_type,
            user_id,
            cohort_period_number,
            0 as period_number
        from members
    {%- endfor %}

),

cohorts as (

    select
        analysis_name,
        period_unit,
        cohort_type,
        cohort_period_number,
        count(*) as cohort_users,
        min(cohort_at) as first_cohort_at,
        max(cohort_at) as last_cohort_at
    from members
    group by 1, 2, 3, 4

),

grid as (

    -- every cohort x period up to max_periods, with the calendar period numbers it spans
    select
        retention_config.analysis_name,
        retention_config.start_event_name,
        retention_config.return_event_name,
        cohorts.cohort_type,
        retention_config.period_unit,
        retention_config.window_type,
        retention_config.window_seconds,
        cohorts.cohort_period_number,
        numbers.period_number,
        cohorts.cohort_period_number + numbers.period_number as calendar_period_number,
        cohorts.cohort_users,
        cohorts.first_cohort_at,
        cohorts.last_cohort_at,
        observation.observed_until
    from cohorts
    inner join retention_config
        on cohorts.analysis_name = retention_config.analysis_name
        and cohorts.period_unit = retention_config.period_unit
    cross join numbers
    cross join observation
    where numbers.period_number <= retention_config.max_periods

),

dated_grid as (

    select
        *,
        case period_unit
            {%- for unit in units %}
                when '{{ unit }}' then {{ journey.calendar_period_start(unit, 'cohort_period_number') }}
            {%- endfor %}
        end as cohort_start_date,
        case period_unit
            {%- for unit in units %}
                when '{{ unit }}' then {{ journey.calendar_period_start(unit, 'calendar_period_number') }}
            {%- endfor %}
        end as period_start_date,
        case period_unit
            {%- for unit in units %}
                when '{{ unit }}' then {{ journey.calendar_period_start(unit, 'calendar_period_number + 1') }}
            {%- endfor %}
        end as next_period_start_date
    from grid

),

open_grid as (

    -- periods that have begun by the latest event
    select * from dated_grid
    where
        (window_type = 'calendar' and period_start_date <= cast(observed_until as date))
        or (
            window_type = 'rolling'
            and {{ journey.seconds_between('first_cohort_at', 'observed_until') }}
                >= period_number * window_seconds
        )

),

retained as (

    select
        analysis_name,
        period_unit,
        cohort_type,
        window_type,
        cohort_period_number,
        period_number,
        count(distinct user_id) as retained_users
    from hits
    group by 1, 2, 3, 4, 5, 6

),

reach_counts as (

    select
        analysis_name,
        period_unit,
        cohort_type,
        'calendar' as window_type,
        cohort_period_number,
        calendar_reach as reach_period_number,
        count(*) as user_count
    from members
    group by 1, 2, 3, 4, 5, 6
    union all
    select
        analysis_name,
        period_unit,
        cohort_type,
        'rolling' as window_type,
        cohort_period_number,
        rolling_reach as reach_period_number,
        count(*) as user_count
    from members
    group by 1, 2, 3, 4, 5, 6

),

retained_on_or_after as (

    select
        open_grid.analysis_name,
        open_grid.period_unit,
        open_grid.cohort_type,
        open_grid.window_type,
        open_grid.cohort_period_number,
        open_grid.period_number,
        sum(reach_counts.user_count) as retained_on_or_after_users
    from open_grid
    inner join reach_counts
        on open_grid.analysis_name = reach_counts.analysis_name
        and open_grid.period_unit = reach_counts.period_unit
        and open_grid.cohort_type = reach_counts.cohort_type
        and open_grid.window_type = reach_counts.window_type
        and open_grid.cohort_period_number = reach_counts.cohort_period_number
        and open_grid.period_number <= reach_counts.reach_period_number
    group by 1, 2, 3, 4, 5, 6

),

final as (

    select
        {{ dbt.concat([
            'open_grid.analysis_name', "'|'",
            'open_grid.cohort_type', "'|'",
            'open_grid.period_unit', "'|'",
            'open_grid.window_type', "'|'",
            dbt.cast('open_grid.cohort_start_date', dbt.type_string()), "'|'",
            dbt.cast('open_grid.period_number', dbt.type_string()),
        ]) }} as retention_id,
        open_grid.analysis_name,
        open_grid.start_event_name,
        open_grid.return_event_name,
        open_grid.cohort_type,
        open_grid.period_unit,
        open_grid.window_type,
        open_grid.cohort_start_date,
        cast(open_grid.period_number as {{ dbt.type_bigint() }}) as period_number,
        case
            when open_grid.window_type = 'calendar' then open_grid.period_start_date
        end as period_start_date,
        cast(open_grid.cohort_users as {{ dbt.type_bigint() }}) as cohort_users,
        cast(coalesce(retained.retained_users, 0) as {{ dbt.type_bigint() }}) as retained_users,
        cast(
            coalesce(retained_on_or_after.retained_on_or_after_users, 0) as {{ dbt.type_bigint() }}
        ) as retained_on_or_after_users,
        cast(
            coalesce(retained.retained_users, 0) * 1.0 / open_grid.cohort_users as {{ dbt.type_numeric() }}
        ) as retention_rate,
        cast(
            coalesce(retained_on_or_after.retained_on_or_after_users, 0) * 1.0 / open_grid.cohort_users
            as {{ dbt.type_numeric() }}
        ) as retention_on_or_after_rate,
        case
            when open_grid.window_type = 'calendar'
                then
                    cast(open_grid.next_period_start_date as {{ dbt.type_timestamp() }})
                    <= open_grid.observed_until
            else
                {{ journey.seconds_between('open_grid.last_cohort_at', 'open_grid.observed_until') }}
                >= (open_grid.period_number + 1) * open_grid.window_seconds
        end as is_period_complete
    from open_grid
    left join retained
        on open_grid.analysis_name = retained.analysis_name
        and open_grid.period_unit = retained.period_unit
        and open_grid.cohort_type = retained.cohort_type
        and open_grid.window_type = retained.window_type
        and open_grid.cohort_period_number = retained.cohort_period_number
        and open_grid.period_number = retained.period_number
    left join retained_on_or_after
        on open_grid.analysis_name = retained_on_or_after.analysis_name
        and open_grid.period_unit = retained_on_or_after.period_unit
        and open_grid.cohort_type = retained_on_or_after.cohort_type
        and open_grid.window_type = retained_on_or_after.window_type
        and open_grid.cohort_period_number = retained_on_or_after.cohort_period_number
        and open_grid.period_number = retained_on_or_after.period_number

)

select * from final
