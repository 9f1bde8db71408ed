"""Perpetrator profile: victims, places, incidents over time, the escalation ladder so far and
support needs noted. A person-level page, role-gated and audited."""

from dashboard.auth import require_page

viewer = require_page(__file__)  # the permission check and audit row: keep this line first

import pandas as pd  # noqa: E402
import plotly.express as px  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import victims_data as vd  # noqa: E402
from dashboard.auth import audit_view  # noqa: E402
from dashboard.vol_widgets import open_person, pick_person, refs_text  # noqa: E402
from pipelines.analysis.vol import escalation_ladder  # noqa: E402

TITLE = "Perpetrator profile"
st.title(TITLE)
pid = pick_person("pp", side="perpetrator")
if pid is None:
    st.stop()
audit_view(viewer, TITLE, pid)
person = vd.person(pid)
if person is None:
    st.warning("This person is no longer in the warehouse: search again.")
    st.stop()
st.subheader(person["name"])
st.caption(refs_text(person["person_record_ids"]))
if person["victim_and_perpetrator"]:
    st.error(f"Also reported as a victim or complainant in {int(person['victim_incidents'])} "
             "incident(s): a possible counter-allegation. Before acting, establish whether the "
             "person complained about is the one responsible, or is themselves the victim.",
             icon=":material/sync_alt:")
    open_person(pid, "victim", "pp_open_victim", "Open as a victim")

incidents = vd.person_incidents(pid)
as_perp = incidents[incidents["as_perpetrator"]]
actions = vd.person_actions(pid)
ladder = escalation_ladder(actions, vd.ladder())
victims = vd.linked_people(pid, ("victim", "complainant"))
places = vd.person_places(pid)
steps = actions[actions["escalation_rank"].notna() & (actions["action_group"] != "support")]
top = steps.sort_values(["escalation_rank", "action_date"]).tail(1)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Incidents as perpetrator", f"{int(person['perpetrator_incidents']):,}")
c2.metric("Victims", f"{len(victims):,}")
c3.metric("Places", f"{as_perp['place_id'].nunique():,}")
c4.metric("Highest step so far", top.iloc[0]["action"] if not top.empty else "none",
          help=(f"on {pd.Timestamp(top.iloc[0]['action_date']):%d/%m/%Y} ({top.iloc[0]['agency']})"
                if not top.empty else None))

st.subheader("Incidents over time")
if as_perp.empty:
    st.caption("No incident held names this person as suspect or perpetrator.")
else:
    monthly = (as_perp.drop_duplicates("incident_group_id").groupby("month").size()
               .rename("incidents").reset_index())
    fig = px.bar(monthly, x="month", y="incidents", labels={"month": "Month",
                                                           "incidents": "Incidents"})
    for a in steps.itertuples(index=False):
        fig.add_vline(x=pd.Timestamp(a.action_date).timestamp() * 1000, line_dash="dot",
                      line_color="#b03a2e", annotation_text=a.action)
    fig.update_layout(height=280, margin=dict(l=0, r=0, t=10, b=0))
    st.plotly_chart(fig, key="pp_monthly")

st.subheader("Escalation ladder")
st.caption("Each rung of the configured tools and powers, lowest first, and when this person "
           "first reached it (from agencies' action records and police result text).")
st.dataframe(ladder.assign(first_used=pd.to_datetime(ladder["first_used"]).dt.strftime(
    "%d/%m/%Y")), hide_index=True, key="pp_ladder")

st.subheader("Support needs noted")
support = actions[actions["action_group"] == "support"]
notes = []
if person["vulnerable"]:
    notes.append("recorded as vulnerable by at least one agency")
notes += [f"{a.action} on {pd.Timestamp(a.action_date):%d/%m/%Y} ({a.agency})"
          + (f": {a.outcome}" if isinstance(a.outcome, str) else "")
          for a in support.itertuples(index=False)]
if notes:
    st.markdown("\n".join(f"- {n}" for n in notes))
else:
    st.caption("No support need or referral recorded.")

left, right = st.columns(2)
with left:
    st.subheader("Victims")
    st.dataframe(victims, hide_index=True, key="pp_victims")
with right:
    st.subheader("Places")
    st.dataframe(places, hide_index=True, key="pp_places")
st.subheader("Actions")
st.dataframe(actions[["action_date", "action", "agency", "escalation_rank", "outcome",
                      "evidence", "case_id", "incident_id"]], hide_index=True, key="pp_actions")
open_person(pid, "network", "pp_network", "Show this person's network")
