"""Data quality beyond dbt's tests: Great Expectations suites on every contracted mart.

``suites`` declares the expectations (what dbt's tests do not check: value ranges, plausible
distributions, non-empty marts, cross-mart totals), ``runner`` validates the marts of a DuckDB
database, writes Data Docs that render offline and prints a summary.
"""
