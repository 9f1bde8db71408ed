"""ASB Insight dashboard: navigation, the global filter bar and the footer.

Run with ``asb dashboard --db WAREHOUSE`` (or ``make run``). Pages hold layout only; the data
comes from :mod:`dashboard.data`. Pages that use the global filters draw the filter bar
themselves (``filter_bar()``) so that its widgets belong to the page run. The pages are listed
in :mod:`dashboard.navigation`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.components import footer
from dashboard.data import check_warehouse, db_path
from dashboard.navigation import PAGES

HERE = Path(__file__).parent

st.set_page_config(page_title="ASB Insight", page_icon=":material/shield:", layout="wide")

problem = check_warehouse()
if problem:
    st.title("ASB Insight")
    st.error(problem)
    st.info("Build the sample warehouse with `make run`, or load your own exports with "
            "`asb ingest --db WAREHOUSE --source SOURCE FILE...`.")
    st.stop()

sections: dict[str, list] = {}
for spec in PAGES:
    sections.setdefault(spec.section, []).append(
        st.Page(HERE / "pages" / spec.file, title=spec.title, icon=spec.icon,
                url_path=spec.url, default=spec.default)
    )
navigation = st.navigation(sections)
st.sidebar.caption(f"Warehouse: `{db_path().name}`")
navigation.run()
footer()
