{#- The columns of int_funnel_attempts, in order, as [name, type] pairs (empty selects use it). -#}
{% macro funnel_attempt_columns() -%}
    {%- set string_type = dbt.type_string() -%}
    {%- set bigint_type = dbt.type_bigint() -%}
    {%- set columns = [
        ['funnel_name', string_type], ['attempt_id', string_type], ['unit_id', string_type],
        ['user_id', string_type], ['session_id', string_type], ['held_value', string_type],
        ['breakdown_value', string_type], ['entry_rank', bigint_type],
        ['attempt_number', bigint_type], ['entered_at', 'timestamp'], ['entry_date', 'date'],
    ] -%}
    {%- for k in range(1, 11) -%}
        {%- do columns.extend([
            ['step_' ~ k ~ '_rank', bigint_type], ['step_' ~ k ~ '_at', 'timestamp'],
            ['step_' ~ k ~ '_event_id', string_type],
        ]) -%}
    {%- endfor -%}
    {%- do columns.extend([
        ['steps_reached', bigint_type], ['furthest_step_index', bigint_type],
        ['last_step_index', bigint_type], ['dropped_before_step_index', bigint_type],
        ['is_converted', 'boolean'], ['converted_at', 'timestamp'], ['is_excluded', 'boolean'],
        ['exclusion_event_id', string_type], ['next_attempt_id', string_type],
    ]) -%}
    {{ return(columns) }}
{%- endmacro %}
