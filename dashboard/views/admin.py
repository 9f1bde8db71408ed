"""Admin: the audit trail (with CSV export), the users and the configuration in force."""

import json
import os
from datetime import date

import pandas as pd
import streamlit as st

from dashboard.auth import audit, audit_log, require_page, sign_in_mode, users_file_path
from dashboard.components import about
from dashboard.upload import MAX_UPLOAD_MB
from pipelines.config import load_config
from pipelines.users import ROLES, load_users

viewer = require_page(__file__)
st.title("Admin")

st.subheader("Audit trail")
st.caption("Every view of a person-level page, every export and every refused page, with who, "
           "when and from where. Nothing that was shown is stored.")
c1, c2 = st.columns([2, 1])
search = c1.text_input("Search user, page, person or action", key="audit_search",
                       max_chars=100)
days = c2.date_input("Dates", value=(), key="audit_dates", format="DD/MM/YYYY")
start = end = None
if isinstance(days, tuple | list) and len(days) == 2:
    start, end = days
elif isinstance(days, date):
    start = end = days
log = audit_log(search.strip(), start, end)
st.dataframe(log, hide_index=True, key="audit_table")
st.caption(f"{len(log):,} rows")


def _exported() -> None:
    audit(viewer, "export", "Audit trail (CSV)", search.strip() or None)


st.download_button("Export the audit trail (CSV)", data=log.to_csv(index=False).encode("utf-8"),
                   file_name="asb-audit.csv", mime="text/csv", key="audit_export",
                   icon=":material/download:", on_click=_exported)

st.subheader("Users")
mode = sign_in_mode()
modes = {"oidc": "your identity provider (st.login); roles from the users file",
         "password": "user name and password from the users file",
         "local": "single-user mode (no users configured; this computer only)"}
st.write(f"Sign-in: **{modes[mode]}**. Users file: `{users_file_path()}`. Add or change users "
         "with `asb users add NAME --role ROLE`.")
users = load_users()
st.dataframe(
    pd.DataFrame([{"user": u.username, "name": u.name, "role": u.role,
                   "signs in with": "password" if u.has_password else "identity provider"}
                  for u in users.values()], columns=["user", "name", "role", "signs in with"]),
    hide_index=True, key="admin_users")
st.dataframe(pd.DataFrame({"role": list(ROLES), "may": list(ROLES.values())}), hide_index=True,
             key="admin_roles")

st.subheader("Configuration in force")
st.caption("The defaults overlaid by the partnership's file. Secrets are never shown.")
settings = {
    "warehouse (ASB_DB)": os.environ.get("ASB_DB", "data/warehouse.duckdb"),
    "configuration file (ASB_CONFIG)": os.environ.get("ASB_CONFIG") or "defaults only",
    "users file (ASB_USERS_FILE)": str(users_file_path()),
    "upload limit (ASB_UPLOAD_MAX_MB)": f"{MAX_UPLOAD_MB} MB",
}
st.dataframe(pd.DataFrame({"setting": list(settings), "value": list(settings.values())}),
             hide_index=True, key="admin_settings")
st.code(json.dumps(load_config(), indent=2, default=str), language="json")
about("security.md", "Audit", "About the audit trail")
