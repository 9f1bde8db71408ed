"""Problems: the problem-solving forum's list of open and closed problems, and a new one."""

from datetime import date
from typing import Any

import streamlit as st

from dashboard import problems_data as data
from dashboard.auth import require_page
from dashboard.components import flash, show_flash
from dashboard.data import write
from pipelines import problems as pb
from pipelines.problems import Objective, Place, ProblemProblem

viewer = require_page(__file__)
st.title("Problem-solving")
st.caption("Problems the forum is working on, following OSARA: objective, scanning, analysis, "
           "response, assessment. Open one in the Problem workspace.")
show_flash()

problems = data.problem_list()
open_n = int((problems["status"] == "open").sum()) if len(problems) else 0
c1, c2, c3 = st.columns(3)
c1.metric("Open problems", open_n)
c2.metric("Closed problems", len(problems) - open_n)
met = problems["target_met"].fillna(False).astype(bool).sum() if len(problems) else 0
c3.metric("Targets met (latest assessment)", int(met))
if problems.empty:
    st.info("No problems defined yet.")
else:
    st.dataframe(
        problems.rename(columns={"problem_id": "id", "updated_at": "last changed"}),
        hide_index=True, key="problems_table",
        column_config={"target_met": st.column_config.CheckboxColumn("target met")},
    )

if viewer.role != "analyst":
    st.caption("Analysts define and work on problems; you can read them here.")
    st.stop()

st.subheader("Define a new problem")
areas = data.area_choices()
categories, subtypes = data.category_choices()
with st.form("new_problem", clear_on_submit=False):
    name = st.text_input("Name", key="np_name", placeholder="e.g. Town centre evening disorder")
    owner = st.text_input("Owner", key="np_owner", value=viewer.name)
    partners = st.text_input("Partner agencies (comma separated)", key="np_partners")
    lsoas = st.multiselect("LSOAs", list(areas["lsoa"]), format_func=areas["lsoa"].get,
                           key="np_lsoas")
    wards = st.multiselect("Wards", list(areas["ward"]), format_func=areas["ward"].get,
                           key="np_wards")
    c1, c2 = st.columns(2)
    start = c1.date_input("Period from", value=date(2022, 1, 1), key="np_start",
                          format="DD/MM/YYYY")
    end = c2.date_input("Period to", value=date(2022, 12, 31), key="np_end", format="DD/MM/YYYY")
    cats = st.multiselect("Categories (none: all)", categories, key="np_categories")
    subs = st.multiselect("Subtypes (none: all)", subtypes, key="np_subtypes")
    objective = st.text_area("Objective: what the forum wants to achieve, and how",
                             key="np_objective")
    target = st.number_input("Target: reduce reports in the area by (%)", min_value=0.0,
                             max_value=100.0, value=30.0, step=5.0, key="np_target")
    months = st.number_input("...over this many months after the response starts",
                             min_value=1, max_value=24, value=6, key="np_months")
    review = st.date_input("Next review", value=None, key="np_review", format="DD/MM/YYYY")
    submitted = st.form_submit_button("Create problem", type="primary")


def _same_place(a: Place, b: Place) -> bool:
    return (sorted(a.lsoa_codes) == sorted(b.lsoa_codes)
            and sorted(a.ward_codes) == sorted(b.ward_codes)
            and sorted(a.cell_ids) == sorted(b.cell_ids)
            and (not a.cell_ids or a.cell_size == b.cell_size)
            and (a.polygon_wkt or None) == (b.polygon_wkt or None))


def _create(cur: Any, place: Place, **fields: Any) -> int:
    """Create the problem unless an open one has the same name and place (a second click on
    "Create problem", or the same problem defined twice): checked in the same transaction as
    the insert, so two clicks cannot both pass."""
    pb.ensure_tables(cur)
    same_name = cur.execute(
        "SELECT problem_id FROM app_problem WHERE status = 'open' AND "
        "lower(trim(name)) = lower(trim(?)) ORDER BY problem_id", [fields["name"]]).fetchall()
    for (existing,) in same_name:
        if _same_place(pb.get_problem(cur, int(existing)).place, place):
            raise ProblemProblem(
                f"Problem {existing} \"{fields['name'].strip()}\" is already open for this "
                "place, so no new problem was created: open it in the Problem workspace, or "
                "give this one a different name or place.")
    return int(pb.create_problem(cur, place=place, **fields))


if submitted:
    try:
        pid = write(lambda cur: _create(
            cur, Place(lsoa_codes=list(lsoas), ward_codes=list(wards)), name=name, owner=owner,
            partners=[p.strip() for p in partners.split(",") if p.strip()],
            period_start=start, period_end=end, categories=list(cats), subtypes=list(subs),
            objective=Objective(text=objective, target_pct=float(target),
                                period_months=int(months), categories=list(cats)),
            next_review=review, by=viewer.username,
        ))
    except ProblemProblem as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        st.session_state["pw_problem"] = pid
        for key in [k for k in st.session_state if str(k).startswith("np_")]:
            del st.session_state[key]  # an empty form for the next problem (kept on an error)
        flash(f"Problem {pid} created: open it in the Problem workspace.")
