{#-
    The rows of one decision status of int_trigger_decisions (fired or skipped) for the fire and
    skip marts: the decision's columns, with `extra_columns` after `arm`, plus the run that first
    found each row (run_id, found_at kept from the model's previous version when there is one).
-#}
{% macro trigger_decided_rows(status, extra_columns=[]) -%}
{%- set previous = journey.trigger_previous_relation(this) %}

with decisions as (

    select * from {{ ref('int_trigger_decisions') }}
    where status = '{{ status }}'

){% if previous is not none %},

previous as (

    select
        fire_id,
        run_id,
        found_at
    from {{ previous }}

){% endif %}

select
    decisions.fire_id,
    decisions.trigger_name,
    decisions.step_name,
    decisions.step_number,
    decisions.user_id,
    decisions.channel,
    decisions.arm,
    {%- for column in extra_columns %}
    decisions.{{ column }},
    {%- endfor %}
    decisions.payload,
    decisions.priority,
    decisions.entry_event_id,
    decisions.entered_at,
    decisions.condition_true_at,
    decisions.send_at,
    decisions.time_zone,
    decisions.decided_at_load,
    decisions.exited_at,
    {% if previous is not none -%}
        coalesce(previous.run_id, '{{ invocation_id }}')
    {%- else -%}
        cast('{{ invocation_id }}' as {{ dbt.type_string() }})
    {%- endif %} as run_id,
    {% if previous is not none -%}
        coalesce(previous.found_at, {{ journey.trigger_run_started_at() }})
    {%- else -%}
        {{ journey.trigger_run_started_at() }}
    {%- endif %} as found_at
from decisions
{%- if previous is not none %}
left join previous
    on decisions.fire_id = previous.fire_id
{%- endif %}
{%- endmacro %}
