"""Location profile: a place's incidents, victims, perpetrators, peak times and linked cases.
A person-level page (it names people), role-gated and audited."""

from dashboard.auth import require_page

viewer = require_page(__file__)  # the permission check and audit row: keep this line first

import pandas as pd  # noqa: E402
import plotly.express as px  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import victims_data as vd  # noqa: E402
from dashboard.auth import audit_view  # noqa: E402
from dashboard.vol_widgets import pick_place  # noqa: E402

TITLE = "Location profile"
st.title(TITLE)
key = pick_place("lp")
if key is None:
    st.stop()
audit_view(viewer, TITLE, f"place:{key}")
place = vd.place(key)
incidents = vd.place_incidents(key)
people = vd.place_people(key)
st.subheader(place["place"] or key)
st.caption(" · ".join(str(x) for x in (place["kind"], place["ward_name"], place["csp_name"],
                                       key) if isinstance(x, str)))
c1, c2, c3, c4 = st.columns(4)
c1.metric("Reports", f"{int(place['reports']):,}")
c2.metric("Victims", f"{int(place['victims']):,}")
c3.metric("Perpetrators", f"{int(place['perpetrators']):,}")
c4.metric("Linked cases", f"{int(place['cases']):,}")

st.subheader("Peak times")
peak = vd.peak_times(incidents)
st.caption(f"Reports by day and time of the behaviour ({int(peak.values.sum()):,} with a time).")
fig = px.imshow(peak, text_auto=True, aspect="auto", color_continuous_scale="Blues",
                labels={"color": "Reports"})
fig.update_layout(height=300, margin=dict(l=0, r=0, t=10, b=0))
st.plotly_chart(fig, key="lp_peak_chart")
st.dataframe(peak, key="lp_peak")

left, right = st.columns(2)
with left:
    st.subheader("People")
    st.dataframe(people, hide_index=True, key="lp_people")
with right:
    st.subheader("Linked cases")
    cases = (incidents.dropna(subset=["case_id"])
             .groupby("case_id").agg(reports=("incident_id", "size"),
                                     last_report=("reported_at", "max")).reset_index())
    st.dataframe(cases, hide_index=True, key="lp_cases")
st.subheader("Incidents")
st.dataframe(incidents.assign(reported_at=pd.to_datetime(incidents["reported_at"])),
             hide_index=True, key="lp_incidents")
if st.button("Show this place's network", key="lp_network"):
    st.session_state["vol_start"] = f"place:{key}"
    st.switch_page("views/network.py")
