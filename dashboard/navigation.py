"""The dashboard's pages, in one registry.

Each entry names the page file (under ``dashboard/pages/``), its title, icon, URL and the
roles that may open it (``None``: every signed-in role). ``app.py`` builds ``st.navigation``
from this list; add a page by adding a line here.
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


PAGES: list[PageSpec] = [
    PageSpec("Explore", "overview.py", "Overview", ":material/dashboard:", "overview",
             default=True),
    PageSpec("Data", "data_loaded.py", "Data loaded", ":material/database:", "data",
             roles=("analyst", "admin")),
]
