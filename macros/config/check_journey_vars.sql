{#-
    Checks every journey__* var at the start of each run (on-run-start in dbt_project.yml),
    whether or not a selected model reads it: each var against journey_var_specs(), then the
    structured vars through their family validators (the specs' checked_by macros: funnels,
    path and retention analyses, attribution, power-user rules), then the generic source's file
    format. A --vars key that starts with journey__ but is no journey var (a typo) is warned
    about. report=true logs every checked value as JSON:
    `dbt run-operation check_journey_vars --args '{report: true}'`.
    Returns '' (nothing to run).
-#}
{% macro check_journey_vars(report=false) -%}
    {%- set specs = journey.journey_var_specs() -%}
    {%- set values = {} -%}
    {%- for name in specs | sort -%}
        {%- do values.update({name: journey.journey_var(name)}) -%}
    {%- endfor -%}
    {%- set validators = [] -%}
    {%- for name in specs | sort -%}
        {%- set validator = specs[name].get('checked_by') -%}
        {%- if validator and validator not in validators -%}
            {%- do validators.append(validator) -%}
            {%- do journey[validator]() -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if values['journey__source_generic_enabled'] -%}
        {%- do journey.generic_events_format() -%}
    {%- endif -%}
    {%- set cli_vars = invocation_args_dict.get('vars') or {} -%}
    {%- if cli_vars is string -%}{%- set cli_vars = fromyaml(cli_vars) or {} -%}{%- endif -%}
    {%- for name in cli_vars if name is string and name.startswith('journey__') and name not in specs
        and name != 'journey__lookback_hours' -%}
        {%- do exceptions.warn(
            "journey: --vars sets " ~ name ~ ", which is not a journey var (a typo?); it has no effect. "
            ~ "Known vars: macros/config/journey_var_specs.sql."
        ) -%}
    {%- endfor -%}
    {%- if report -%}
        {%- do log('journey vars: ' ~ tojson(values, sort_keys=true), info=true) -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
