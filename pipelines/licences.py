"""Data sources and their licences: the attribution every page and every report carries.

Kept in ``pipelines`` so the meeting pack (which never imports Streamlit) and the dashboard
footer show the same words.
"""

from __future__ import annotations

__all__ = ["ATTRIBUTION", "DATA_SOURCES"]

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(police.uk street-level crime; ONS and MHCLG statistics). Contains OS data © Crown "
    "copyright and database right. Boundaries compiled by martinjc/UK-GeoJSON (CC-BY 4.0). "
    "People, cases and housing and council records in the sample are synthetic."
)

#: (source, what it provides, licence) for the reports' "Data sources" section.
DATA_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("police.uk street-level crime", "ASB incidents by month and snapped location",
     "Open Government Licence v3.0"),
    ("Partner exports (police incidents, council and housing ASB cases, actions, risk "
     "assessments)", "incidents, victims, cases, tools and powers, outcomes and satisfaction",
     "held by the partnership under its information sharing agreement; not for publication "
     "below the suppression threshold"),
    ("ONS LSOA (2011) and ward boundaries, compiled by martinjc/UK-GeoJSON",
     "areas and the map", "Open Government Licence v3.0 and CC-BY 4.0; contains OS data © "
     "Crown copyright and database right"),
    ("ONS Census 2011 population", "rates per 1,000 residents", "Open Government Licence v3.0"),
    ("MHCLG Index of Multiple Deprivation 2019", "deprivation deciles",
     "Open Government Licence v3.0"),
)
