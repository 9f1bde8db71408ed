"""Governance page, admin page, upload, roles and refusals, and injection through every input.

Each test runs the real app (AppTest) on its own copy of the sample warehouse, signed in
through the real sign-in form from a users file.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.navigation import PAGES
from dashboard.upload import Upload, UploadProblem, _check_file
from pipelines.users import hash_password
from pipelines.warehouse import connect
from tests.dashboard.conftest import APP, dash_count
from tests.pipelines.test_governance import assert_no_personal_data

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "docs" / "examples"
INJECTIONS = ("'; DROP TABLE mart_incident; --", "%' OR 1=1 --", "\" OR \"\"=\"",
              "x'); DELETE FROM app_audit; --")
PASSWORD = "correct horse battery"
ROLES = ("analyst", "panel", "governance", "admin")
SUMMER = (date(2022, 6, 1), date(2022, 8, 31))


@pytest.fixture()
def db(sample_db_copy: Path) -> Path:
    return sample_db_copy


@pytest.fixture(scope="module")
def users_yaml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("users") / "users.yaml"
    lines = ["users:"]
    for role in ROLES:
        lines += [f"  {role}1:", f"    name: {role.title()} One", f"    role: {role}",
                  f"    password: '{hash_password(PASSWORD, n=2**10)}'"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def at(db: Path, users_yaml: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("ASB_DB", str(db))
    monkeypatch.setenv("ASB_USERS_FILE", str(users_yaml))
    return AppTest.from_file(APP, default_timeout=120)


def sign_in(at: AppTest, user: str, password: str = PASSWORD) -> AppTest:
    at.run()
    at.text_input(key="signin_user").input(user)
    at.text_input(key="signin_password").input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def go(at: AppTest, page: str) -> AppTest:
    """Open a page as a link would: by its file when the menu has it, else by its URL (a page
    the role may not open is registered only as its refusal)."""
    spec = next(p for p in PAGES if p.file == page)
    try:
        at.switch_page(f"views/{page}")
    except ValueError:
        # AppTest switches only to file pages; a refused page is registered as a function
        # under the page's URL, so select it by that URL, as a browser following a link does.
        at._page_hash = next(h for h, info in at._registered_pages.items()
                             if info.get("url_pathname") == spec.url)
    return at.run()


# AppTest does not expose a data frame's key: find each table by what identifies it.
_TABLES = {
    "gov_asb_volume_this_period": lambda f: "All categories" in f.columns,
    "gov_tools_and_powers_by_action": lambda f: "All actions" in f.index,
    "audit_table": lambda f: "viewed_at" in f.columns,
    "admin_users": lambda f: "signs in with" in f.columns,
    "upload_reasons": lambda f: list(f.columns) == ["reason", "rows"],
    "data_files": lambda f: "file_name" in f.columns and "encoding" in f.columns,
}


def frame(at: AppTest, key: str):
    return next(d.value for d in at.dataframe if _TABLES[key](d.value))


def page_text(at: AppTest) -> str:
    parts = []
    for node in at.main:
        value = getattr(node, "value", None)
        if isinstance(value, str):
            parts.append(value)
    for d in at.dataframe:
        parts.append(d.value.to_csv())
    for m in at.metric:
        parts += [m.label, m.value]
    for e in list(at.markdown) + list(at.caption) + list(at.info) + list(at.subheader):
        parts.append(e.value)
    return "\n".join(parts)


def audit_rows(db: Path, action: str | None = None) -> list[tuple]:
    exists = dash_count(db, "SELECT count(*) FROM information_schema.tables WHERE table_name = "
                            "'app_audit'")
    if not exists:
        return []
    con = connect(db)
    try:
        sql = "SELECT username, role, action, page, subject_id, client FROM app_audit"
        if action:
            return con.execute(sql + " WHERE action = ? ORDER BY audit_id", [action]).fetchall()
        return con.execute(sql + " ORDER BY audit_id").fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------
# Sign-in


def test_sign_in_is_required_and_wrong_passwords_are_refused(at: AppTest, db: Path):
    at.run()
    assert at.text_input(key="signin_user") is not None
    assert not at.metric  # nothing is shown before signing in
    sign_in(at, "analyst1", "wrong")
    assert "do not match" in at.error[0].value
    assert not audit_rows(db, "sign-in")
    sign_in(at, "analyst1")
    assert [r[:3] for r in audit_rows(db, "sign-in")] == [("analyst1", "analyst", "sign-in")]


def test_without_users_the_app_runs_single_user_as_analyst(db, monkeypatch, tmp_path):
    monkeypatch.setenv("ASB_DB", str(db))
    monkeypatch.setenv("ASB_USERS_FILE", str(tmp_path / "none.yaml"))
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert "Single-user mode" in at.sidebar.warning[0].value
    go(at, "victim_profile.py")
    assert at.title[0].value == "Victim profile"


# ---------------------------------------------------------------------------------------------
# Governance page


def test_governance_page_equals_independent_sql_and_suppresses(at: AppTest, db: Path):
    sign_in(at, "governance1")
    go(at, "governance.py")
    assert not at.exception
    at.date_input(key="f_period").set_value(SUMMER).run()
    total = dash_count(db, "SELECT count(*) FROM mart_incident WHERE is_asb AND month BETWEEN "
                           "'2022-06-01' AND '2022-08-31'")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["ASB incidents"] == f"{total:,}"
    volume = frame(at, "gov_asb_volume_this_period")
    stockton = dash_count(db, "SELECT count(*) FROM mart_incident WHERE is_asb AND csp_code = "
                              "'E06000004' AND month BETWEEN '2022-06-01' AND '2022-08-31'")
    assert volume.at["Stockton-on-Tees", "All categories"] == f"{stockton:,}"
    actions = frame(at, "gov_tools_and_powers_by_action")
    taken = dash_count(db, "SELECT count(*) FROM core_action WHERE action_date BETWEEN "
                           "'2022-06-01' AND '2022-08-31'")
    assert actions.at["All actions", "This period"] == f"{taken:,}"
    # Suppression is visible, and no count from 1 to 4 is shown anywhere on the page.
    shown = [v for d in at.dataframe
             for c in d.value.columns if not str(c).startswith("Median")
             for r, v in d.value[c].items() if not str(r).startswith("Satisfied")]
    assert "[c]" in shown
    assert not [v for v in shown if re.fullmatch(r"[1-4]", str(v))]
    # police.uk data start in January 2022: the change against last year is not like for like.
    assert any("Not every source covers both periods" in w.value
               and "police-uk: Jan 2022 to Nov 2022" in w.value for w in at.warning)
    assert "Not available yet: needs case review applications" in page_text(at)
    con = connect(db)
    try:
        assert_no_personal_data(page_text(at), con)
    finally:
        con.close()
    # The area filter changes the figures.
    at.multiselect(key="f_csp").set_value(["E06000001"]).run()
    hartlepool = dash_count(db, "SELECT count(*) FROM mart_incident WHERE is_asb AND csp_code = "
                                "'E06000001' AND month BETWEEN '2022-06-01' AND '2022-08-31'")
    assert {m.label: m.value for m in at.metric}["ASB incidents"] == f"{hartlepool:,}"
    assert list(frame(at, "gov_asb_volume_this_period").index) == ["Hartlepool", "All areas"]
    # Every figure links to its definition.
    labels = [e.label for e in at.expander]
    assert labels.count("How this figure is defined") == 7


def test_governance_default_is_the_latest_12_months_against_the_year_before(at: AppTest, db):
    sign_in(at, "governance1")
    assert at.title[0].value == "Governance overview"
    assert at.date_input(key="f_period").value == (date(2022, 1, 1), date(2022, 12, 31))
    caption = next(c.value for c in at.caption if "against" in c.value)
    assert "Jan 2022 to Dec 2022 against Jan 2021 to Dec 2021 (the same period last year)" \
        in caption
    total = dash_count(db, "SELECT count(*) FROM mart_incident WHERE is_asb AND month BETWEEN "
                           "'2022-01-01' AND '2022-12-31'")
    assert {m.label: m.value for m in at.metric}["ASB incidents"] == f"{total:,}"


def test_governance_never_compares_overlapping_periods_and_shows_every_warning(at: AppTest):
    sign_in(at, "governance1")
    at.date_input(key="f_period").set_value((date(2021, 1, 1), date(2022, 12, 31))).run()
    assert not at.exception
    caption = next(c.value for c in at.caption if "against" in c.value)
    assert "Jan 2021 to Dec 2022 against Jan 2019 to Dec 2020 (the preceding 24 months)" \
        in caption
    assert any("longer than 12 months" in i.value for i in at.info)
    metrics = {m.label: m.value for m in at.metric}
    assert "Previous period" in metrics and "Same period last year" not in metrics
    assert metrics["Change"] == "–"  # nothing held before 2021: no +404%
    warnings = [w.value for w in at.warning]
    assert any("little or no ASB data for the preceding 24 months" in w for w in warnings)
    assert any("Not every source covers both periods" in w for w in warnings)


def test_governance_days_are_counted_as_whole_months(at: AppTest, db):
    sign_in(at, "governance1")
    at.date_input(key="f_period").set_value((date(2022, 3, 15), date(2022, 3, 20))).run()
    caption = next(c.value for c in at.caption if "against" in c.value)
    assert "Mar 2022 against Mar 2021" in caption and "15/03" not in caption
    march = dash_count(db, "SELECT count(*) FROM mart_incident WHERE is_asb AND month = "
                           "DATE '2022-03-01'")
    assert {m.label: m.value for m in at.metric}["ASB incidents"] == f"{march:,}"


# ---------------------------------------------------------------------------------------------
# Roles and refusals


@pytest.mark.parametrize("user,allowed", [("governance1", False), ("admin1", False),
                                          ("panel1", True), ("analyst1", True)])
def test_victim_profile_is_refused_to_roles_that_may_not_see_people(at, db, user, allowed):
    sign_in(at, user)
    go(at, "victim_profile.py")
    assert not at.exception
    role = user[:-1]
    if allowed:
        assert at.title[0].value == "Victim profile"
        assert not [e for e in at.error if "not available to the" in e.value]
        views = audit_rows(db, "view")
        # The page view (no subject yet), and any person the page then shows.
        assert [r[:5] for r in views if r[4] is None] == [
            (user, role, "view", "Victim profile", None)]
        assert {r[:4] for r in views} == {(user, role, "view", "Victim profile")}
        at.run()  # a rerun of the same view is not written again
        assert len(audit_rows(db, "view")) == len(views)
    else:
        assert "not available to the " + role + " role" in at.error[0].value
        assert "analyst, panel" in at.error[0].value
        assert len(at.main) <= 3  # the title and the refusal: nothing of the page itself
        assert [r[:4] for r in audit_rows(db, "refused")] == [
            (user, role, "refused", "Victim profile")]
        assert not audit_rows(db, "view")


@pytest.mark.parametrize("user", ["analyst1", "governance1", "panel1"])
def test_admin_page_is_for_admins_only(at, user):
    sign_in(at, user)
    go(at, "admin.py")
    assert "not available to the" in at.error[0].value
    assert not [d for d in at.dataframe if d.key == "audit_table"]


def test_governance_role_lands_on_its_overview(at):
    """The Overview is not open to the governance role: it lands on the Governance overview,
    never on a refusal."""
    sign_in(at, "governance1")
    assert not at.exception
    assert not [e for e in at.error if "not available to the" in e.value]
    assert at.title[0].value == "Governance overview"


@pytest.mark.parametrize("page", ["overview.py", "hotspots.py", "peak_times.py",
                                  "before_after.py", "interventions.py", "problems.py"])
def test_governance_role_is_refused_pages_that_show_small_counts(at, page):
    """Analysis pages show any count down to one; the governance role sees aggregates with
    small numbers suppressed only."""
    sign_in(at, "governance1")
    go(at, page)
    assert "not available to the governance role" in at.error[0].value


def test_governance_role_cannot_open_the_data_page(at):
    sign_in(at, "governance1")
    go(at, "data_loaded.py")
    assert "not available to the governance role" in at.error[0].value


# ---------------------------------------------------------------------------------------------
# Admin


def test_admin_sees_and_exports_the_audit_trail_but_never_hashes(at, db):
    sign_in(at, "panel1")
    go(at, "victim_profile.py")
    admin = AppTest.from_file(APP, default_timeout=120)
    sign_in(admin, "admin1")
    go(admin, "admin.py")
    assert not admin.exception
    log = frame(admin, "audit_table")
    assert {"panel1", "admin1"} <= set(log["username"])
    assert "Victim profile" in set(log["page"])
    admin.text_input(key="audit_search").input("victim").run()
    log = frame(admin, "audit_table")
    assert set(log["page"]) == {"Victim profile"}
    for text in INJECTIONS:
        admin.text_input(key="audit_search").input(text).run()
        assert not admin.exception
        assert frame(admin, "audit_table").empty
    assert dash_count(db, "SELECT count(*) FROM app_audit") >= 3
    assert dash_count(db, "SELECT count(*) FROM mart_incident") > 0
    users = frame(admin, "admin_users")
    assert set(users["role"]) == set(ROLES)
    assert "scrypt" not in page_text(admin) and "password:" not in page_text(admin)
    admin.text_input(key="audit_search").input("").run()
    button = next(b for b in admin.get("download_button") if b.key == "audit_export")
    button.click().run()
    assert ("admin1", "admin", "export", "Audit trail (CSV)") in [
        r[:4] for r in audit_rows(db, "export")]


# ---------------------------------------------------------------------------------------------
# Upload


def test_upload_is_checked_first_then_committed(at, db):
    sign_in(at, "analyst1")
    go(at, "data_loaded.py")
    before = dash_count(db, "SELECT count(*) FROM mart_incident")
    data = (EXAMPLES / "incidents.csv").read_bytes().replace(b"EX-000", b"UP-000")
    data += b"UP-0009,Middlesbrough Council,not a date,,,nuisance,,,,,,,,,,,\n"
    at.file_uploader(key="upload_file").set_value(("council.csv", data, "text/csv")).run()
    at.selectbox(key="upload_source").set_value("incidents").run()
    at.button(key="upload_check").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Rows read"], metrics["Would load"], metrics["Would be rejected"]) == (
        "4", "3", "1")
    reasons = frame(at, "upload_reasons")
    assert "reported_at is not a date" in reasons["reason"][0]
    assert dash_count(db, "SELECT count(*) FROM mart_incident") == before  # nothing loaded yet
    assert dash_count(db, "SELECT count(*) FROM raw_file WHERE file_name = 'council.csv'") == 0
    at.button(key="upload_commit").click().run()
    assert not at.exception, at.exception
    assert "3 rows loaded, 1 rejected" in at.success[0].value
    assert dash_count(db, "SELECT count(*) FROM mart_incident") == before + 3
    files = frame(at, "data_files")
    assert "council.csv" in set(files["file_name"])  # the page shows it at once
    assert [r[:5] for r in audit_rows(db, "upload")] == [
        ("analyst1", "analyst", "upload", "Data loaded", "council.csv")]


def test_a_police_month_with_far_fewer_rows_needs_the_box_ticked(at, db):
    """Part of a month's police.uk file would wipe most of that month: refused, with the
    dashboard's own way to go ahead named, and checked again once the box is ticked."""
    month = REPO / "data" / "sample" / "police-uk" / "2022-03-cleveland-street.csv"
    part = b"".join(month.read_bytes().splitlines(keepends=True)[:21])  # header + 20 rows
    held = dash_count(db, "SELECT count(*) FROM raw_police_uk")
    sign_in(at, "analyst1")
    go(at, "data_loaded.py")
    at.file_uploader(key="upload_file").set_value(("march.csv", part, "text/csv")).run()
    at.selectbox(key="upload_source").set_value("police-uk").run()
    at.button(key="upload_check").click().run()
    assert not at.exception, at.exception
    error = at.error[0].value
    assert "less than half of what is held" in error and "Cleveland Police 2022-03 with 20" in error
    assert "tick 'Replace months with fewer rows'" in error and "--allow-shrink" not in error
    assert not [b for b in at.button if b.key == "upload_commit"]
    at.checkbox(key="upload_allow_shrink").check().run()
    at.button(key="upload_check").click().run()
    assert not at.exception and not at.error
    assert any("2022-03" in c.value and "→ 20" in c.value for c in at.caption)
    assert [b for b in at.button if b.key == "upload_commit"]
    assert dash_count(db, "SELECT count(*) FROM raw_police_uk") == held  # checked, not loaded


def test_upload_is_only_offered_to_analysts(at):
    sign_in(at, "admin1")
    go(at, "data_loaded.py")
    assert not at.exception
    assert not [f for f in at.get("file_uploader")]


def test_uploads_are_limited_in_type_and_size(monkeypatch):
    import dashboard.upload as upload

    assert _check_file(Upload("a b/../x.csv", b"a,b\n")) == "x.csv"
    for name, data in (("x.exe", b"MZ"), ("x.xlsx", b"not a zip"), ("x.parquet", b"nope"),
                       ("x.csv", b""), ("noext", b"a")):
        with pytest.raises(UploadProblem):
            _check_file(Upload(name, data))
    monkeypatch.setattr(upload, "MAX_UPLOAD_MB", 1)
    with pytest.raises(UploadProblem, match="upload limit"):
        _check_file(Upload("big.csv", b"x" * (1024 * 1024 + 1)))


# ---------------------------------------------------------------------------------------------
# Injection through every filter and text box


def test_injection_strings_through_filters_and_text_boxes_change_nothing(at, db):
    tables_sql = ("SELECT count(*) FROM information_schema.tables WHERE table_name NOT LIKE "
                  "'app_%'")
    tables = dash_count(db, tables_sql)
    incidents = dash_count(db, "SELECT count(*) FROM mart_incident")
    for text in INJECTIONS:  # the sign-in form
        sign_in(at, text, text)
        assert "do not match" in at.error[0].value
    sign_in(at, "analyst1")
    for page in ("overview.py", "governance.py"):
        go(at, page)
        total = at.metric[0].value
        for text in INJECTIONS:
            # Values outside a widget's options cannot be chosen: the app shows all areas.
            at.session_state["f_csp"] = [text]
            at.session_state["f_source"] = [text]
            at.run()
            assert not at.exception
            assert at.metric[0].value == total
    assert dash_count(db, tables_sql) == tables
    assert dash_count(db, "SELECT count(*) FROM mart_incident") == incidents


def test_injection_strings_through_the_data_layer_return_nothing(db, monkeypatch):
    """Below the widgets: the query functions take the same strings as parameters."""
    monkeypatch.setenv("ASB_DB", str(db))
    from dashboard import queries, reports
    from dashboard.data import Filters

    for text in INJECTIONS:
        filters = Filters(date(2022, 1, 1), date(2022, 12, 31), csp_codes=(text,),
                          sources=(text,))
        assert queries.asb_totals(filters)["asb"] == 0
        assert queries.asb_by_area(filters).empty
        assert queries.rejects_for(text).empty
        report = reports.governance(filters)
        assert report.figure("asb_volume").tables["this_period"].to_numpy().sum() == 0
        assert report.areas == {}
        assert "<path" not in reports.governance_map(filters)
    assert dash_count(db, "SELECT count(*) FROM mart_incident") > 0


def test_an_injected_source_name_is_refused_by_the_upload(db, monkeypatch):
    monkeypatch.setenv("ASB_DB", str(db))
    from dashboard.upload import check_upload
    from pipelines.errors import ConfigProblem

    for text in INJECTIONS:
        with pytest.raises(ConfigProblem):
            check_upload(Upload("x.csv", b"a,b\n1,2\n"), text)


def test_no_page_renders_html_from_data():
    root = Path(APP).parent
    for path in [*root.glob("*.py"), *root.glob("views/*.py")]:
        assert "unsafe_allow_html" not in path.read_text(encoding="utf-8"), path


# ---------------------------------------------------------------------------------------------
# Sign-in through the partnership's identity provider (st.login)


@pytest.fixture()
def oidc(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  gill@council.example:\n    name: Gill\n    role: governance\n",
                     encoding="utf-8")
    monkeypatch.setenv("ASB_DB", str(db))
    monkeypatch.setenv("ASB_USERS_FILE", str(users))
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback",
                          "cookie_secret": "x" * 32, "client_id": "id", "client_secret": "s",
                          "server_metadata_url": "https://idp.example/.well-known/openid"}
    return at


def test_identity_provider_sign_in_takes_the_role_from_the_users_file(oidc: AppTest, db):
    oidc.user = {"is_logged_in": False}
    oidc.run()
    assert not oidc.exception
    assert oidc.button(key="signin_oidc").label == "Sign in"
    assert not oidc.metric
    oidc.user = {"is_logged_in": True, "email": "gill@council.example", "name": "Gill"}
    oidc.run()
    assert not oidc.exception
    assert "Gill" in oidc.sidebar.caption[0].value and "(governance)" in oidc.sidebar.caption[0].value
    go(oidc, "victim_profile.py")
    assert "not available to the governance role" in oidc.error[0].value
    assert ("gill@council.example", "governance", "refused") in [
        r[:3] for r in audit_rows(db, "refused")]


def test_identity_provider_user_without_a_role_is_told_to_ask(oidc: AppTest):
    oidc.user = {"is_logged_in": True, "email": "stranger@elsewhere.example", "name": "S"}
    oidc.run()
    assert not oidc.exception
    assert "no ASB Insight role" in oidc.error[0].value
    assert not oidc.metric
