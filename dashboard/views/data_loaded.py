"""Data loaded: what each source holds, month by month, and every rejected row with its reason."""

import streamlit as st

from dashboard import queries
from dashboard.auth import require_page
from dashboard.components import about
from dashboard.upload_section import upload_section

viewer = require_page(__file__)
st.title("Data loaded")
st.caption("What the warehouse holds, where each figure comes from, and what was rejected. "
           "Load more here or with `asb ingest` (see docs/data-contract.md).")
if viewer.role == "analyst":
    upload_section()

sources = queries.source_summary()
st.subheader("Sources")
st.dataframe(sources, hide_index=True, key="data_sources")

st.subheader("ASB incidents by source and month")
pivot = queries.source_month_pivot()
if pivot.empty:
    st.info("No incidents loaded yet.")
else:
    st.dataframe(pivot, key="data_source_month")

st.subheader("Files")
files = queries.files()
st.dataframe(files, hide_index=True, key="data_files")

st.subheader("Rejected rows")
reasons = queries.reject_reasons()
if reasons.empty:
    st.success("No rows have been rejected.")
else:
    st.write(f"{int(reasons['rows'].sum()):,} rows were rejected. Fix them in the export and "
             "load the file again; rows already loaded are recognised as duplicates.")
    st.dataframe(reasons, hide_index=True, key="data_reject_reasons")
    choice = st.selectbox("Show rejected rows for", reasons["reason"].tolist(),
                          key="data_reject_choice")
    st.dataframe(queries.rejects_for(choice), hide_index=True, key="data_reject_rows")
about("warehouse.md", "mart_file", "About the load records")
