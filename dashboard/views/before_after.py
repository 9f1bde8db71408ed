"""Before and after: did a response work in the place it was put in, and did ASB move next door?

The OSARA assessment: incidents before and after a date in the response area, a buffer ring
around it and a comparison area, with the weighted displacement quotient read in plain words.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import maps
from dashboard import where_when_data as wwd
from dashboard.auth import require_page
from dashboard.components import about, month_axis
from dashboard.where_when_filters import page_filter
from pipelines.analysis import uneven_sources
from pipelines.errors import AnalysisProblem

DOC = "methods.md"

viewer = require_page(__file__)  # signed in, with a role this page is open to
st.title("Before and after")
f = page_filter("ba", use_period=False)
if f is None:
    st.stop()
st.caption("The period filter does not apply here: the before and after periods are set "
           "below, either side of the date the response started.")
opts = wwd.options(f.csp_codes)

c1, c2 = st.columns([1, 3])
kind = c1.radio("Response area made of", ["lsoa", "cell"], key="ba_kind",
                format_func={"lsoa": "LSOAs", "cell": "Grid cells"}.get)
cell_size = 250.0
if kind == "lsoa":
    lsoas = opts["lsoas"]
    response = c2.multiselect("Response area (LSOAs)", list(lsoas),
                              format_func=lambda c: f"{lsoas.get(c, c)} ({c})", key="ba_lsoas",
                              placeholder="Choose the LSOAs where the response was put in")
else:
    cell_size = float(c1.number_input("Cell size (m)", 50, 2000, 250, step=50,
                                      key="ba_cell_size"))
    choices = wwd.cell_options(f, cell_size)
    label = dict(zip(choices["cell_id"], choices["count"], strict=True))
    response = c2.multiselect(
        "Response area (grid cells; the busiest 400 are offered)", choices["cell_id"].tolist(),
        format_func=lambda c: f"{c} ({label.get(c, 0):,} incidents held)", key="ba_cells",
        placeholder="Choose the cells where the response was put in")

held = wwd.coverage(f)
first_held = pd.Timestamp(held["first_month"].min()).date() if len(held) else date(2022, 1, 1)
last_held = (pd.Timestamp(held["last_month"].max()) + pd.offsets.MonthEnd(0)).date() if len(
    held) else date(2022, 12, 31)
middle = (pd.Timestamp(first_held) + (pd.Timestamp(last_held) - pd.Timestamp(first_held)) / 2)
d1, d2, d3, d4 = st.columns(4)
start = d1.date_input("Response started", value=middle.to_period("M").to_timestamp().date(),
                      min_value=first_held, max_value=last_held, key="ba_start",
                      format="DD/MM/YYYY")
months = int(d2.number_input("Months before and after", 1, 24, 6, key="ba_months"))
gap = int(d3.number_input("Months left out after the start", 0, 12, 0, key="ba_gap",
                          help="An implementation period not counted in either."))
buffer_width = float(d4.number_input("Buffer ring width (m); 0 for none", 0, 5000, 250,
                                     step=50, key="ba_buffer"))
comp_kind = st.radio("Comparison area", ["rest", "lsoas"], horizontal=True,
                     key="ba_comparison", format_func={
                         "rest": "The rest of the CSP area(s) (default)",
                         "lsoas": "LSOAs I choose"}.get)
comparison: list[str] = []
if comp_kind == "lsoas":
    lsoas = opts["lsoas"]
    comparison = st.multiselect("Comparison LSOAs", list(lsoas),
                                format_func=lambda c: f"{lsoas.get(c, c)} ({c})",
                                key="ba_comparison_lsoas")

if not response:
    st.info("Choose the response area above to see the assessment.")
    about(DOC, "Before and after", "About the assessment")
    st.stop()
if comp_kind == "lsoas" and not comparison:
    st.info("Choose the comparison LSOAs, or use the rest of the CSP area.")
    st.stop()

# The comparison area by default is the rest of the CSP area(s) the response is in.
scope = wwd.response_scope(f, kind, tuple(response), cell_size)

try:
    result, trend = wwd.assessment(scope, kind, tuple(response), start, months, gap,
                                   buffer_width, tuple(comparison), cell_size)
except AnalysisProblem as problem:
    st.warning(str(problem), icon=":material/info:")
    st.stop()

st.subheader("Result", anchor=False)
st.caption(f"Before: {result.before[0]:%d %b %Y} to {result.before[1]:%d %b %Y}. "
           f"After: {result.after[0]:%d %b %Y} to {result.after[1]:%d %b %Y}. "
           + " ".join(v[0].upper() + v[1:] + "." for v in result.areas.values()))
counts = result.counts.rename_axis("area").reset_index()
st.dataframe(counts, hide_index=True, key="ba_counts",
             column_config={"pct_change": st.column_config.NumberColumn(
                 "% change", format="%+.1f%%")})
m1, m2, m3 = st.columns(3)
m1.metric("Success measure", "-" if result.success_measure is None
          else f"{result.success_measure:+.4f}",
          help="Ra/Ca - Rb/Cb: negative when the response area improved against the "
               "comparison area.")
m2.metric("Buffer measure", "-" if result.buffer_measure is None
          else f"{result.buffer_measure:+.4f}",
          help="Ba/Ca - Bb/Cb: positive suggests displacement, negative diffusion of benefits.")
m3.metric("Weighted displacement quotient", "-" if result.wdq is None else f"{result.wdq:.2f}")
st.info(f"**{result.outcome.capitalize()}.** {result.reading}", icon=":material/balance:")
uneven = uneven_sources(held[["source_name", "first_month", "last_month"]].itertuples(index=False),
                        [result.before, result.after])
if uneven:
    st.warning(f"Not every source chosen covers both the before and the after months "
               f"({'; '.join(uneven)}). A source starting or stopping looks like ASB rising or "
               "falling: choose sources that cover both (Source filter) before reading the "
               "result.", icon=":material/history:")
for note in result.notes:
    st.caption(note)

left, right = st.columns([3, 2])
with left:
    area_layer, ring_layer, bounds = wwd.response_layers(kind, tuple(response), cell_size,
                                                         buffer_width)
    fig = maps.new_map(wwd.csp_shapes(scope.csp_codes)[0], height=480, bounds=bounds)
    maps.add_classes(fig, area_layer, ["response area"], ["response area"],
                     {"response area": "#d7301f"})
    if ring_layer:
        maps.add_outline(fig, ring_layer, colour="#fd8d3c")
    st.plotly_chart(fig, key="ba_map")
with right:
    chart = go.Figure(go.Bar(x=trend["month"], y=trend["incidents"], marker_color="#1f5f99"))
    chart.add_vline(x=pd.Timestamp(start).to_period("M").to_timestamp(), line_dash="dash")
    chart.update_layout(height=480, margin={"l": 0, "r": 0, "t": 30, "b": 0},
                        title={"text": "Incidents in the response area by month"})
    month_axis(chart, trend["month"])
    st.plotly_chart(chart, key="ba_trend")
about(DOC, "Before and after", "About the assessment")
