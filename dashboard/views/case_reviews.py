"""ASB case reviews: who is at the second report, who has met the threshold, why an applicant
did not, the applications recorded and the four statutory figures for any period."""

from dashboard.auth import require_page

viewer = require_page(__file__)  # the permission check and audit row: keep this line first

from datetime import date  # noqa: E402

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import victims_data as vd  # noqa: E402
from dashboard.auth import audit_view, page_spec  # noqa: E402
from dashboard.components import about  # noqa: E402
from dashboard.data import query  # noqa: E402
from dashboard.vol_widgets import (  # noqa: E402
    as_of_input,
    open_person,
    pick_person,
    refs_text,
)
from pipelines.case_reviews import Application, parse_refs, report_span_sql  # noqa: E402
from pipelines.errors import AsbError  # noqa: E402

TITLE = "ASB case reviews"
st.title(TITLE)
as_of = as_of_input("cr_as_of")
if as_of is None:
    st.stop()
review = vd.ledger(as_of)
rules = review.rules
flagged = vd.flagged(as_of)
counts = review.counts()
inside = review.reports[review.reports["in_window"]]
st.caption(f"Reports from {review.window_start:%d/%m/%Y} to {review.window_end:%d/%m/%Y} "
           f"(the {rules.window_months} months to the as-of date) by victims and complainants, "
           f"across every agency. A report counts when made within "
           f"{rules.qualifying_report_days} days of the behaviour; reports of one incident to "
           "several agencies count once.")
if inside.empty:
    span = query(*report_span_sql(rules.qualifying_roles)).iloc[0]
    if pd.isna(span["first"]):
        st.info("No reports by victims or complainants are loaded: load the people template "
                "(or a mapped people export) with the incidents.")
    elif as_of < pd.Timestamp(span["first"]).date():
        st.info(f"No reports on or before {as_of:%d/%m/%Y}: the data start on "
                f"{pd.Timestamp(span['first']):%d/%m/%Y}. Choose a later as-of date (the "
                f"latest report is on {pd.Timestamp(span['last']):%d/%m/%Y}).")
    else:
        st.info(f"No reports between {review.window_start:%d/%m/%Y} and "
                f"{review.window_end:%d/%m/%Y}: the data hold reports from "
                f"{pd.Timestamp(span['first']):%d/%m/%Y} to "
                f"{pd.Timestamp(span['last']):%d/%m/%Y}. Choose an as-of date in or soon "
                "after that span.")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Threshold met", f"{counts['threshold_met']:,}")
c2.metric("Second report", f"{counts['second_report']:,}",
          help="Victims the statutory guidance says must now be told about the case review.")
c3.metric("Late reports not counted", f"{int(inside['late'].sum()):,}")
c4.metric("Reports counted once with another", f"{int(review.people['merged_reports'].sum()):,}")


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=["Name", "person_id", "Qualifying incidents", "Triggers",
                                     "Agency references", "Vulnerable", "Reasons"])
    return pd.DataFrame({
        "Name": frame["name"],
        "person_id": frame["person_id"],
        "Qualifying incidents": frame["qualifying_incidents"].astype(int),
        "Triggers": frame["triggers"].map(", ".join),
        "Agency references": frame["person_record_ids"].map(refs_text),
        "Vulnerable": frame["vulnerable"].fillna(False).astype(bool),
        "Reasons": frame["reasons"].map(" · ".join),
    })


met, second, why, apps_tab, figures = st.tabs(
    ["Threshold met", "Second report", "Why not met", "Applications", "Statutory figures"])
with met:
    st.dataframe(_table(flagged[flagged["status"] == "threshold_met"]), hide_index=True,
                 key="cr_threshold")
with second:
    st.dataframe(_table(flagged[flagged["status"] == "second_report"]), hide_index=True,
                 key="cr_second")

with why:
    st.write("The reasons for anyone, in the words to give a victim who asks why the threshold "
             "is or is not met on this date.")
    pid = pick_person("cr_explain", side="victim")
    if pid is not None:
        audit_view(viewer, page_spec(__file__).title, pid)  # as the page's own audit row
        status = review.people.set_index("person_id")["status"].get(pid, "no report in window")
        st.markdown(f"**Status on {as_of:%d/%m/%Y}: {str(status).replace('_', ' ')}**")
        st.markdown("\n".join(f"- {r}" for r in review.reasons_for(pid)))
        open_person(pid, "victim", "cr_open_victim", "Open the victim profile")
    apps = vd.applications()
    not_met = apps[apps["threshold_met"].eq(False)] if not apps.empty else apps
    st.subheader("Applications where the threshold was not met")
    if not_met.empty:
        st.caption("None recorded.")
    else:
        st.dataframe(pd.DataFrame({
            "Application": not_met["application_id"],
            "Received": pd.to_datetime(not_met["received_on"]).dt.strftime("%d/%m/%Y"),
            "Reason recorded": not_met["threshold_reason"],
            "What the data said on that day": not_met["data_reasons"],
        }), hide_index=True, key="cr_not_met")

with apps_tab:
    apps = vd.applications()
    st.dataframe(apps.drop(columns=[c for c in ("person_ids",) if c in apps.columns]),
                 hide_index=True, key="cr_applications")
    st.subheader("Record an application")
    refs = st.text_input("Applicant's agency references", key="cr_app_refs",
                         placeholder="Cleveland Police:NOM1234567; Tees Valley Homes:T123456",
                         help="agency:person_ref, separated by semicolons")
    a1, a2, a3 = st.columns(3)
    received = a1.date_input("Received", value=as_of, key="cr_app_received", format="DD/MM/YYYY")
    decision = a2.selectbox("Threshold met?", ["not decided yet", "yes", "no"],
                            key="cr_app_decision")
    reviewed = a3.date_input("Review carried out on", value=None, key="cr_app_review",
                             format="DD/MM/YYYY")
    reason = st.text_input("Reason given to the applicant", key="cr_app_reason")
    recs = st.checkbox("The review made recommendations", key="cr_app_recs")
    app_id = st.text_input("Application reference (optional)", key="cr_app_id")
    if st.button("Record the application", key="cr_app_add", type="primary"):
        try:
            made = vd.record_application(Application(
                person_refs=tuple(parse_refs(refs)), received_on=received,
                application_id=app_id.strip() or None,
                threshold_met={"yes": True, "no": False}.get(decision),
                threshold_reason=reason.strip() or None, review_held_on=reviewed,
                recommendations_made=recs if reviewed else None), viewer.username)
        except ValueError as exc:
            st.error(f"Not recorded: {exc}")
        else:
            st.success(f"Recorded application {made}.")
    st.subheader("Import applications from a CSV")
    st.download_button("Download the template", vd.template_csv(),
                       file_name="case-review-applications.csv", mime="text/csv",
                       key="cr_template")
    upload = st.file_uploader("Applications CSV", type=["csv"], key="cr_upload")
    if upload is not None and st.button("Import", key="cr_import"):
        try:
            result = vd.import_csv(upload.getvalue(), upload.name, viewer.username)
        except AsbError as exc:
            st.error(f"Not imported: {exc}. No application was changed.")
        else:
            if result.loaded:
                st.success(f"{len(result.loaded)} applications recorded from {result.file}.")
            elif not result.rejected:
                st.info(f"{result.file} has no rows under its header: nothing was imported. "
                        "Fill in one row per application (see the template).")
            if result.rejected:
                st.error(f"{len({r[0] for r in result.rejected})} rows not loaded:")
                st.dataframe(pd.DataFrame(result.rejected, columns=["row", "column", "reason"]),
                             hide_index=True, key="cr_rejects")

with figures:
    st.write("The four figures relevant bodies publish (at least yearly). Applications and "
             "threshold decisions count by the date received; reviews by the date held.")
    default_start = date(as_of.year if as_of.month >= 4 else as_of.year - 1, 4, 1)
    period = st.date_input("Period", value=(default_start, as_of), key="cr_period",
                           format="DD/MM/YYYY")
    if isinstance(period, tuple | list) and len(period) == 2:
        fig = vd.statutory(period[0], period[1])
        cols = st.columns(4)
        for col, (label, value) in zip(cols, fig.as_dict().items(), strict=True):
            col.metric(label, f"{value:,}")
about("methods.md", "Case review", "How the case review ledger works")
