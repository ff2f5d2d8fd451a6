{#-
    The normalised trigger declarations (var journey__triggers, parsed by
    journey.trigger_configs()), one row per trigger and step: what every trigger model joins
    to, and what BI reads to explain a fire.
-#}
{%- set triggers = journey.trigger_configs() -%}
{%- set global_control = journey.trigger_global_control() -%}
{%- set caps = {} -%}
{%- for cap in journey.trigger_channel_caps() -%}{%- do caps.update({cap.channel: cap}) -%}{%- endfor -%}

with declared as (

    {% for t in triggers %}
        {%- set outer_loop = loop -%}
        {%- for s in t.steps %}
            {%- set cap = caps.get(s.channel) -%}
    select
        {{ journey.funnel_literal(t.name) }} as trigger_name,
        {{ s.number }} as step_number,
        {{ journey.funnel_literal(s.name) }} as step_name,
        {{ t.steps | length }} as step_count,
        {{ s.offset_seconds }} as offset_seconds,
        {{ journey.funnel_literal(s.channel) }} as channel,
        {{ journey.funnel_literal(tojson(s.payload, sort_keys=true)) }} as payload,
        {{ t.priority }} as priority,
        {{ journey.funnel_literal(t.entry.events | join(',')) }} as entry_events,
        {{ journey.funnel_literal(tojson({'where': t.entry.where, 'where_columns': t.entry.where_columns, 'state': t.entry.state}, sort_keys=true)) }} as entry_predicates,
        {{ journey.funnel_literal(t.exit.events | join(',')) if t.exit else 'null' }} as exit_events,
        {{ journey.funnel_literal(t.exit.match_property) if t.exit and t.exit.match_property else 'null' }} as exit_match_property,
        {{ t.holdout.share }} as holdout_share,
        {{ journey.funnel_literal(t.holdout.salt) }} as holdout_salt,
        {{ global_control.share }} as global_control_share,
        {{ journey.funnel_literal(global_control.salt) }} as global_control_salt,
        {{ journey.funnel_literal(t.reentry.policy) }} as reentry_policy,
        {{ t.reentry.seconds if t.reentry.seconds is not none else 'null' }} as reentry_seconds,
        {{ t.quiet_hours.start_minute if t.quiet_hours else 'null' }} as quiet_hours_start_minute,
        {{ t.quiet_hours.end_minute if t.quiet_hours else 'null' }} as quiet_hours_end_minute,
        {{ journey.funnel_literal(t.quiet_hours.action) if t.quiet_hours else 'null' }} as quiet_hours_action,
        {{ cap.max if cap else 'null' }} as channel_cap_max,
        {{ journey.funnel_literal(cap.per) if cap else 'null' }} as channel_cap_period,
        {{ journey.funnel_literal(t.goal.events | join(',')) if t.goal else 'null' }} as goal_events,
        {{ t.goal.within_seconds if t.goal else 'null' }} as goal_window_seconds,
        {{ t.audience_window_seconds }} as audience_window_seconds,
        {{ journey.funnel_literal(tojson(t, sort_keys=true)) }} as trigger_spec
            {% if not (outer_loop.last and loop.last) %}
    union all
            {% endif %}
        {%- endfor %}
    {% else %}
        select
            null as trigger_name,
            null as step_number,
            null as step_name,
            null as step_count,
            null as offset_seconds,
            null as channel,
            null as payload,
            null as priority,
            null as entry_events,
            null as entry_predicates,
            null as exit_events,
            null as exit_match_property,
            null as holdout_share,
            null as holdout_salt,
            null as global_control_share,
            null as global_control_salt,
            null as reentry_policy,
            null as reentry_seconds,
            null as quiet_hours_start_minute,
            null as quiet_hours_end_minute,
            null as quiet_hours_action,
            null as channel_cap_max,
            null as channel_cap_period,
            null as goal_events,
            null as goal_window_seconds,
            null as audience_window_seconds,
            null as trigger_spec
    {% endfor %}

),

final as (

    select
        cast(trigger_name as {{ dbt.type_string() }}) as trigger_name,
        cast(step_number as {{ dbt.type_bigint() }}) as step_number,
        cast(step_name as {{ dbt.type_string() }}) as step_name,
        cast(step_count as {{ dbt.type_bigint() }}) as step_count,
        cast(offset_seconds as {{ dbt.type_bigint() }}) as offset_seconds,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(payload as {{ dbt.type_string() }}) as payload,
        cast(priority as {{ dbt.type_bigint() }}) as priority,
        cast(entry_events as {{ dbt.type_string() }}) as entry_events,
        cast(entry_predicates as {{ dbt.type_string() }}) as entry_predicates,
        cast(exit_events as {{ dbt.type_string() }}) as exit_events,
        cast(exit_match_property as {{ dbt.type_string() }}) as exit_match_property,
        cast(holdout_share as {{ dbt.type_numeric() }}) as holdout_share,
        cast(holdout_salt as {{ dbt.type_string() }}) as holdout_salt,
        cast(global_control_share as {{ dbt.type_numeric() }}) as global_control_share,
        cast(global_control_salt as {{ dbt.type_string() }}) as global_control_salt,
        cast(reentry_policy as {{ dbt.type_string() }}) as reentry_policy,
        cast(reentry_seconds as {{ dbt.type_bigint() }}) as reentry_seconds,
        cast(quiet_hours_start_minute as {{ dbt.type_bigint() }}) as quiet_hours_start_minute,
        cast(quiet_hours_end_minute as {{ dbt.type_bigint() }}) as quiet_hours_end_minute,
        cast(quiet_hours_action as {{ dbt.type_string() }}) as quiet_hours_action,
        cast(channel_cap_max as {{ dbt.type_bigint() }}) as channel_cap_max,
        cast(channel_cap_period as {{ dbt.type_string() }}) as channel_cap_period,
        cast(goal_events as {{ dbt.type_string() }}) as goal_events,
        cast(goal_window_seconds as {{ dbt.type_bigint() }}) as goal_window_seconds,
        cast(audience_window_seconds as {{ dbt.type_bigint() }}) as audience_window_seconds,
        cast(trigger_spec as {{ dbt.type_string() }}) as trigger_spec
    from declared
    {% if triggers | length == 0 %}
        where false
    {% endif %}

)

select * from final
