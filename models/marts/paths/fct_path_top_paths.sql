{#-
    The most frequent whole session paths: each session's events in order, joined with ' > '
    (repeats collapsed when journey__top_paths_collapse_repeats), paths longer than
    journey__top_paths_max_events cut after that many events and marked with ' > ...'. Keeps the
    journey__top_paths_limit most frequent (ties: alphabetical).
-#}
{%- set collapse_repeats = journey.journey_var('journey__top_paths_collapse_repeats') -%}
{%- set max_events = journey.journey_var('journey__top_paths_max_events') -%}
{%- set path_limit = journey.journey_var('journey__top_paths_limit') -%}
{%- if collapse_repeats is not boolean -%}
    {{ exceptions.raise_compiler_error(
        "journey__top_paths_collapse_repeats must be true or false; got: " ~ collapse_repeats
    ) }}
{%- endif -%}
{%- for setting, value in [('journey__top_paths_max_events', max_events), ('journey__top_paths_limit', path_limit)] -%}
    {%- if value is not number or value is boolean or value != value | int or value < 1 -%}
        {{ exceptions.raise_compiler_error(setting ~ " must be a whole number of at least 1; got: " ~ value) }}
    {%- endif -%}
{%- endfor %}

with session_sequence as (

    {{ journey.path_event_sequence(ref('fct_events'), 'session', collapse_repeats, 0, with_position=false) }}

),

session_paths as (

    select
        session_id,
        min(user_id) as user_id,
        count(*) as event_count,
        max(case when is_conversion then 1 else 0 end) as has_conversion,
        {{ dbt.listagg('event_name', "' > '", 'order by event_index', max_events) }} as path_head
    from session_sequence
    group by 1

),

labelled_paths as (

    select
        case
            when event_count > {{ max_events }} then {{ dbt.concat(['path_head', "' > ...'"]) }}
            else path_head
        end as event_path,
        case when event_count > {{ max_events }} then {{ max_events }} else event_count end as path_length,
        event_count > {{ max_events }} as is_truncated,
        session_id,
        user_id,
        has_conversion
    from session_paths

),

aggregated as (

    select
        event_path,
        path_length,
        is_truncated,
        count(*) as session_count,
        count(distinct user_id) as user_count,
        sum(has_conversion) as converted_session_count
    from labelled_paths
    group by 1, 2, 3

),

ranked as (

    select
        *,
        row_number() over (order by session_count desc, event_path asc) as path_rank,
        sum(session_count) over () as total_session_count
    from aggregated

),

final as (

    select
        cast(path_rank as {{ dbt.type_bigint() }}) as path_rank,
        event_path,
        {{ dbt.split_part('event_path', "' > '", 1) }} as first_event_name,
        cast(path_length as {{ dbt.type_bigint() }}) as path_length,
        is_truncated,
        cast(session_count as {{ dbt.type_bigint() }}) as session_count,
        cast(session_count * 1.0 / total_session_count as {{ dbt.type_numeric() }}) as session_share,
        cast(user_count as {{ dbt.type_bigint() }}) as user_count,
        cast(converted_session_count as {{ dbt.type_bigint() }}) as converted_session_count,
        cast(converted_session_count * 1.0 / session_count as {{ dbt.type_numeric() }}) as conversion_rate
    from ranked
    where path_rank <= {{ path_limit }}

)

select * from final
