"""A static, self-contained HTML report of the marts (``make report``).

``warehouse`` reads the marts (aggregating in SQL), ``sections`` turns each mart family into
Plotly figures with captions, ``html`` assembles one page with plotly.js inlined so that it opens
offline, ``build`` ties them together and ``browser`` checks or screenshots the page in headless
Chromium. No dbt dependency: it reads any DuckDB file a build of this package wrote.
"""
