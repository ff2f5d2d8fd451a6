{#-
    The reference date of the segments marts (RFM, power users, CLV, journey stages), as a SQL
    date expression: var journey__segments_as_of_date ('YYYY-MM-DD') when set, else the newest
    event_date in fct_events (the data's own "today", so re-running on old data is reproducible).
-#}
{% macro segments_as_of_date() -%}
    {%- set value = journey.journey_var('journey__segments_as_of_date') -%}
    {%- if value is none or value == '' -%}
        (select max(event_date) from {{ ref('fct_events') }})
    {%- else -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string) -%}
            {{ exceptions.raise_compiler_error(
                "journey: var journey__segments_as_of_date must be a date 'YYYY-MM-DD' or null, got '"
                ~ value ~ "'."
            ) }}
        {%- endif -%}
        cast('{{ value }}' as date)
    {%- endif -%}
{%- endmacro %}
