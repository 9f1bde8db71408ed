"""People links: how person records from different agencies were linked into people, and the
analyst's confirm or split on any link (applied by the next rebuild, and kept across rebuilds)."""

from dashboard.auth import require_page

viewer = require_page(__file__)  # the permission check and audit row: keep this line first

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import linkage_data as data  # noqa: E402
from dashboard.auth import audit_view  # noqa: E402
from dashboard.components import about, flash, show_flash  # noqa: E402
from pipelines.errors import AsbError  # noqa: E402

st.title("People links")
st.caption("Each agency holds its own record of a person. Record linkage joins the records that "
           "are the same person, field by field; here you can see why two records were linked "
           "(or nearly were), and confirm or split a link.")
show_flash()
about("methods.md", "Record linkage", "About record linkage")

counts = data.summary()
c1, c2, c3, c4 = st.columns(4)
c1.metric("Person records", f"{counts['records']:,}")
c2.metric("People", f"{counts['people']:,}")
c3.metric("People with linked records", f"{counts['linked_people']:,}")
c4.metric("Analyst decisions", f"{counts['decisions']:,}")

text = st.text_input("Find a person: name (either order) or record id", key="pl_search",
                     placeholder="e.g. Jonathan Wilson")
if not text.strip():
    st.info("Type part of a name to find a person.")
    st.stop()
people = data.search_people(text)
if people.empty:
    st.warning(f"No person record matches “{text.strip()}”.")
    st.stop()

labels = {
    row.person_id: (f"{row.name or 'name not recorded'} · born "
                    f"{'unknown' if pd.isna(row.date_of_birth) else f'{row.date_of_birth:%d/%m/%Y}'}"
                    f" · {row.records} record{'s' if row.records != 1 else ''} ({row.agencies})")
    for row in people.itertuples(index=False)}
person_id = st.selectbox(f"People matching ({len(people)} shown)", list(labels),
                         format_func=labels.get, key="pl_person")
audit_view(viewer, "People links", person_id)

who = data.person(person_id)
st.subheader(labels[person_id].split(" · ")[0])
c1, c2, c3 = st.columns(3)
c1.metric("Records", int(who["records"]))
c2.metric("Incidents", int(who["incidents"]))
weakest = who["weakest_link_probability"]
c3.metric("Weakest link", "—" if pd.isna(weakest) else f"{weakest:.3f}")
st.caption(f"Person id `{person_id}` · agencies: {who['agencies']}")

records = data.person_records(person_id)
st.markdown("**Records linked into this person**")
st.dataframe(
    records, hide_index=True, key="pl_records",
    column_config={
        "match_probability": st.column_config.NumberColumn("probability", format="%.3f"),
        "match_weight": st.column_config.NumberColumn("match weight", format="%.1f"),
        "agreeing_fields": st.column_config.TextColumn("fields that agree", width="large"),
        "date_of_birth": st.column_config.DateColumn("date of birth", format="DD/MM/YYYY"),
    })

pairs = data.person_pairs(person_id)
st.markdown("**Links and near misses** (every scored pair touching these records: a match "
            "weight adds the weights of name, date of birth and home to the prior; a pair is "
            "linked at a probability of 0.9 or more)")
if pairs.empty:
    st.caption("No other record came close to these records.")
else:
    st.dataframe(
        pairs, hide_index=True, key="pl_pairs",
        column_config={
            "match_probability": st.column_config.NumberColumn("probability", format="%.3f"),
            "match_weight": st.column_config.NumberColumn("match weight", format="%.1f"),
            "name_weight": st.column_config.NumberColumn("name weight", format="%.1f"),
            "date_of_birth_weight": st.column_config.NumberColumn("DOB weight", format="%.1f"),
            "home_weight": st.column_config.NumberColumn("home weight", format="%.1f"),
        })

st.subheader("Confirm or split a link")
record_ids = records["record"].tolist()
choices = [(a, b) for a, b in pairs[["record_a", "record_b"]].itertuples(index=False)]
# any two of this person's records can be split, even when linked only through a third
choices += [(a, b) for i, a in enumerate(record_ids) for b in record_ids[i + 1:]
            if (a, b) not in choices]
if not choices:
    st.caption("This person has one record and no near misses: nothing to decide.")
else:
    with st.form("pl_decide"):
        pair = st.selectbox("Pair of records", [f"{a}  ↔  {b}" for a, b in choices],
                            key="pl_pair")
        decision = st.radio(
            "Decision", ["confirm", "split"], horizontal=True, key="pl_decision",
            format_func={"confirm": "Confirm: the same person",
                         "split": "Split: different people"}.get)
        reason = st.text_area("Reason (kept with the decision)", key="pl_reason")
        submitted = st.form_submit_button("Record decision")
    if submitted:
        a, b = (p.strip() for p in pair.split("↔"))
        try:
            data.save_decision(a, b, decision, decided_by=viewer.username, reason=reason)
        except AsbError as exc:
            st.error(str(exc))
        else:
            flash(f"Decision recorded: {decision} {a} and {b}. A rebuild applies it (use "
                  "Rebuild now below, or it applies at the next load); it is kept across "
                  "rebuilds.")

decisions = data.decision_list()
if not decisions.empty:
    waiting = int((decisions["status"] == "waiting for a rebuild").sum())
    st.markdown(f"**Analyst decisions** ({waiting} waiting for a rebuild)")
    st.dataframe(decisions, hide_index=True, key="pl_decisions")
if st.button("Rebuild now", key="pl_rebuild",
             help="Rebuild the warehouse's people, incident and summary tables from the data "
                  "held, applying every decision. Takes a few seconds to a minute."):
    with st.spinner("Rebuilding the warehouse..."):
        built = data.rebuild()
    flash(f"Warehouse rebuilt: {built.get('core_person', 0):,} people from "
          f"{built.get('core_person_link', 0):,} records, every decision applied.")
