"""ASB Insight dashboard: navigation, the global filter bar and the footer.

Run with ``asb dashboard --db WAREHOUSE`` (or ``make run``). Pages hold layout only; the data
comes from :mod:`dashboard.data`. Pages that use the global filters draw the filter bar
themselves (``filter_bar()``) so that its widgets belong to the page run.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.components import footer
from dashboard.data import check_warehouse, db_path

HERE = Path(__file__).parent

st.set_page_config(page_title="ASB Insight", page_icon=":material/shield:", layout="wide")

problem = check_warehouse()
if problem:
    st.title("ASB Insight")
    st.error(problem)
    st.info("Build the sample warehouse with `make run`, or load your own exports with "
            "`asb ingest --db WAREHOUSE --source SOURCE FILE...`.")
    st.stop()

pages = {
    "Explore": [
        st.Page(HERE / "pages" / "overview.py", title="Overview", icon=":material/dashboard:",
                default=True, url_path="overview"),
    ],
    "Data": [
        st.Page(HERE / "pages" / "data_loaded.py", title="Data loaded", icon=":material/database:",
                url_path="data"),
    ],
}
navigation = st.navigation(pages)
st.sidebar.caption(f"Warehouse: `{db_path().name}`")
navigation.run()
footer()
