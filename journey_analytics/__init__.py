"""journey analytics: the Python half of the dbt package (generator, attribution math)."""

__version__ = "0.1.0"
