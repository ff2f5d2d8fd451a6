{#-
    The one table of every journey__* var: its type, what it allows and its default (the value
    in dbt_project.yml, used only where the var is not defined at all). journey.journey_var(name)
    reads a var through this table; journey.check_journey_vars() (on-run-start) checks them all.

    Each entry is a dict with:
      type      integer | number | boolean | string | date | path | list | mapping | any
                  integer  a whole number; a string of digits ("30", what env_var returns) too
                  number   int or float; a numeric string ("0.95") too
                  boolean  true/false; the strings true/false/1/0 (any case) and the numbers 1/0 too
                  string   text; 'allowed' (a list of values) and 'pattern' (a regex) narrow it;
                           'booleans': true/false accepted too (journey__offline_compile)
                  date     'YYYY-MM-DD' (a real calendar day) or a YAML date; returned as the text
                  path     a file path or glob, or a non-empty list of them
                  list     a list; 'items' is a spec (type, allowed, pattern, min, max) for each
                           item; a string that is a YAML list ("[2, 3]") is parsed; 'single': a
                           lone string is taken as a list of one
                  mapping  a dict; a string that is a YAML mapping is parsed
                  any      anything (a family validator checks the structure, see 'checked_by')
      nullable  null is allowed (the string "" or "null" from env_var is taken as null too)
      min, max, exclusive_min, exclusive_max   bounds of integer / number (and of list items)
      min_length  the shortest list allowed
      default   the value when the var is not defined anywhere
      checked_by  the macro that validates the structure further (list-of-mapping vars); the
                  on-run-start check calls it, so a bad declaration fails even when unused

    journey__ga4_start_date is typed here; its YYYYMMDD form is checked by stg_ga4__events, so
    that a tracker's errors are reported by its own model, and only when GA4 is read.

    To add a var (a new family, e.g. triggers or experiments): declare it in dbt_project.yml with a
    comment, add one entry here with the same default, and read it with
    journey.journey_var('journey__<name>') instead of var(). tests/python/test_var_guards.py fails
    when a var in dbt_project.yml has no entry here or the defaults differ.

    `dbt run-operation check_journey_vars --args '{report: true}'` prints every var's checked value.
-#}
{% macro journey_var_specs() -%}
    {%- set event_name = {'type': 'string', 'pattern': '^[a-z0-9_]{1,100}$', 'what': 'a canonical event name (lower-case letters, digits and _, e.g. order_completed)'} -%}
    {%- set event_names = {'type': 'list', 'items': event_name, 'single': True} -%}
    {%- set specs = {
        'journey__generic_events_path': {'type': 'path', 'default': 'data/sample/events/*.parquet'},
        'journey__generic_events_format': {'type': 'string', 'allowed': ['parquet', 'csv'], 'nullable': True, 'default': None},
        'journey__generic_events_database': {'type': 'string', 'nullable': True, 'default': None},
        'journey__generic_events_schema': {'type': 'string', 'default': 'raw'},
        'journey__generic_events_table': {'type': 'string', 'default': 'events'},
        'journey__max_future_minutes': {'type': 'integer', 'min': 0, 'default': 1440},
        'journey__min_event_date': {'type': 'date', 'default': '2000-01-01'},
        'journey__session_timeout_minutes': {'type': 'integer', 'min': 1, 'max': 10080, 'default': 30},
        'journey__session_source': {'type': 'string', 'allowed': ['rules', 'tracker'], 'default': 'rules'},
        'journey__session_split_at_midnight': {'type': 'boolean', 'default': False},
        'journey__session_split_on_campaign_change': {'type': 'boolean', 'default': False},
        'journey__erasure_relation': {'type': 'string', 'nullable': True, 'default': None},
        'journey__offline_compile': {'type': 'string', 'allowed': ['full', 'incremental'], 'booleans': True, 'default': False},
        'journey__reporting_currency': {'type': 'string', 'pattern': '^[A-Z]{3}$', 'what': 'an ISO 4217 code such as USD', 'default': 'USD'},
        'journey__identity_resolution': {'type': 'string', 'allowed': ['last_seen', 'first_seen'], 'default': 'last_seen'},
        'journey__source_generic_enabled': {'type': 'boolean', 'default': True},
        'journey__paid_medium_regex': {'type': 'string', 'pattern': "^[^']*$", 'what': 'a regex without single quotes', 'default': '^(.*cp.*|ppc|retargeting|paid.*)$'},
        'journey__attribution_conversions': {'type': 'list', 'checked_by': 'attribution_config', 'default': [{'name': 'purchase', 'event': 'order_completed'}, {'name': 'subscription', 'event': 'subscription_started'}]},
        'journey__attribution_start_date': {'type': 'date', 'nullable': True, 'default': None},
        'journey__attribution_end_date': {'type': 'date', 'nullable': True, 'default': None},
        'journey__attribution_lookback_days': {'type': 'number', 'min': 0, 'nullable': True, 'default': 30},
        'journey__attribution_lookback_steps': {'type': 'integer', 'min': 0, 'nullable': True, 'default': None},
        'journey__attribution_include_converting_session': {'type': 'boolean', 'default': True},
        'journey__attribution_non_conversion_paths': {'type': 'string', 'allowed': ['non_converting_users', 'after_last_conversion'], 'default': 'non_converting_users'},
        'journey__attribution_path_transforms': {'type': 'any', 'checked_by': 'attribution_config', 'default': ['exposure']},
        'journey__attribution_direct_channels': {'type': 'list', 'items': {'type': 'string'}, 'single': True, 'default': ['Direct']},
        'journey__attribution_heuristic_models': {'type': 'list', 'items': {'type': 'string', 'allowed': ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based']}, 'default': ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based']},
        'journey__attribution_time_decay_half_life': {'type': 'string', 'pattern': '^\\s*[0-9]+([.][0-9]+)?\\s*(hours?|h|days?|d)\\s*$', 'what': "a duration such as '7 days' or '12 hours'", 'default': '7 days'},
        'journey__attribution_position_based_weights': {'type': 'mapping', 'checked_by': 'attribution_config', 'default': {'first': 0.4, 'last': 0.4}},
        'journey__attribution_python_models': {'type': 'boolean', 'default': True},
        'journey__attribution_data_driven_models': {'type': 'list', 'items': {'type': 'string', 'allowed': ['markov', 'shapley', 'shapley_path', 'shapley_simplified', 'shapley_ordered', 'fractribution']}, 'default': ['markov', 'shapley', 'shapley_simplified', 'shapley_ordered', 'fractribution']},
        'journey__attribution_python_options': {'type': 'mapping', 'nullable': True, 'default': {}},
        'journey__attribution_results_schema': {'type': 'string', 'nullable': True, 'default': None},
        'journey__attribution_results_table': {'type': 'string', 'default': 'attribution_channel_results'},
        'journey__attribution_sessions_relation': {'type': 'string', 'nullable': True, 'default': None},
        'journey__attribution_events_relation': {'type': 'string', 'nullable': True, 'default': None},
        'journey__crm_cancellation_survey_path': {'type': 'path', 'nullable': True, 'default': None},
        'journey__segments_as_of_date': {'type': 'date', 'nullable': True, 'default': None},
        'journey__segments_purchase_events': dict(event_names, min_length=1, default=['order_completed']),
        'journey__rfm_snapshot_period': {'type': 'string', 'allowed': ['day', 'week', 'month', 'quarter'], 'default': 'month'},
        'journey__power_user_identified_only': {'type': 'boolean', 'default': True},
        'journey__power_user_l28_events': dict(event_names, default=['feature_used']),
        'journey__power_user_l28_rank_by': {'type': 'string', 'allowed': ['events', 'active_days'], 'default': 'events'},
        'journey__power_user_top_share': {'type': 'number', 'exclusive_min': 0, 'exclusive_max': 1, 'default': 0.1},
        'journey__power_user_rules': {'type': 'list', 'nullable': True, 'checked_by': 'power_user_rules', 'default': []},
        'journey__power_user_retention_days': {'type': 'list', 'items': {'type': 'integer', 'min': 0}, 'checked_by': 'retention_window_days', 'default': [29, 56]},
        'journey__power_user_retention_events': dict(event_names, default=[]),
        'journey__power_user_conversion_events': dict(event_names, min_length=1, default=['order_completed', 'subscription_started']),
        'journey__power_user_feature_event': dict(event_name, default='feature_used'),
        'journey__segments_confidence_level': {'type': 'number', 'exclusive_min': 0, 'exclusive_max': 1, 'default': 0.95},
        'journey__clv_horizon_days': {'type': 'integer', 'min': 1, 'default': 365},
        'journey__clv_monthly_discount_rate': {'type': 'number', 'min': 0, 'exclusive_max': 1, 'default': 0.01},
        'journey__clv_holdout_days': {'type': 'integer', 'min': 1, 'nullable': True, 'default': None},
        'journey__journey_stage_current': {'type': 'string', 'allowed': ['furthest', 'latest'], 'default': 'furthest'},
        'journey__segments_python_models': {'type': 'boolean', 'default': True},
        'journey__path_analyses': {'type': 'list', 'nullable': True, 'checked_by': 'path_analyses', 'default': []},
        'journey__transitions_collapse_repeats': {'type': 'boolean', 'default': False},
        'journey__ngram_sizes': {'type': 'list', 'items': {'type': 'integer', 'min': 2, 'max': 6}, 'min_length': 1, 'default': [2, 3, 4]},
        'journey__top_paths_collapse_repeats': {'type': 'boolean', 'default': True},
        'journey__top_paths_max_events': {'type': 'integer', 'min': 1, 'default': 20},
        'journey__top_paths_limit': {'type': 'integer', 'min': 1, 'default': 1000},
        'journey__retention_analyses': {'type': 'list', 'nullable': True, 'checked_by': 'retention_analyses', 'default': []},
        'journey__engagement_event_names': dict(event_names, default=[]),
        'journey__mau_window_days': {'type': 'integer', 'min': 8, 'max': 366, 'default': 30},
        'journey__engagement_curve_windows': {'type': 'list', 'items': {'type': 'integer', 'min': 1, 'max': 366}, 'min_length': 1, 'default': [7, 28]},
        'journey__lifecycle_period_units': {'type': 'list', 'items': {'type': 'string', 'allowed': ['day', 'week', 'month']}, 'min_length': 1, 'default': ['day', 'week', 'month']},
        'journey__funnels': {'type': 'list', 'nullable': True, 'checked_by': 'funnel_configs', 'default': []},
        'journey__source_segment_enabled': {'type': 'boolean', 'default': False},
        'journey__source_ga4_enabled': {'type': 'boolean', 'default': False},
        'journey__source_snowplow_enabled': {'type': 'boolean', 'default': False},
        'journey__segment_database': {'type': 'string', 'nullable': True, 'default': None},
        'journey__segment_schema': {'type': 'string', 'default': 'segment'},
        'journey__segment_path': {'type': 'string', 'default': 'data/segment/{table}/*.parquet'},
        'journey__segment_format': {'type': 'string', 'allowed': ['parquet', 'csv', 'json'], 'default': 'parquet'},
        'journey__segment_tables': {'type': 'list', 'items': {'type': 'string', 'allowed': ['tracks', 'pages', 'screens', 'identifies']}, 'default': ['tracks', 'pages', 'identifies']},
        'journey__segment_event_tables': {'type': 'list', 'items': {'type': 'string', 'pattern': '^[a-z0-9_]+$', 'what': "a Segment table name (lower-case letters, digits, _)"}, 'default': []},
        'journey__segment_revenue_events': {'type': 'list', 'items': {'type': 'string', 'pattern': "^[^']*$", 'what': 'text without single quotes'}, 'default': ['Order Completed']},
        'journey__ga4_project': {'type': 'string', 'nullable': True, 'default': None},
        'journey__ga4_dataset': {'type': 'string', 'default': 'analytics_000000000'},
        'journey__ga4_events_path': {'type': 'path', 'default': 'data/ga4/events_*.json*'},
        'journey__ga4_start_date': {'type': 'string', 'numbers_as_text': True, 'nullable': True, 'default': None},
        'journey__ga4_include_intraday': {'type': 'boolean', 'default': True},
        'journey__ga4_revenue_events': {'type': 'list', 'items': {'type': 'string', 'pattern': "^[^']*$", 'what': 'text without single quotes'}, 'default': ['purchase', 'in_app_purchase']},
        'journey__snowplow_database': {'type': 'string', 'nullable': True, 'default': None},
        'journey__snowplow_schema': {'type': 'string', 'default': 'atomic'},
        'journey__snowplow_events_table': {'type': 'string', 'default': 'events'},
        'journey__snowplow_events_path': {'type': 'path', 'default': 'data/snowplow/events/*.parquet'},
        'journey__snowplow_events_format': {'type': 'string', 'allowed': ['parquet', 'csv', 'json'], 'default': 'parquet'},
        'journey__snowplow_anonymous_id_columns': {'type': 'list', 'items': {'type': 'string', 'pattern': '^[a-z_][a-z0-9_]*$', 'what': 'a column name'}, 'min_length': 1, 'default': ['domain_userid']},
        'journey__snowplow_struct_event_name': {'type': 'string', 'allowed': ['category_action', 'action'], 'default': 'category_action'},
        'journey__seed_overrides': {'type': 'mapping', 'nullable': True, 'default': {}},
        'journey__propensity_feature_days': {'type': 'integer', 'min': 1, 'max': 14, 'default': 3},
        'journey__propensity_cutoff_date': {'type': 'date', 'nullable': True, 'default': None},
        'journey__propensity_l2_penalty': {'type': 'number', 'min': 0, 'default': 1.0},
        'journey__power_user_outcome_days': {'type': 'integer', 'nullable': True, 'min': 1, 'max': 366, 'default': 28},
        'journey__power_user_correction': {'type': 'string', 'allowed': ['bh', 'holm'], 'default': 'bh'},
        'journey__experiments': {'type': 'list', 'nullable': True, 'checked_by': 'experiment_configs', 'default': []},
        'journey__experiment_metrics': {'type': 'list', 'nullable': True, 'checked_by': 'experiment_metric_configs', 'default': []},
        'journey__experiment_srm_threshold': {'type': 'number', 'exclusive_min': 0, 'exclusive_max': 1, 'default': 0.001},
        'journey__trigger_outcomes_relation': {'type': 'string', 'nullable': True, 'default': 'fct_trigger_outcomes'},
        'journey__trigger_lift_confidence_level': {'type': 'number', 'exclusive_min': 0, 'exclusive_max': 1, 'default': 0.95},
        'journey__experiments_python_models': {'type': 'boolean', 'default': True},
        'journey__triggers': {'type': 'list', 'nullable': True, 'checked_by': 'trigger_configs', 'default': []},
        'journey__trigger_global_control': {'type': 'mapping', 'checked_by': 'trigger_global_control', 'default': {'share': 0.0, 'salt': 'journey-global'}},
        'journey__trigger_channel_caps': {'type': 'mapping', 'nullable': True, 'checked_by': 'trigger_channel_caps', 'default': {'email': {'max': 1, 'per': 'day'}}},
        'journey__trigger_allowed_lateness': {'type': 'string', 'checked_by': 'trigger_settings', 'default': '2 minutes'},
        'journey__trigger_default_timezone': {'type': 'string', 'pattern': '^[A-Za-z0-9_+/-]+$', 'what': 'an IANA time zone name such as Europe/Paris', 'default': 'UTC'},
        'journey__trigger_outcome_window': {'type': 'string', 'default': '7 days'},
        'journey__trigger_audience_window': {'type': 'string', 'default': '7 days'},
        'journey__trigger_suppressions_relation': {'type': 'string', 'nullable': True, 'default': None},
        'journey__trigger_audience_as_of': {'type': 'string', 'nullable': True, 'default': None},
    } -%}
    {{ return(specs) }}
{%- endmacro %}
