"""Governance overview: the CSP board's figures for a period against the same period last year.

Aggregates only, with small numbers suppressed; every figure links to its definition.
"""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import reports
from dashboard.auth import audit, require_page
from dashboard.components import about
from dashboard.filters import filter_bar
from pipelines.report import table_title

DOC = "governance.md"

viewer = require_page(__file__)
st.title("Governance overview")
filters = filter_bar(default_months=12)
if filters is None:
    st.stop()
report = reports.governance(filters)
areas = ", ".join(report.areas.values()) if filters.csp_codes else "all CSP areas"
PREVIOUS = report.previous_name
st.caption(f"{areas} · {report.period.label} against {report.previous.label} "
           f"({report.period.comparison}). Aggregates only: "
           f"counts from 1 to {report.threshold - 1} are hidden and show as [c], as does a "
           "further cell where a total would reveal one.")
if not report.period.year_on_year:
    st.info(f"The period is longer than 12 months, so the same period a year earlier would "
            f"overlap it: it is compared with {report.period.comparison} "
            f"({report.previous.label}) instead. Choose 12 months or fewer (Period filter) to "
            "compare with the same period last year.", icon=":material/date_range:")
for warning in report.warnings:  # every one that applies, not just the first
    st.warning(warning + (" Choose sources that cover both periods (Source filter) before "
                          "reading the change." if warning.startswith("Not every source")
                          else ""), icon=":material/history:")


def _pack_downloaded() -> None:
    audit(viewer, "export", "Governance meeting pack",
          f"{report.period.label}; {areas}")


st.download_button(
    "Download the meeting pack", data=lambda: reports.governance_pack(filters),
    file_name=f"asb-governance-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.html",
    mime="text/html", key="gov_pack", icon=":material/download:", on_click=_pack_downloaded,
    help="One self-contained HTML document (opens offline, prints to A4): these figures, the "
         "map, definitions and data licences. `asb report governance` also makes a PDF.")

volume = report.figure("asb_volume")
if volume.available:
    change = volume.display["change"]
    c1, c2, c3 = st.columns(3)
    c1.metric("ASB incidents", change.at["All areas", "This period"])
    c2.metric(PREVIOUS, change.at["All areas", PREVIOUS])
    c3.metric("Change", change.at["All areas", "Change"])


def _trend_chart(frame: pd.DataFrame) -> None:
    months = [m for m in frame.index if m != "Whole period"]
    if len(months) < 2:
        return
    fig = go.Figure()
    for column, colour in (("This period", "#1f5f99"), (PREVIOUS, "#9fb3c8")):
        values = [pd.to_numeric(str(v).replace(",", ""), errors="coerce")
                  for v in frame.loc[months, column]]
        fig.add_bar(x=months, y=values, name=column, marker_color=colour)
    fig.update_layout(height=300, margin=dict(l=0, r=0, t=10, b=0), barmode="group",
                      legend=dict(orientation="h", y=1.1))
    st.plotly_chart(fig, key="gov_trend_chart")


for figure in report.figures:
    st.subheader(figure.title, anchor=figure.key.replace("_", "-"))
    if not figure.available:
        st.info(f"Not available yet: needs {figure.needs}.", icon=":material/hourglass_empty:")
    else:
        for name, frame in figure.display.items():
            st.caption(table_title(name, report.period.year_on_year))
            st.dataframe(frame, key=f"gov_{figure.key}_{name}")
            if name == "trend":
                _trend_chart(frame)
        for note in figure.notes:
            st.caption(note)
    about(DOC, figure.doc, "How this figure is defined")

st.subheader("Where: ASB per 1,000 residents by LSOA", anchor="map")
st.image(reports.governance_map(filters), width="stretch")
about(DOC, "Map", "How the map is drawn")
about(DOC, "Suppression", "How small numbers are suppressed")
