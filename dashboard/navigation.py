"""The dashboard's pages, in one registry.

Each entry names the page file (under ``dashboard/views/``), its title, icon, URL and the
roles that may open it (``None``: every signed-in role). ``app.py`` builds ``st.navigation``
from this list; add a page by adding a line here. Roles are ``analyst``, ``panel``,
``governance`` and ``admin`` (see :mod:`dashboard.auth`, which holds the one permission check).
A ``person_level`` page shows named people: it starts with ``require_page(__file__)``, which
refuses other roles and writes the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PageSpec", "PAGES"]


@dataclass(frozen=True)
class PageSpec:
    section: str
    file: str
    title: str
    icon: str
    url: str
    roles: tuple[str, ...] | None = None  # None: every role
    default: bool = False
    person_level: bool = False  # shows named people: role-gated and audited


PAGES: list[PageSpec] = [
    # The governance role sees aggregates with small numbers suppressed only: the Governance
    # overview (and its meeting pack). The analysis pages show any count, down to one.
    PageSpec("Explore", "overview.py", "Overview", ":material/dashboard:", "overview",
             roles=("analyst", "panel", "admin"), default=True),
    PageSpec("Explore", "governance.py", "Governance overview", ":material/account_balance:",
             "governance", roles=("analyst", "panel", "governance")),
    PageSpec("Explore", "hotspots.py", "Hotspots", ":material/map:", "hotspots",
             roles=("analyst", "panel")),
    PageSpec("Explore", "peak_times.py", "Peak times", ":material/schedule:", "peak-times",
             roles=("analyst", "panel")),
    PageSpec("Explore", "before_after.py", "Before and after", ":material/compare_arrows:",
             "before-after", roles=("analyst", "panel")),
    PageSpec("People", "case_reviews.py", "Case reviews", ":material/gavel:", "case-reviews",
             roles=("analyst", "panel"), person_level=True),
    PageSpec("People", "cmarac.py", "CMARAC and risk", ":material/crisis_alert:", "cmarac",
             roles=("analyst", "panel"), person_level=True),
    PageSpec("People", "victim_profile.py", "Victim profile", ":material/person:",
             "victim-profile", roles=("analyst", "panel"), person_level=True),
    PageSpec("People", "perpetrator_profile.py", "Perpetrator profile",
             ":material/person_alert:", "perpetrator-profile", roles=("analyst", "panel"),
             person_level=True),
    PageSpec("People", "offender_panel.py", "Offender panel", ":material/groups:",
             "offender-panel", roles=("analyst", "panel"), person_level=True),
    PageSpec("People", "location_profile.py", "Location profile", ":material/location_on:",
             "location-profile", roles=("analyst", "panel"), person_level=True),
    PageSpec("People", "network.py", "Network", ":material/hub:", "network",
             roles=("analyst", "panel"), person_level=True),
    PageSpec("People", "linkage.py", "People links", ":material/link:", "people-links",
             roles=("analyst", "admin"), person_level=True),
    PageSpec("Explore", "interventions.py", "Which interventions work", ":material/science:",
             "interventions", roles=("analyst", "panel")),
    PageSpec("Problem-solving", "problems.py", "Problems", ":material/checklist:", "problems",
             roles=("analyst", "panel")),
    PageSpec("Problem-solving", "problem_workspace.py", "Problem workspace",
             ":material/construction:", "problem-workspace", roles=("analyst", "panel")),
    PageSpec("Data", "data_loaded.py", "Data loaded", ":material/database:", "data",
             roles=("analyst", "admin")),
    PageSpec("Admin", "admin.py", "Admin", ":material/admin_panel_settings:", "admin",
             roles=("admin",)),
]
