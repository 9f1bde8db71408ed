"""Overview: how much ASB, where and when, for the filters chosen."""

import plotly.express as px
import streamlit as st

from dashboard import queries
from dashboard.components import about, month_axis
from dashboard.filters import filter_bar

st.title("Anti-social behaviour overview")
filters = filter_bar()
if filters is None:
    st.stop()
totals = queries.asb_totals(filters)
c1, c2, c3, c4 = st.columns(4)
c1.metric("ASB incidents", f"{totals['asb']:,}")
c2.metric("With a location", f"{totals['located']:,}")
c3.metric("In the partnership area", f"{totals['in_area']:,}")
c4.metric("Sources", f"{totals['sources']:,}")

monthly = queries.asb_by_month(filters)
if monthly.empty:
    st.info("No ASB incidents match these filters.")
else:
    fig = px.bar(monthly, x="month", y="incidents", color="source_name",
                 labels={"month": "Month", "incidents": "ASB incidents", "source_name": "Source"})
    fig.update_layout(height=360, margin=dict(l=0, r=0, t=10, b=0), legend_title_text="")
    month_axis(fig, monthly["month"])
    st.plotly_chart(fig, key="overview_monthly")
    by_area = queries.asb_by_area(filters)
    # A rate needs a resident population: incidents in no CSP area (outside the partnership
    # area, or with no location) have none, so they are counted under the table instead of
    # in a row whose rate would be blank (and the rates stay numbers, which sort as numbers).
    outside_rows = by_area["CSP area"] == queries.OUTSIDE_AREA  # an unpopulated area stays
    st.subheader("By CSP area")
    st.dataframe(by_area[~outside_rows], hide_index=True, key="overview_by_area",
                 column_config={"rate_per_1000": st.column_config.NumberColumn(
                     "Rate per 1,000 residents", format="%.1f",
                     help="Incidents per 1,000 residents of the CSP area.")})
    if outside_rows.any():
        outside = int(by_area.loc[outside_rows, "ASB incidents"].sum())
        st.caption(f"Not in the table: {outside:,} incidents outside the partnership area or "
                   "with no location. They have no rate, since a rate per 1,000 residents needs "
                   "a resident population.")
about("warehouse.md", "mart_incident", "Where these figures come from")
