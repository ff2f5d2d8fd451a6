"""The semantic layer's Python half: the measurement framework declared on the metrics.

The semantic models and metrics themselves are dbt YAML (models/semantic); MetricFlow (optional,
``make metricflow``) answers queries on them.
"""
