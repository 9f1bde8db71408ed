"""Community MARAC list and Risk Assessment Matrix practice checks."""

from dashboard.auth import require_page

viewer = require_page(__file__)  # the permission check and audit row: keep this line first

from datetime import timedelta  # noqa: E402

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import victims_data as vd  # noqa: E402
from dashboard.components import about  # noqa: E402
from dashboard.vol_widgets import as_of_input, open_person  # noqa: E402
from pipelines.analysis.risk_matrix import CHECKS  # noqa: E402

st.title("CMARAC and risk practice")
as_of = as_of_input("cm_as_of")
if as_of is None:
    st.stop()
recent = int(st.number_input("Show rising risk over the last … days", min_value=1, value=90,
                             step=30, key="cm_rising_days"))
matrix = vd.matrix()
listed = vd.cmarac(as_of)
checks = vd.practice_checks(as_of)
bands = ", ".join(matrix.cmarac_bands)
st.caption(f"Victims whose latest Risk Assessment Matrix band on {as_of:%d/%m/%Y} is {bands} "
           "(after any officer override), or who have met the case review threshold and are "
           "recorded as vulnerable; only victims with a report in the case review window or an "
           "open case.")


outset_rows = checks[checks["check"].isin(["not_assessed", "assessed_late"])]
overdue_rows = checks[checks["check"] == "review_overdue"]
since = pd.Timestamp(as_of - timedelta(days=recent))
rising_rows = checks[(checks["check"] == "risk_rising") & (pd.to_datetime(checks["on"]) > since)]
c1, c2, c3, c4 = st.columns(4)
c1.metric("Victims for CMARAC", f"{len(listed):,}")
c2.metric("Not assessed at the outset", f"{len(outset_rows):,}",
          help="Never assessed, or first assessed after the time allowed.")
c3.metric("Reviews overdue", f"{len(overdue_rows):,}")
c4.metric(f"Risk rising (last {recent} days)", f"{len(rising_rows):,}")

st.subheader("CMARAC list")
if listed.empty:
    st.caption("Nobody meets the CMARAC criteria on this date.")
else:
    st.dataframe(pd.DataFrame({
        "Name": listed["name"], "person_id": listed["person_id"], "Why": listed["reasons"],
        "Latest assessment": pd.to_datetime(listed["assessed_at"]).dt.strftime("%d/%m/%Y"),
        "Score": listed["score"], "Band": listed["band"],
        "Override reason": listed["override_reason"],
        "Next review": pd.to_datetime(listed["next_review_due"]).dt.strftime("%d/%m/%Y"),
        "Review overdue": listed["review_overdue"], "Open actions": listed["open_actions"],
        "Actions": listed["actions"], "Case review": listed["status"],
    }), hide_index=True, key="cm_list")
    chosen = st.selectbox("Open a victim's profile", listed["person_id"].tolist(),
                          format_func=lambda p: f"{listed.set_index('person_id').at[p, 'name']}"
                                                f" · {p}", key="cm_person")
    open_person(chosen, "victim", "cm_open", "Open the victim profile")


def _checks_table(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Name": frame["name"], "person_id": frame["person_id"],
                         "Case": frame["case_id"], "Check": frame["check_label"],
                         "On": pd.to_datetime(frame["on"]).dt.strftime("%d/%m/%Y"),
                         "Days": frame["days"], "Detail": frame["detail"]})


st.subheader("Practice checks")
outset, overdue, rising = st.tabs([CHECKS["not_assessed"].capitalize(), "Reviews overdue",
                                   "Risk rising"])
with outset:
    st.caption(f"Victims on a case with no assessment within {matrix.assess_within_days} days "
               "of their first report (never, or late).")
    st.dataframe(_checks_table(outset_rows), hide_index=True, key="cm_outset")
with overdue:
    days = ", ".join(f"{b} every {d} days" for b, d in matrix.review_days.items())
    st.caption(f"Open cases whose victim's latest assessment is older than the interval for "
               f"its band ({days}).")
    st.dataframe(_checks_table(overdue_rows), hide_index=True, key="cm_overdue")
with rising:
    st.caption(f"Assessments in the last {recent} days whose band rose, or whose score rose by "
               f"{matrix.rising_points:g} or more, since the person's previous assessment.")
    st.dataframe(_checks_table(rising_rows), hide_index=True, key="cm_rising")
about("methods.md", "Risk Assessment Matrix", "How the matrix is scored and checked")
