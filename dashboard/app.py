"""ASB Insight dashboard: navigation, the global filter bar and the footer.

Run with ``asb dashboard --db WAREHOUSE`` (or ``make run``). Pages hold layout only; the data
comes from :mod:`dashboard.data`. Everyone signs in first (:mod:`dashboard.auth`) and sees
only the pages their role may open. Pages that use the global filters draw the filter bar
themselves (``filter_bar()``) so that its widgets belong to the page run. The pages are listed
in :mod:`dashboard.navigation`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.auth import can_view, note_page, open_requested_page, refusal, sign_in
from dashboard.components import footer
from dashboard.data import check_warehouse, db_path
from dashboard.filters import keep_filters
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

viewer = sign_in()  # draws the sign-in page and stops until someone is signed in
# Pages the role may not open stay registered but hidden, so a direct link explains the refusal.
sections: dict[str, list] = {}
pages: dict[str, st.Page] = {}
# The page a role lands on: the default page if it may open it, else its first page.
allowed_specs = [spec for spec in PAGES if can_view(viewer.role, spec)]
landing = next((s for s in allowed_specs if s.default), allowed_specs[0] if allowed_specs else None)
for spec in PAGES:
    allowed = spec in allowed_specs
    pages[spec.url] = st.Page(
        HERE / "views" / spec.file if allowed else refusal(spec), title=spec.title,
        icon=spec.icon, url_path=spec.url, default=spec is landing,
        visibility="visible" if allowed else "hidden")
    sections.setdefault(spec.section if allowed else "", []).append(pages[spec.url])
navigation = st.navigation(sections, expanded=True)  # every page the role may open, no "more"
open_requested_page(pages)  # after signing in from a link, open the page it pointed to
st.sidebar.caption(f"Warehouse: `{db_path().name}`")
note_page(navigation.url_path)
keep_filters()  # the sidebar filters stay as chosen when the page changes
navigation.run()
footer()
