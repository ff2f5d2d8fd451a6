{#-
    The segment marts a trigger's entry state may read (entry.state.relation), each with the
    column that orders several rows of one user (the latest first; none where the mart has one
    row per user) and whether it is a dbt Python model (off with journey__segments_python_models:
    false, when scripts write the table instead). Every one is a segments mart keyed by user_id.
-#}
{% macro trigger_state_relations() -%}
    {{ return({
        'dim_customer_rfm': {'order_column': none, 'what': 'RFM segment of each customer'},
        'dim_power_user_cohorts': {'order_column': none, 'what': 'power-user cohort of each user'},
        'dim_user_clv': {'order_column': none, 'what': 'historical CLV of each user'},
        'fct_customer_clv_predicted': {'order_column': none, 'what': 'predicted CLV of each customer', 'python_model': true},
        'dim_user_journey_stages': {'order_column': none, 'what': 'journey stage of each user'},
        'dim_user_propensity': {'order_column': none, 'what': 'trial start and predicted propensity of each trial user', 'python_model': true},
        'dim_user_cancellation_clusters': {'order_column': 'cancelled_at', 'what': 'cancellation cluster of each cancellation'},
    }) }}
{%- endmacro %}
