{#-
    A source relation as the models should read it. On DuckDB a source read from files
    (meta.external_location: read_parquet('...'), read_csv(...), read_json([...])) has its file
    paths made absolute (journey.absolute_source_path), so that the staging views do not depend
    on the working directory of whoever opens the database. Elsewhere the relation unchanged.
-#}
{% macro resolved_source(relation) -%}
    {{ return(adapter.dispatch('resolved_source', 'journey')(relation)) }}
{%- endmacro %}

{% macro default__resolved_source(relation) -%}
    {{ return(relation) }}
{%- endmacro %}

{#- DuckDB renders file sources as read_*() calls whose first argument is a path or a list of them. -#}
{% macro duckdb__resolved_source(relation) -%}
    {%- set sql = relation | string -%}
    {%- set match = modules.re.search("read_[a-z_]+[(]\\s*('[^']*'|\\[[^\\]]*\\])", sql) -%}
    {%- if match is none -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set argument = match.group(1) -%}
    {%- set paths = journey.absolute_source_path(modules.re.findall("'([^']*)'", argument)) -%}
    {%- if argument.startswith("'") -%}
        {%- set literal = "'" ~ paths[0] ~ "'" -%}
    {%- else -%}
        {%- set literal = "['" ~ paths | join("', '") ~ "']" -%}
    {%- endif -%}
    {{ return(sql[:match.start(1)] ~ literal ~ sql[match.end(1):]) }}
{%- endmacro %}

{#-
    Spark: the generic source is read straight from its Parquet files (parquet.`path`, a glob
    allowed), the path made absolute as on DuckDB. journey__generic_events_path is never null
    (its spec, as on DuckDB: the local engines read the generic events from files); Spark reads
    one path or glob, so a list of several paths is refused by name. Other sources (trackers)
    are tables on Spark.
-#}
{% macro spark__resolved_source(relation) -%}
    {%- set is_generic = relation.identifier == journey.journey_var('journey__generic_events_table')
        and relation.schema == journey.journey_var('journey__generic_events_schema') -%}
    {%- if not is_generic -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set path = journey.journey_var('journey__generic_events_path') -%}
    {%- if path is not string and path | length > 1 -%}
        {{ exceptions.raise_compiler_error(
            "journey: on the spark target journey__generic_events_path must be one path or glob, got a list of "
            ~ path | length ~ " (" ~ path | join(', ') ~ "); put the files in one folder and give a glob."
        ) }}
    {%- endif -%}
    {%- set file_format = journey._generic_events_format() -%}
    {%- if file_format != 'parquet' -%}
        {{ exceptions.raise_compiler_error(
            "journey: on the spark target the generic events files must be Parquet "
            ~ "(journey__generic_events_format is '" ~ file_format ~ "')."
        ) }}
    {%- endif -%}
    {#-
        Part files that differ in columns (an optional column added to later exports, or missing
        from one writer's files) are read by name on DuckDB (union_by_name). Spark's Parquet
        reader takes the schema of one file unless it merges them, and then reads every file
        with it: a column absent from that file is dropped from all rows, silently. The spark
        profile sets spark.sql.parquet.mergeSchema (profiles.yml.example); a session without it
        stops here instead of losing columns.
    -#}
    {%- if execute and not journey.journey_var('journey__offline_compile') -%}
        {%- set merge = run_query('set spark.sql.parquet.mergeSchema').columns[1].values()[0] -%}
        {%- if merge | string | lower != 'true' -%}
            {{ exceptions.raise_compiler_error(
                "journey: the spark target reads the generic events files with one merged schema, as DuckDB "
                ~ "reads them by name: add spark.sql.parquet.mergeSchema: \"true\" to the target's "
                ~ "server_side_parameters (profiles.yml.example); it is '" ~ merge ~ "' in this session."
            ) }}
        {%- endif -%}
    {%- endif -%}
    {%- set single = path if path is string else path[0] -%}
    {{ return('parquet.`' ~ journey.absolute_source_path(single) ~ '`') }}
{%- endmacro %}
