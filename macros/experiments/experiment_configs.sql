{#-
    The experiments declared in var('journey__experiments'), validated and normalised, each with
    its metrics (from var('journey__experiment_metrics')) resolved. Unknown keys, bad values and
    undeclared metric names raise errors naming the experiment or metric and the key.

    An experiment: name, exposure_event (canonical event name in fct_events),
    experiment_key_property (default experiment_key), variant_property (default variant),
    experiment_key (the property's value; default name), variants {name: share, ...} (at least
    two, shares > 0, normalised), control (default the first variant), metrics [names] (default
    all), correction (bh | holm), confidence_level (default 0.95), power (default 0.8),
    sequential (default false), sequential_tuning_n (default 5000).
    Returned: the same keys plus control, variant_list [{name, share}] and metric_list
    [normalised metrics, see experiment_metric_configs].
-#}
{% macro experiment_configs(experiments=none, metrics=none) -%}
    {%- set raw = var('journey__experiments', []) if experiments is none else experiments -%}
    {%- if raw is none -%}{%- set raw = [] -%}{%- endif -%}
    {%- if raw is mapping or raw is string or raw is not iterable -%}
        {{ exceptions.raise_compiler_error("journey__experiments must be a list of experiment mappings, got: " ~ raw) }}
    {%- endif -%}
    {%- set all_metrics = journey.experiment_metric_configs(metrics) -%}
    {%- set by_name = {} -%}
    {%- for m in all_metrics -%}{%- do by_name.update({m.name: m}) -%}{%- endfor -%}
    {%- set known = [
        'name', 'description', 'exposure_event', 'experiment_key_property', 'variant_property',
        'experiment_key', 'variants', 'control', 'metrics', 'correction', 'confidence_level',
        'power', 'sequential', 'sequential_tuning_n',
    ] -%}
    {%- set seen = [] -%}
    {%- set out = [] -%}
    {%- for e in raw -%}
        {{ journey.check_named_config_entry(e, 'journey__experiments[' ~ loop.index0 ~ ']', known, seen) }}
        {%- set where = "experiment '" ~ e.name ~ "'" -%}
        {%- if e.get('exposure_event') is not string or e.get('exposure_event') == '' -%}
            {{ exceptions.raise_compiler_error(where ~ ": exposure_event (the event name that records an exposure) is required") }}
        {%- endif -%}
        {{ journey.funnel_check_event_name(e.exposure_event, where ~ ".exposure_event") }}
        {%- for key in ['experiment_key_property', 'variant_property'] -%}
            {%- if e.get(key) is not none and (e.get(key) is not string or not modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', e.get(key))) -%}
                {{ exceptions.raise_compiler_error(where ~ ": " ~ key ~ " must be a property key (letters, digits, _), got: " ~ e.get(key)) }}
            {%- endif -%}
        {%- endfor -%}
        {%- set plain_value = '^[^\'"\\\\]+$' -%}
        {%- if e.get('experiment_key') is not none and not modules.re.match(plain_value, e.get('experiment_key') | string) -%}
            {{ exceptions.raise_compiler_error(where ~ ": experiment_key must be a non-empty value without quotes or backslashes, got: " ~ e.get('experiment_key')) }}
        {%- endif -%}
        {%- set variants = e.get('variants') -%}
        {%- if variants is not mapping -%}
            {{ exceptions.raise_compiler_error(where ~ ": variants must map each variant name to its declared share, e.g. {control: 0.5, treatment: 0.5}; got: " ~ variants) }}
        {%- endif -%}
        {%- if variants | length < 2 -%}
            {{ exceptions.raise_compiler_error(where ~ ": an experiment needs at least two variants (a control and one treatment); got: " ~ (variants | list | join(', '))) }}
        {%- endif -%}
        {%- set variant_list = [] -%}
        {%- set total = namespace(share=0) -%}
        {%- for v, share in variants.items() -%}
            {%- if not modules.re.match(plain_value, v | string) -%}
                {{ exceptions.raise_compiler_error(where ~ ": variant names must not contain quotes or backslashes, got: " ~ v) }}
            {%- endif -%}
            {%- if share is not number or share <= 0 -%}
                {{ exceptions.raise_compiler_error(where ~ ": variants." ~ v ~ " must be a positive share, got: " ~ share) }}
            {%- endif -%}
            {%- set total.share = total.share + share -%}
        {%- endfor -%}
        {%- for v, share in variants.items() -%}
            {%- do variant_list.append({'name': v | string, 'share': share / total.share}) -%}
        {%- endfor -%}
        {%- set control = (e.get('control') or variant_list[0].name) | string -%}
        {%- if control not in (variant_list | map(attribute='name') | list) -%}
            {{ exceptions.raise_compiler_error(where ~ ": control '" ~ control ~ "' is not one of its variants (" ~ (variant_list | map(attribute='name') | join(', ')) ~ ")") }}
        {%- endif -%}
        {%- set names = e.get('metrics') if e.get('metrics') is not none else (all_metrics | map(attribute='name') | list) -%}
        {%- if names is string -%}{%- set names = [names] -%}{%- endif -%}
        {%- set metric_list = [] -%}
        {%- for n in names -%}
            {%- if n not in by_name -%}
                {{ exceptions.raise_compiler_error(where ~ ": metric '" ~ n ~ "' is not declared in journey__experiment_metrics") }}
            {%- endif -%}
            {%- do metric_list.append(by_name[n]) -%}
        {%- endfor -%}
        {%- set correction = e.get('correction') or 'bh' -%}
        {%- if correction not in ['bh', 'holm'] -%}
            {{ exceptions.raise_compiler_error(where ~ ": correction must be bh (Benjamini-Hochberg) or holm, got: " ~ correction) }}
        {%- endif -%}
        {%- for key, default in [('confidence_level', 0.95), ('power', 0.8)] -%}
            {%- set value = e.get(key, default) -%}
            {%- if value is not number or value <= 0 or value >= 1 -%}
                {{ exceptions.raise_compiler_error(where ~ ": " ~ key ~ " must be a number between 0 and 1, got: " ~ value) }}
            {%- endif -%}
        {%- endfor -%}
        {%- set tuning = e.get('sequential_tuning_n', 5000) -%}
        {%- if tuning is not number or tuning <= 0 -%}
            {{ exceptions.raise_compiler_error(where ~ ": sequential_tuning_n must be a positive number of units, got: " ~ tuning) }}
        {%- endif -%}
        {%- do out.append({
            'name': e.name,
            'exposure_event': e.exposure_event,
            'experiment_key_property': e.get('experiment_key_property') or 'experiment_key',
            'variant_property': e.get('variant_property') or 'variant',
            'experiment_key': (e.get('experiment_key') or e.name) | string,
            'variant_list': variant_list,
            'control': control,
            'metric_list': metric_list,
            'correction': correction,
            'confidence_level': e.get('confidence_level', 0.95),
            'power': e.get('power', 0.8),
            'sequential': e.get('sequential', false) | as_bool,
            'sequential_tuning_n': tuning,
        }) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}
