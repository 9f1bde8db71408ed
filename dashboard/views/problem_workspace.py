"""Problem workspace: one problem through OSARA, from objective to assessment and export."""

import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st

from dashboard import problems_data as data
from dashboard.auth import require_page
from dashboard.components import about, flash, show_flash
from pipelines.config import load_config
from pipelines.problems import RESPONSE_STATUSES, Objective, ProblemProblem, suggest_responses

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

viewer = require_page(__file__)
editor = viewer.role == "analyst"
st.title("Problem workspace")
show_flash()
problems = data.problem_list()
if problems.empty:
    st.info("No problems yet: define one on the Problem-solving page.")
    st.stop()
labels = {int(r.problem_id): f"{r.problem_id}: {r.name} ({r.status})"
          for r in problems.itertuples()}
ids = list(labels)
chosen = st.selectbox("Problem", ids, format_func=labels.get, key="pw_problem",
                      index=ids.index(st.session_state["pw_problem"])
                      if st.session_state.get("pw_problem") in ids else 0)
problem = data.problem(int(chosen))
pid = problem.problem_id


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def read_only(what: str) -> None:
    """Tell a reader who is not an analyst why there is no form, and whom to ask."""
    if not editor:
        st.info(f"Only analysts record {what}; you are signed in as {viewer.role}, so you can "
                f"read them here. Ask your analyst to record {what} for the forum.",
                icon=":material/lock:")


def act(action: str, /, *args, success: str = "Saved.", **kwargs):
    try:
        data.run(action, *args, **kwargs)
    except ProblemProblem as exc:
        st.error(str(exc))
        return
    flash(success)


c1, c2, c3, c4 = st.columns(4)
c1.metric("Status", problem.status)
c2.metric("Owner", problem.owner)
c3.metric("Place", problem.place.describe())
c4.metric("Next review", f"{problem.next_review:%d/%m/%Y}" if problem.next_review else "not set")

tabs = st.tabs(["Objective", "Scanning and analysis", "Response", "Assessment", "Close",
                "Export", "History"])

with tabs[0]:
    st.markdown(f"**Objective:** {problem.objective.describe()}")
    st.caption(f"Partners: {', '.join(problem.partners) or 'none named'} · period "
               f"{problem.period_start:%d/%m/%Y} to {problem.period_end:%d/%m/%Y} · categories: "
               f"{', '.join(problem.categories) or 'all'}")
    if editor:
        with st.form("objective_form"):
            text = st.text_area("Objective", value=problem.objective.text, key="pw_obj_text")
            target = st.number_input("Reduce reports in the area by (%)", 0.0, 100.0,
                                     float(problem.objective.target_pct or 0), 5.0,
                                     key="pw_obj_target")
            months = st.number_input("over months after the response starts", 1, 24,
                                     int(problem.objective.period_months), key="pw_obj_months")
            review = st.date_input("Next review", value=problem.next_review, key="pw_review",
                                   format="DD/MM/YYYY")
            if st.form_submit_button("Save objective"):
                act("update_problem", pid, by=viewer.username,
                    objective=Objective(text=text, target_pct=float(target),
                                        period_months=int(months),
                                        categories=problem.objective.categories),
                    next_review=review)

with tabs[1]:
    figures = data.live_figures(pid)
    st.write(f"**{figures['total']:,} ASB incidents** in {figures['place']} from "
             f"{problem.period_start:%d/%m/%Y} to {problem.period_end:%d/%m/%Y} "
             "(reports of one incident to several agencies count once).")
    if figures["by_month"]:
        trend = pd.DataFrame({"month": list(figures["by_month"]),
                              "incidents": list(figures["by_month"].values())})
        st.plotly_chart(px.bar(trend, x="month", y="incidents", height=280),
                        key="pw_trend")
    if figures["hour_of_week"]:
        hw = pd.DataFrame(np.asarray(figures["hour_of_week"]), index=DAYS)
        st.plotly_chart(px.imshow(hw, aspect="auto", color_continuous_scale="Reds",
                                  labels={"x": "hour", "y": "", "color": "incidents"},
                                  height=300), key="pw_heat")
    if figures["month_only_excluded"]:
        st.caption(f"{figures['month_only_excluded']:,} police.uk incidents have a month only: "
                   "they are in the trend but not in the hour-of-week view.")
    tri = figures["triangle"]
    t1, t2, t3 = st.columns(3)
    t1.metric("Victims and complainants", tri["victims"],
              help=f"{figures['people']['repeat_victims']} reported three or more times")
    t2.metric("Alleged perpetrators", tri["offenders"],
              help=f"{figures['people']['repeat_perpetrators']} named three or more times")
    t3.metric("Locations", tri["locations"])
    st.caption("Patterns found: " + (", ".join(figures["patterns"]) or "none"))
    if editor and figures["top_locations"]:
        st.dataframe(pd.DataFrame(figures["top_locations"]), hide_index=True, key="pw_places")
    st.subheader("Snapshots")
    st.caption("A snapshot freezes these figures with today's date so the forum can cite them; "
               "loading new data never changes a snapshot.")
    if editor:
        with st.form("snapshot_form"):
            label = st.text_input("Label", key="pw_snap_label", placeholder="e.g. Scanning, March")
            notes = st.text_area("Notes", key="pw_snap_notes")
            if st.form_submit_button("Freeze snapshot"):
                act("take_snapshot", pid, by=viewer.username, label=label, notes=notes,
                    success="Snapshot taken.")
    for shot in data.snapshot_list(pid):
        f = shot["figures"]
        st.markdown(f"- **{shot['label']}** ({shot['taken_at']:%d/%m/%Y %H:%M}, "
                    f"{shot['taken_by']}): {f['total']:,} incidents, patterns: "
                    f"{', '.join(f['patterns']) or 'none'}" + (f". {shot['notes']}"
                                                                if shot["notes"] else ""))

with tabs[2]:
    suggestions = suggest_responses(load_config(), data.live_figures(pid)["patterns"])
    if suggestions:
        st.markdown("**Suggested from the analysis**")
        st.dataframe(pd.DataFrame(suggestions), hide_index=True, key="pw_suggestions")
    responses = data.response_list(pid)
    st.markdown("**Planned and delivered responses**")
    if responses.empty:
        st.info("No responses recorded yet.")
    else:
        st.dataframe(responses, hide_index=True, key="pw_responses")
    read_only("responses and assessments")
    if editor:
        library = [r["name"] for r in load_config()["responses"]]
        kinds = {r["name"]: r.get("kind", "situational") for r in load_config()["responses"]}
        with st.form("response_form"):
            name = st.selectbox("Response", library, key="pw_resp_name")
            agency = st.text_input("Agency", key="pw_resp_agency")
            c1, c2 = st.columns(2)
            planned_start = c1.date_input("Planned start", value=None, key="pw_resp_start",
                                          format="DD/MM/YYYY")
            planned_end = c2.date_input("Planned end", value=None, key="pw_resp_end",
                                        format="DD/MM/YYYY")
            delivered = c1.date_input("Delivered from", value=None, key="pw_resp_delivered",
                                      format="DD/MM/YYYY")
            status = c2.selectbox("Status", RESPONSE_STATUSES, key="pw_resp_status")
            notes = st.text_input("Notes", key="pw_resp_notes")
            if st.form_submit_button("Add response"):
                act("add_response", pid, by=viewer.username, response=name, kind=kinds[name],
                    agency=agency, planned_start=planned_start, planned_end=planned_end,
                    delivered_start=delivered, status=status, notes=notes,
                    success="Response added.")
    st.markdown("**Enforcement actions on this problem's incidents and cases**")
    actions = data.actions_for(pid)
    if actions.empty:
        st.caption("None in the actions data.")
    else:
        st.dataframe(actions, hide_index=True, key="pw_actions")

with tabs[3]:
    latest = data.assessment(pid)
    if editor:
        with st.form("assess_form"):
            start = st.date_input("Response start (blank: the earliest response)", value=None,
                                  key="pw_assess_start", format="DD/MM/YYYY")
            months = st.number_input("Months before and after", 1, 24,
                                     int(problem.objective.period_months), key="pw_assess_months")
            buffer = st.number_input("Buffer width (m)", 50, 2000, 250, 50, key="pw_assess_buffer")
            if st.form_submit_button("Assess"):
                act("assess_problem", pid, by=viewer.username, start=start,
                    period_months=int(months), buffer_m=float(buffer), success="Assessed.")
    if latest:
        if latest.get("uneven_sources"):
            st.warning("Not every source covers both the before and the after months ("
                       + "; ".join(latest["uneven_sources"]) + "). A source starting or "
                       "stopping looks like ASB rising or falling, so the change is not like "
                       "for like and whether the target was met is not judged.",
                       icon=":material/history:")
        st.markdown(latest["reading"])
        st.dataframe(pd.DataFrame(latest["counts"]), hide_index=True, key="pw_assess_counts")
        w1, w2, w3 = st.columns(3)
        w1.metric("Success measure", fmt(latest["success_measure"]))
        w2.metric("Buffer measure", fmt(latest["buffer_measure"]))
        w3.metric("WDQ", fmt(latest["wdq"]))
        for note in latest["notes"]:
            st.caption(note)
    else:
        st.info("Not assessed yet.")
    read_only("responses and assessments")
    about("methods.md", "Before and after", "How the assessment works")

with tabs[4]:
    if problem.status == "closed":
        st.markdown(f"**Result:** {problem.result}\n\n**What we learned:** {problem.lessons}")
        if editor:
            reason = st.text_input("Reason to reopen", key="pw_reopen_reason")
            if st.button("Reopen", key="pw_reopen"):
                act("reopen_problem", pid, by=viewer.username, reason=reason,
                    success="Reopened.")
    elif not editor:
        st.info("Open. Only analysts close a problem; ask your analyst.", icon=":material/lock:")
    else:
        result = st.text_area("Result", key="pw_close_result")
        lessons = st.text_area("What the forum learned (shared as good practice)",
                               key="pw_close_lessons")
        if st.button("Close problem", key="pw_close"):
            act("close_problem", pid, by=viewer.username, result=result, lessons=lessons,
                success="Closed.")

with tabs[5]:
    st.caption("The problem profile (objective, snapshot, responses, assessment) for the "
               "forum's minutes and the CSP board. Aggregate figures only.")
    if st.button("Prepare the problem profile", key="pw_export"):
        from dashboard.data import connection
        from pipelines.problems import profile_html

        cur = connection()
        try:
            st.session_state["pw_profile"] = (pid, profile_html(cur, pid))
        finally:
            cur.close()
    prepared = st.session_state.get("pw_profile")
    if prepared and prepared[0] == pid:
        st.download_button("Download the profile (HTML)", prepared[1].encode("utf-8"),
                           file_name=f"problem-{pid}-profile.html", mime="text/html",
                           key="pw_download")
        st.caption("Open it in a browser and print to PDF, or use "
                   f"`asb problems export --id {pid}` for a PDF beside the HTML.")

with tabs[6]:
    st.dataframe(data.history_for(pid), hide_index=True, key="pw_history")
