"""Victim profile: one timeline across agencies, the case review status, risk history, and
the perpetrators and places linked to the victim. A person-level page, role-gated and audited.
"""

from dashboard.auth import require_page

viewer = require_page(__file__)  # the permission check and audit row: keep this line first

import pandas as pd  # noqa: E402
import plotly.express as px  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import victims_data as vd  # noqa: E402
from dashboard.auth import audit_view  # noqa: E402
from dashboard.components import about  # noqa: E402
from dashboard.vol_widgets import (  # noqa: E402
    as_of_input,
    open_person,
    pick_person,
    refs_text,
)

TITLE = "Victim profile"
st.title(TITLE)
pid = pick_person("vp", side="victim")
if pid is None:
    st.stop()
audit_view(viewer, TITLE, pid)
person = vd.person(pid)
if person is None:
    st.warning("This person is no longer in the warehouse (record linkage may have merged "
               "them into someone else after a rebuild): search again.")
    st.stop()
st.subheader(person["name"])
born = pd.Timestamp(person["date_of_birth"]) if pd.notna(person["date_of_birth"]) else None
variants = [n for n in (person["names_recorded"] if person["names_recorded"] is not None else [])
            if n != person["name"]]
st.caption(f"{refs_text(person['person_record_ids'])}"
           + (f" · born {born:%d/%m/%Y}" if born is not None else "")
           + (f" · also recorded as {', '.join(variants)}" if variants else ""))
if person["vulnerable"]:
    st.warning("Recorded as vulnerable by at least one agency.", icon=":material/shield_person:")
if person["victim_and_perpetrator"]:
    st.error(f"Also named as a suspect or perpetrator in {int(person['perpetrator_incidents'])} "
             "incident(s): check for counter-allegations. Is the person complained about in "
             "fact the victim here (seed 001: \"are they themselves the victim?\")",
             icon=":material/sync_alt:")
    open_person(pid, "perpetrator", "vp_open_perp", "Open as a perpetrator")

as_of = as_of_input("vp_as_of")
if as_of is None:
    st.stop()
review = vd.ledger(as_of)
row = review.people[review.people["person_id"] == pid]
status = row.iloc[0]["status"] if not row.empty else "no report in the window"
qualifying = int(row.iloc[0]["qualifying_incidents"]) if not row.empty else 0
c1, c2, c3, c4 = st.columns(4)
c1.metric("Incidents as victim", f"{int(person['victim_incidents']):,}")
c2.metric("Qualifying incidents", f"{qualifying:,}")
c3.metric("Case review", str(status).replace("_", " "))
c4.metric("Latest risk band", person["latest_band"] or "not assessed")
st.markdown(f"**Case review on {as_of:%d/%m/%Y}**\n\n"
            + "\n".join(f"- {r}" for r in review.reasons_for(pid)))

history = vd.person_assessments(pid)
st.subheader("Risk history")
if history.empty:
    st.caption("No Risk Assessment Matrix assessment held.")
else:
    fig = px.line(history, x="assessed_at", y="score", markers=True, color_discrete_sequence=[
        "#1f5f99"], labels={"assessed_at": "Assessed", "score": "Matrix score"},
        hover_data=["band", "override_outcome"])
    for name, minimum in vd.matrix().bands:
        if minimum > 0:
            fig.add_hline(y=minimum, line_dash="dot", annotation_text=name)
    fig.update_layout(height=260, margin=dict(l=0, r=0, t=10, b=0))
    st.plotly_chart(fig, key="vp_risk_chart")
    st.dataframe(pd.DataFrame({
        "Assessed": pd.to_datetime(history["assessed_at"]).dt.strftime("%d/%m/%Y"),
        "Agency": history["agency"], "Score": history["score"],
        "Band (score)": history["score_band"], "Band": history["band"],
        "Override": history["override_outcome"], "Reason": history["override_reason"],
        "Recorded total": history["recorded_score"], "Rising": history["risk_rising"],
        "Next review": pd.to_datetime(history["next_review_due"]).dt.strftime("%d/%m/%Y"),
    }), hide_index=True, key="vp_risk")

st.subheader("Timeline across agencies")
timeline = vd.victim_timeline(pid)
st.dataframe(timeline.assign(on=timeline["on"].dt.strftime("%d/%m/%Y %H:%M")),
             hide_index=True, key="vp_timeline")

left, right = st.columns(2)
with left:
    st.subheader("Linked perpetrators")
    perps = vd.linked_people(pid, ("suspect", "perpetrator"))
    st.dataframe(perps, hide_index=True, key="vp_perpetrators")
    if not perps.empty:
        target = st.selectbox("Perpetrator", perps["person_id"].tolist(), key="vp_perp_pick",
                              format_func=lambda p: perps.set_index("person_id").at[p, "name"])
        open_person(target, "perpetrator", "vp_open_linked", "Open the perpetrator profile")
with right:
    st.subheader("Places")
    st.dataframe(vd.person_places(pid), hide_index=True, key="vp_places")
open_person(pid, "network", "vp_network", "Show this victim's network")
about("methods.md", "Case review", "How the case review status is worked out")
