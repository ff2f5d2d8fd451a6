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
    allowed) while journey__generic_events_path is set, with the path made absolute as on
    DuckDB; set the var to null to read the table named by the journey__generic_events_* vars.
    Other sources (trackers) are tables on Spark.
-#}
{% macro spark__resolved_source(relation) -%}
    {%- set path = journey.journey_var('journey__generic_events_path') -%}
    {%- set is_generic = relation.identifier == journey.journey_var('journey__generic_events_table')
        and relation.schema == journey.journey_var('journey__generic_events_schema') -%}
    {%- if not path or not is_generic -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set file_format = journey._generic_events_format() -%}
    {%- if file_format != 'parquet' -%}
        {{ exceptions.raise_compiler_error(
            "journey: on the spark target the generic events files must be Parquet "
            ~ "(journey__generic_events_format is '" ~ file_format ~ "')."
        ) }}
    {%- endif -%}
    {{ return('parquet.`' ~ journey.absolute_source_path(path) ~ '`') }}
{%- endmacro %}
