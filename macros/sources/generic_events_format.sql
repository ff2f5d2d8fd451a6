{#-
    The file format of the generic events on DuckDB: journey__generic_events_format when set,
    else inferred from the extension of journey__generic_events_path (every path of a list must
    agree; a trailing compression suffix such as .gz is skipped). Returns 'parquet' or 'csv'; a
    path whose format cannot be told fails with an error naming the var, the path and the formats.
    Given the source relation as rendered (DuckDB: the read_*() of _generic__sources.yml, whose
    own inference is a lenient copy of this one), also checks that it reads that format.
-#}
{% macro generic_events_format(relation=none) -%}
    {%- set file_format = journey._generic_events_format() -%}
    {%- set rendered = relation | string if relation is not none else '' -%}
    {%- if rendered.startswith('read_') and not rendered.startswith('read_' ~ file_format) -%}
        {{ exceptions.raise_compiler_error(
            "journey: the generic source reads " ~ rendered.split('(')[0] ~ " but the events are " ~ file_format
            ~ " (journey__generic_events_format / journey__generic_events_path); set journey__generic_events_format."
        ) }}
    {%- endif -%}
    {{ return(file_format) }}
{%- endmacro %}


{% macro _generic_events_format() -%}
    {%- set declared = journey.journey_var('journey__generic_events_format') -%}
    {%- if declared is not none -%}
        {{ return(declared) }}
    {%- endif -%}
    {%- set path = journey.journey_var('journey__generic_events_path') -%}
    {%- set paths = [path] if path is string else path -%}
    {%- set extensions = {'parquet': 'parquet', 'pq': 'parquet', 'csv': 'csv', 'tsv': 'csv', 'txt': 'csv'} -%}
    {%- set formats = [] -%}
    {%- for p in paths -%}
        {%- set match = modules.re.search('[.]([A-Za-z0-9]+)([.](gz|gzip|zst|zstd))?$', p) -%}
        {%- set extension = match.group(1) | lower if match else none -%}
        {%- if extension not in extensions -%}
            {{ exceptions.raise_compiler_error(
                "journey: cannot tell the file format of journey__generic_events_path '" ~ p ~ "' from its "
                ~ "extension ('" ~ (extension or '') ~ "'); known extensions: " ~ extensions.keys() | join(', ')
                ~ ". Set journey__generic_events_format to one of: parquet, csv."
            ) }}
        {%- endif -%}
        {%- if extensions[extension] not in formats -%}
            {%- do formats.append(extensions[extension]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if formats | length > 1 -%}
        {{ exceptions.raise_compiler_error(
            "journey: journey__generic_events_path mixes file formats (" ~ formats | join(', ')
            ~ "); list files of one format, or set journey__generic_events_format."
        ) }}
    {%- endif -%}
    {{ return(formats[0]) }}
{%- endmacro %}
