"""Sample behavioural events with planted truth: the development and test data of the package.

Not imported by the product package (``journey_analytics``); installed by ``make setup`` for the
demo, the tests and the benchmarks.
"""
