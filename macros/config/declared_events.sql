{#-
    Every canonical event name a declaration refers to, as a list of
    {'event': name, 'declared_in': where}: funnel steps, exclusions and ignored events, path
    analysis anchors, retention start/return events, attribution conversions, power-user rules
    and the segments / engagement event vars. The test assert_declared_events_exist warns about
    each name that is neither in the taxonomy seed nor in fct_events (a typo builds 0 rows).
    A new family that declares steps (triggers, experiments) appends its own here.
-#}
{% macro declared_events() -%}
    {%- set found = [] -%}
    {%- for f in journey.funnel_configs() -%}
        {%- for s in f['steps'] -%}
            {%- for e in s['events'] -%}
                {%- do found.append({'event': e, 'declared_in': 'journey__funnels: funnel ' ~ f['name'] ~ ', step ' ~ s['index']}) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for x in f['exclusions'] -%}
            {%- for e in x['events'] -%}
                {%- do found.append({'event': e, 'declared_in': 'journey__funnels: funnel ' ~ f['name'] ~ ', exclusion ' ~ x['index']}) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for e in f['ignore_events'] -%}
            {%- do found.append({'event': e, 'declared_in': 'journey__funnels: funnel ' ~ f['name'] ~ ', ignore_events'}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for a in journey.path_analyses() -%}
        {%- do found.append({'event': a['anchor_event'], 'declared_in': 'journey__path_analyses: ' ~ a['name'] ~ ', anchor_event'}) -%}
    {%- endfor -%}
    {%- for a in journey.retention_analyses() -%}
        {%- for key in ['start_event', 'return_event'] if a[key] is not none -%}
            {%- do found.append({'event': a[key], 'declared_in': 'journey__retention_analyses: ' ~ a['name'] ~ ', ' ~ key}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for c in journey.attribution_config()['conversions'] -%}
        {%- do found.append({'event': c['event'], 'declared_in': 'journey__attribution_conversions: ' ~ c['name']}) -%}
    {%- endfor -%}
    {%- for rule in journey.power_user_rules() -%}
        {%- for e in rule['event_names'] -%}
            {%- do found.append({'event': e, 'declared_in': 'journey__power_user_rules: ' ~ rule['name']}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for name in [
        'journey__segments_purchase_events', 'journey__power_user_l28_events',
        'journey__power_user_retention_events', 'journey__power_user_conversion_events',
        'journey__power_user_feature_event', 'journey__engagement_event_names',
    ] -%}
        {%- set value = journey.journey_var(name) -%}
        {%- for e in ([value] if value is string else value) -%}
            {%- do found.append({'event': e, 'declared_in': name}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}
