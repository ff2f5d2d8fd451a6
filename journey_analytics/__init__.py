"""journey analytics: the Python half of the dbt package.

Grouped by capability, each subpackage's math free of dbt: ``attribution`` (data-driven and
heuristic multi-touch attribution), ``segments`` (power-user statistics, CLV) and ``serving``
(publishing marts for BI). The sample-event generator is not part of this package: it lives in
``tools/sample`` (package ``journey_sample``), a development tool.
"""

__version__ = "0.1.0"
