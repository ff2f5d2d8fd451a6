{#-
    The metrics declared in var('journey__experiment_metrics'), validated and normalised.

    A metric: name, type (conversion | count | sum | ratio | retention), event (canonical event
    name or list; null = any event), value (sum: 'revenue' or a numeric property key), window
    (e.g. '7 days', after the first exposure), numerator / denominator (ratio: {event, agg:
    count | sum | sessions | active_days, value}), retention_day (retention: active on day N
    after exposure), direction (higher | lower is better, default higher), guardrail (default
    false), winsorize_percentile (count and sum: cap per-unit values at this percentile, 0-1),
    cuped_lookback (e.g. '14 days': the same measure before exposure is the CUPED covariate).
    Returned: name, type, direction, guardrail, winsorize (number | none), y and x (components
    {events [names] | none, agg, value, start_seconds, end_seconds}; x none unless ratio),
    cuped (a component over the lookback | none), window_end_seconds.
-#}
{% macro experiment_metric_configs(metrics=none) -%}
    {%- set raw = var('journey__experiment_metrics', []) if metrics is none else metrics -%}
    {%- if raw is none -%}{%- set raw = [] -%}{%- endif -%}
    {%- if raw is mapping or raw is string or raw is not iterable -%}
        {{ exceptions.raise_compiler_error("journey__experiment_metrics must be a list of metric mappings, got: " ~ raw) }}
    {%- endif -%}
    {%- set known = [
        'name', 'description', 'type', 'event', 'value', 'window', 'numerator', 'denominator',
        'retention_day', 'direction', 'guardrail', 'winsorize_percentile', 'cuped_lookback',
    ] -%}
    {%- set seen = [] -%}
    {%- set out = [] -%}
    {%- for m in raw -%}
        {{ journey.check_named_config_entry(m, 'journey__experiment_metrics[' ~ loop.index0 ~ ']', known, seen) }}
        {%- set where = "experiment metric '" ~ m.name ~ "'" -%}
        {%- set kind = m.get('type') -%}
        {%- if kind not in ['conversion', 'count', 'sum', 'ratio', 'retention'] -%}
            {{ exceptions.raise_compiler_error(where ~ ": type must be conversion, count, sum, ratio or retention, got: " ~ kind) }}
        {%- endif -%}
        {%- set direction = m.get('direction') or 'higher' -%}
        {%- if direction not in ['higher', 'lower'] -%}
            {{ exceptions.raise_compiler_error(where ~ ": direction must be higher or lower (which way is better), got: " ~ direction) }}
        {%- endif -%}
        {%- if kind == 'retention' -%}
            {%- set day = m.get('retention_day') -%}
            {%- if day is not number or day < 1 -%}
                {{ exceptions.raise_compiler_error(where ~ ": retention_day must be a whole number of days >= 1, got: " ~ day) }}
            {%- endif -%}
            {%- if m.get('window') is not none -%}
                {{ exceptions.raise_compiler_error(where ~ ": a retention metric's window is its retention_day; remove window") }}
            {%- endif -%}
            {%- set start_s, end_s = (day | int) * 86400, (day | int + 1) * 86400 -%}
        {%- else -%}
            {%- set end_s = journey.funnel_parse_duration(m.get('window'), where ~ ".window") -%}
            {%- if end_s is none or end_s <= 0 -%}
                {{ exceptions.raise_compiler_error(where ~ ": window is required (e.g. '7 days': the metric counts what happens in that time after the first exposure)") }}
            {%- endif -%}
            {%- set start_s = 0 -%}
        {%- endif -%}
        {%- if kind == 'ratio' -%}
            {%- set y = journey.experiment_metric_component(m.get('numerator'), where ~ ".numerator", start_s, end_s) -%}
            {%- set x = journey.experiment_metric_component(m.get('denominator'), where ~ ".denominator", start_s, end_s) -%}
        {%- else -%}
            {%- for key in ['numerator', 'denominator'] -%}
                {%- if m.get(key) is not none -%}
                    {{ exceptions.raise_compiler_error(where ~ ": " ~ key ~ " only applies to type ratio") }}
                {%- endif -%}
            {%- endfor -%}
            {%- set agg = {'conversion': 'any', 'retention': 'any', 'count': 'count', 'sum': 'sum'}[kind] -%}
            {%- if kind == 'sum' and m.get('value') is none -%}
                {{ exceptions.raise_compiler_error(where ~ ": a sum metric needs value ('revenue' or a numeric property key)") }}
            {%- endif -%}
            {%- set y = journey.experiment_metric_component({'event': m.get('event'), 'agg': agg, 'value': m.get('value')}, where, start_s, end_s) -%}
            {%- set x = none -%}
        {%- endif -%}
        {%- set winsorize = m.get('winsorize_percentile') -%}
        {%- if winsorize is not none -%}
            {%- if kind not in ['count', 'sum'] -%}
                {{ exceptions.raise_compiler_error(where ~ ": winsorize_percentile applies to count and sum metrics only (type is " ~ kind ~ ")") }}
            {%- endif -%}
            {%- if winsorize is not number or winsorize <= 0 or winsorize > 1 -%}
                {{ exceptions.raise_compiler_error(where ~ ": winsorize_percentile must be a fraction in (0, 1], e.g. 0.99; got: " ~ winsorize) }}
            {%- endif -%}
        {%- endif -%}
        {%- set lookback = journey.funnel_parse_duration(m.get('cuped_lookback'), where ~ ".cuped_lookback") -%}
        {%- if lookback is not none and kind == 'ratio' -%}
            {{ exceptions.raise_compiler_error(where ~ ": cuped_lookback is not supported on ratio metrics (CUPED here adjusts one per-unit variable)") }}
        {%- endif -%}
        {%- set cuped = none -%}
        {%- if lookback is not none -%}
            {%- set cuped = {'events': y.events, 'agg': y.agg, 'value': y.value, 'start_seconds': -lookback, 'end_seconds': 0} -%}
        {%- endif -%}
        {%- do out.append({
            'name': m.name, 'type': kind, 'direction': direction,
            'guardrail': m.get('guardrail', false) | as_bool, 'winsorize': winsorize,
            'y': y, 'x': x, 'cuped': cuped, 'window_end_seconds': end_s,
        }) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}
