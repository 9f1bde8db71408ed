"""ASB Insight pipelines: turn agency exports into a local DuckDB warehouse and answers.

This package never imports Streamlit; the dashboard reads what it builds.
"""

__version__ = "0.1.0"
