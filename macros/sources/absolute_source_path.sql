{#-
    A DuckDB file path or glob made absolute at compile time, so that the views reading it work
    from any working directory (a BI tool opening the database file elsewhere). A relative path
    is taken relative to the dbt project directory: --project-dir when given (itself made
    absolute with the shell's working directory, $PWD, when relative), else the folder where dbt
    found dbt_project.yml. Absolute paths and URLs (s3://, https://, ...) are returned as they
    are. A list gives a list.
-#}
{% macro absolute_source_path(path) -%}
    {%- if path is not string and path is iterable -%}
        {%- set resolved = [] -%}
        {%- for item in path -%}
            {%- do resolved.append(journey.absolute_source_path(item)) -%}
        {%- endfor -%}
        {{ return(resolved) }}
    {%- endif -%}
    {%- set path = path | string -%}
    {%- set re = modules.re -%}
    {%- if re.match('^([a-zA-Z][a-zA-Z0-9+.-]*://|/|~|[a-zA-Z]:[/\\\\]|\\\\\\\\)', path) -%}
        {{ return(path) }}
    {%- endif -%}
    {%- set project_dir = (invocation_args_dict.get('project_dir') or '.') | string -%}
    {%- if not re.match('^(/|[a-zA-Z]:[/\\\\])', project_dir) -%}
        {%- set project_dir = env_var('PWD', '.') ~ '/' ~ project_dir -%}
    {%- endif -%}
    {%- set relative = re.sub('^([.]/)+', '', path) -%}
    {{ return(project_dir.rstrip('/') ~ '/' ~ relative) }}
{%- endmacro %}
