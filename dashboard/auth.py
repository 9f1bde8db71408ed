"""Who is using the dashboard, what they may open, and the audit trail of what they saw.

Sign-in, in order of preference:

1. **OpenID Connect** through Streamlit's own ``st.login`` when the partnership has put an
   ``[auth]`` section in ``.streamlit/secrets.toml``. The person's role comes from the users
   file, keyed by their e-mail address.
2. **A local users file** (``$ASB_USERS_FILE`` or ``.streamlit/users.yaml``) with salted scrypt
   password hashes, written by ``asb users add``.
3. **Single user**: with no users configured the dashboard serves one analyst on this computer
   only (a connection from anywhere else is refused), and says so in the sidebar.

The one permission check is :func:`can_view`; :func:`require_page` applies it (and writes the
audit row) at the top of every person-level page, and ``app.py`` uses it to build the menu.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from dashboard.data import query, write
from dashboard.navigation import PAGES, PageSpec
from pipelines.audit import AUDIT_TABLE, audit_query, record
from pipelines.users import ROLES, check_password, load_users, users_file

__all__ = [
    "Viewer",
    "ROLES",
    "sign_in",
    "sign_in_mode",
    "current_viewer",
    "can_view",
    "page_spec",
    "refusal",
    "require_page",
    "audit",
    "audit_writer",
    "audit_view",
    "client_address",
    "audit_log",
    "open_requested_page",
]

_SESSION = "asb_viewer"
_FAILS = "asb_signin_failures"
_MAX_FAILS, _LOCK_SECONDS = 5, 30


@dataclass(frozen=True)
class Viewer:
    """The person signed in: user name (or e-mail), display name, role, how they signed in."""

    username: str
    name: str
    role: str
    method: str  # oidc | password | local


_LOCAL = Viewer("local-analyst", "Analyst (single-user mode)", "analyst", "local")


# --------------------------------------------------------------------------------------------
# The permission check (the only one)


def can_view(role: str, spec: PageSpec) -> bool:
    """Whether ``role`` may open the page ``spec`` (``spec.roles`` None: every role)."""
    return role in ROLES and (spec.roles is None or role in spec.roles)


def page_spec(file: str) -> PageSpec:
    """The registry entry of a page file (``__file__`` of the page, or its name)."""
    name = Path(file).name
    return next(spec for spec in PAGES if spec.file == name)


def _refusal_text(viewer: Viewer, spec: PageSpec) -> str:
    allowed = ", ".join(spec.roles or ROLES)
    return (f"The {spec.title} page is not available to the {viewer.role} role: it is open to "
            f"{allowed}. You are signed in as {viewer.name}. If your work needs it, ask your "
            "ASB Insight administrator for a role that allows it.")


def _refuse(viewer: Viewer, spec: PageSpec) -> None:
    st.title(spec.title)
    st.error(_refusal_text(viewer, spec), icon=":material/block:")
    audit(viewer, "refused", spec.title)
    st.stop()


def refusal(spec: PageSpec) -> Callable[[], None]:
    """A page body that refuses ``spec`` (``app.py`` registers it, hidden, for refused pages)."""

    def refused() -> None:
        _refuse(current_viewer(), spec)

    refused.__name__ = f"refused_{spec.url}"
    return refused


def require_page(file: str, subject_id: str | None = None) -> Viewer:
    """Refuse the page to roles that may not see it; audit a view of a person-level page.

    Call it first on every person-level page: ``viewer = require_page(__file__)``. Call
    :func:`audit_view` again with ``subject_id`` when a particular person is shown.
    """
    viewer = current_viewer()
    spec = page_spec(file)
    if not can_view(viewer.role, spec):
        _refuse(viewer, spec)
    if spec.person_level:
        audit_view(viewer, spec.title, subject_id)
    return viewer


# --------------------------------------------------------------------------------------------
# The audit trail


def _remote_ip() -> str | None:
    """The client's address; ``None`` for this computer (Streamlit reports loopback as None)."""
    ip = st.context.ip_address
    return ip if isinstance(ip, str) and ip else None


def client_address() -> str:
    """Where the request came from: the client address, or ``localhost``.

    A proxy's ``X-Forwarded-For`` is recorded beside it (as given: it can be forged, so it is a
    lead, not proof).
    """
    ip = _remote_ip() or "localhost"
    try:
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # no request headers outside a browser session
        forwarded = None
    return f"{ip} (forwarded for {forwarded})" if forwarded else ip


def audit_writer(viewer: Viewer, action: str, page: str
                 ) -> Callable[[Any, str | None], None]:
    """``(cursor, subject_id)`` -> one audit row, for work that must be audited in its own
    transaction (the request's address is read now, while the request is current)."""
    client = client_address()

    def write_row(cur: Any, subject_id: str | None) -> None:
        record(cur, username=viewer.username, role=viewer.role, action=action, page=page,
               subject_id=subject_id, client=client)

    return write_row


def audit(viewer: Viewer, action: str, page: str, subject_id: str | None = None) -> None:
    """Write one audit row (who, when, what, from where) through the app's write path."""
    row = audit_writer(viewer, action, page)
    write(lambda cur: row(cur, subject_id))


def audit_view(viewer: Viewer, page: str, subject_id: str | None = None,
               action: str = "view") -> None:
    """Audit a view once per page, subject and session (reruns of the same view are not
    written again; coming back to it from another page is)."""
    # What has been audited on this visit to the page: the page itself and each person shown.
    # Leaving for another page starts a new visit (the app notes the page open on every run;
    # without the app, as in a bare script run, the page named here stands for it).
    where = st.session_state.get("asb_current_page") or page
    visit = st.session_state.get("asb_audited_visit")
    if visit is None or visit["page"] != where:
        visit = {"page": where, "keys": set()}
    key = (page, subject_id, action)
    if key in visit["keys"]:
        st.session_state["asb_audited_visit"] = visit
        return
    audit(viewer, action, page, subject_id)
    visit["keys"].add(key)
    st.session_state["asb_audited_visit"] = visit


def _forget_last_view() -> None:
    st.session_state.pop("asb_audited_visit", None)


def note_page(url_path: str) -> None:
    """Called by the app on every run: opening another page ends the audited visit, so coming
    back to a person-level page is audited again."""
    if st.session_state.get("asb_current_page") != url_path:
        st.session_state["asb_current_page"] = url_path
        _forget_last_view()


# --------------------------------------------------------------------------------------------
# Sign-in


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def sign_in_mode() -> str:
    """``oidc``, ``password`` or ``local`` (see the module docstring)."""
    if _oidc_configured():
        return "oidc"
    return "password" if load_users() else "local"


def current_viewer() -> Viewer:
    """The signed-in viewer (``sign_in`` must have run on this script run)."""
    viewer = st.session_state.get(_SESSION)
    if viewer is None:
        raise RuntimeError("sign_in() has not run")
    return Viewer(**viewer)


def _is_local_request() -> bool:
    """True when the browser is on this computer and no proxy stands between."""
    if _remote_ip() is not None:
        return False
    try:
        headers = st.context.headers
        return not any(headers.get(h) for h in ("X-Forwarded-For", "Forwarded", "X-Real-Ip"))
    except Exception:
        return True


def _password_form() -> Viewer | None:
    st.title("ASB Insight")
    st.subheader("Sign in")
    locked_until = st.session_state.get("asb_signin_locked", 0.0)
    with st.form("signin"):
        username = st.text_input("User name", key="signin_user")
        password = st.text_input("Password", type="password", key="signin_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return None
    if time.time() < locked_until:
        st.error("Too many attempts: wait half a minute and try again.")
        return None
    user = check_password(username.strip(), password)
    if user is None:
        fails = st.session_state.get(_FAILS, 0) + 1
        st.session_state[_FAILS] = fails
        if fails >= _MAX_FAILS:
            st.session_state["asb_signin_locked"] = time.time() + _LOCK_SECONDS
            st.session_state[_FAILS] = 0
        st.error("That user name and password do not match.")
        return None
    st.session_state[_FAILS] = 0
    return Viewer(user.username, user.name, user.role, "password")


def _oidc_viewer() -> Viewer | None:
    if not st.user.is_logged_in:
        st.title("ASB Insight")
        st.write("Sign in with your organisation's account.")
        if st.button("Sign in", type="primary", key="signin_oidc"):
            st.login()
        return None
    email = str(st.user.get("email") or "")
    entry = load_users().get(email)
    if entry is None:
        st.title("ASB Insight")
        st.error(f"You are signed in as {email}, but no ASB Insight role has been given to you. "
                 "Ask your administrator to add you (`asb users add EMAIL --role ROLE "
                 "--no-password`).")
        if st.button("Sign out", key="signout_oidc"):
            st.logout()
        return None
    return Viewer(email, str(st.user.get("name") or entry.name), entry.role, "oidc")


def _remember_requested_page() -> None:
    """Keep the page a link pointed to (the sign-in page runs before navigation exists)."""
    if "asb_next" in st.session_state:
        return
    url = st.context.url
    path = urlsplit(url).path.strip("/").rsplit("/", 1)[-1] if isinstance(url, str) else ""
    st.session_state["asb_next"] = path


def open_requested_page(pages: dict) -> None:
    """Once signed in, open the page the original link pointed to (once per session)."""
    wanted = st.session_state.get("asb_next")
    if wanted is None:
        return
    st.session_state["asb_next"] = ""
    if wanted in pages:
        st.switch_page(pages[wanted])


def sign_in() -> Viewer:
    """Make sure someone is signed in: draws the sign-in page and stops the run until they are.

    Returns the viewer and draws who they are (and a sign-out button) in the sidebar.
    """
    mode = sign_in_mode()
    viewer: Viewer | None
    if mode != "local" and _SESSION not in st.session_state:
        _remember_requested_page()
    if mode == "oidc":
        viewer = _oidc_viewer()
    elif mode == "password":
        stored = st.session_state.get(_SESSION)
        viewer = Viewer(**stored) if stored and stored.get("method") == "password" else None
        if viewer is None:
            viewer = _password_form()
            if viewer is not None:
                st.session_state[_SESSION] = viewer.__dict__
                audit(viewer, "sign-in", "dashboard")
                st.rerun()
    else:
        if not _is_local_request():
            st.title("ASB Insight")
            st.error("This dashboard has no users configured, so it serves only the computer "
                     "it runs on. Ask the administrator to set up sign-in (docs/security.md).")
            st.stop()
        viewer = _LOCAL
    if viewer is None:
        st.stop()
    assert viewer is not None
    st.session_state[_SESSION] = viewer.__dict__
    _sidebar(viewer)
    return viewer


def _sign_out() -> None:
    st.session_state.pop(_SESSION, None)
    _forget_last_view()


def _sidebar(viewer: Viewer) -> None:
    if viewer.method == "local":
        st.sidebar.warning(
            "Single-user mode: no users are configured, so you are the analyst on this "
            "computer and nobody else can connect. Set up sign-in before sharing "
            "(docs/security.md).", icon=":material/person:")
        return
    st.sidebar.caption(f"Signed in as **{viewer.name}** ({viewer.role})")
    if viewer.method == "oidc":
        if st.sidebar.button("Sign out", key="signout"):
            _sign_out()
            st.logout()
    else:
        st.sidebar.button("Sign out", key="signout", on_click=_sign_out)


def users_file_path() -> Path:
    """The users file the dashboard reads (for the admin page)."""
    return users_file()


def audit_log(search: str = "", start: date | None = None, end: date | None = None
              ) -> pd.DataFrame:
    """Audit rows matching a free-text search and dates, newest first (for the admin page)."""
    exists = query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ?",
                   [AUDIT_TABLE])
    if int(exists.iloc[0]["n"]) == 0:
        return pd.DataFrame(columns=["viewed_at", "username", "role", "action", "page", "subject_id",
                                     "client"])
    sql, params = audit_query(search, start, end)
    return query(sql, params)
