{#-
    Event n-grams: every run of n consecutive events inside a session (n from var
    journey__ngram_sizes), counted with the sessions and users they occur in. Repeats are
    collapsed first when journey__transitions_collapse_repeats is true.
-#}
{%- set collapse_repeats = journey.journey_var('journey__transitions_collapse_repeats') -%}
{%- set sizes = journey.journey_var('journey__ngram_sizes') -%}
{%- if collapse_repeats is not boolean -%}
    {{ exceptions.raise_compiler_error(
        "journey__transitions_collapse_repeats must be true or false; got: " ~ collapse_repeats
    ) }}
{%- endif -%}
{%- if sizes is string or sizes is mapping or sizes is not iterable or sizes | length == 0 -%}
    {{ exceptions.raise_compiler_error("journey__ngram_sizes must be a non-empty list of whole numbers from 2 to 6; got: " ~ sizes) }}
{%- endif -%}
{%- for size in sizes -%}
    {%- if size is not number or size is boolean or size != size | int or size < 2 or size > 6 -%}
        {{ exceptions.raise_compiler_error("journey__ngram_sizes must hold whole numbers from 2 to 6; got: " ~ size) }}
    {%- endif -%}
{%- endfor -%}
{%- set sizes = sizes | map('int') | unique | sort | list -%}

with session_sequence as (

    {{ journey.path_event_sequence(ref('fct_events'), 'session', collapse_repeats, sizes | max - 1) }}

),

ngrams as (

    -- one row per run of n events, names in columns event_1 .. event_<max size>
    {%- for size in sizes %}
        select
            {{ size }} as ngram_size,
            event_name as event_1,
            {%- for offset in range(1, sizes | max) %}
                {{ ('next_' ~ offset ~ '_event_name') if offset < size else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
                    as event_{{ offset + 1 }},
            {%- endfor %}
            session_id,
            user_id
        from session_sequence
        where next_{{ size - 1 }}_event_name is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

aggregated as (

    select
        ngram_size,
        {%- for position in range(1, sizes | max + 1) %}
            event_{{ position }},
        {%- endfor %}
        count(*) as occurrence_count,
        count(distinct session_id) as session_count,
        count(distinct user_id) as user_count
    from ngrams
    group by {{ range(1, sizes | max + 2) | join(', ') }}

),

named as (

    select
        *,
        -- event_k is null beyond the n-gram's size, and so is ' > ' || null
        event_1
        {%- for position in range(2, sizes | max + 1) %}
            || coalesce(' > ' || event_{{ position }}, '')
        {%- endfor %} as ngram,
        coalesce(
            {%- for position in range(sizes | max, 1, -1) %}
                event_{{ position }},
            {%- endfor %}
            event_1
        ) as last_event_name
    from aggregated

),

final as (

    select
        {{ dbt.concat([dbt.cast('ngram_size', dbt.type_string()), "'|'", 'ngram']) }} as ngram_id,
        cast(ngram_size as {{ dbt.type_bigint() }}) as ngram_size,
        ngram,
        event_1 as first_event_name,
        last_event_name,
        cast(
            row_number() over (partition by ngram_size order by occurrence_count desc, ngram asc)
            as {{ dbt.type_bigint() }}
        ) as ngram_rank,
        cast(occurrence_count as {{ dbt.type_bigint() }}) as occurrence_count,
        cast(
            occurrence_count * 1.0 / sum(occurrence_count) over (partition by ngram_size)
            as {{ dbt.type_numeric() }}
        ) as occurrence_share,
        cast(session_count as {{ dbt.type_bigint() }}) as session_count,
        cast(user_count as {{ dbt.type_bigint() }}) as user_count
    from named

)

select * from final
