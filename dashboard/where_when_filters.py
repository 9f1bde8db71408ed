"""Sidebar filters the where-and-when pages share: the global filter bar plus ASB category,
sub-type and ward, and the harm weighting choice. Widget keys start with the page's prefix."""

from __future__ import annotations

import streamlit as st

from dashboard import where_when_data as wwd
from dashboard.filters import filter_bar
from pipelines.analysis.load import HARM_OPTIONS, NOT_GIVEN, Harm, IncidentFilter

__all__ = ["page_filter", "harm_choice", "category_label", "coverage_warning"]

_HARM_KEYS = {"none": None, "category": "category", "risk_band": "risk_band"}


def category_label(value: str) -> str:
    """How a category or sub-type value is shown (the empty value: not given)."""
    return "not given (e.g. police.uk)" if value == NOT_GIVEN else value


def page_filter(prefix: str, *, use_period: bool = True, wards: bool = True
                ) -> IncidentFilter | None:
    """Draw the filter bar and the page's extra filters; the analysis filter (None: no data)."""
    filters = filter_bar()
    if filters is None:
        return None
    opts = wwd.options(tuple(filters.csp_codes))
    categories = st.sidebar.multiselect(
        "ASB category", opts["categories"], format_func=category_label,
        key=f"{prefix}_category", placeholder="All categories",
        help="police.uk rows have no category: choose 'not given' to keep them.")
    subs = opts["subtypes"]
    if categories:
        subs = subs[subs["category"].isin(categories)]
    chosen_before = st.session_state.get(f"{prefix}_subtype") or []
    sub_options = sorted(set(subs["subtype"]) | set(chosen_before))
    subtypes = st.sidebar.multiselect(
        "Sub-type", sub_options, format_func=category_label, key=f"{prefix}_subtype",
        placeholder="All sub-types")
    chosen_wards: list[str] = []
    if wards:
        ward_names = opts["wards"]
        kept = [w for w in st.session_state.get(f"{prefix}_ward") or [] if w not in ward_names]
        chosen_wards = st.sidebar.multiselect(
            "Ward", [*ward_names, *kept], format_func=lambda c: ward_names.get(c, c),
            key=f"{prefix}_ward", placeholder="All wards",
            help="Wards of the CSP areas chosen above.")
    return wwd.incident_filter(filters, categories=tuple(categories), subtypes=tuple(subtypes),
                               wards=tuple(chosen_wards), use_period=use_period)


def harm_choice(prefix: str, container=st) -> Harm:  # type: ignore[no-untyped-def]
    """The harm weighting selectbox (key ``{prefix}_harm``)."""
    key = container.selectbox(
        "Harm weighting", list(_HARM_KEYS), key=f"{prefix}_harm",
        format_func=lambda k: HARM_OPTIONS[_HARM_KEYS[k]].capitalize(),
        help="Weight each incident by the harm it is likely to cause: personal 3, nuisance 2, "
             "environmental 1; or by the victim's risk band (high 3, medium 2, standard 1) "
             "where a risk assessment gives one.")
    return _HARM_KEYS[key]  # type: ignore[return-value]


def coverage_warning(f: IncidentFilter) -> None:
    """Warn when the sources chosen cover different months (a change in coverage looks like a
    change in ASB in anything over time)."""
    cov = wwd.coverage(f)
    if cov[["first_month", "last_month"]].drop_duplicates().shape[0] > 1:
        held = "; ".join(f"{r.source_name}: {r.first_month:%b %Y} to {r.last_month:%b %Y}"
                         for r in cov.itertuples())
        st.warning(f"The sources chosen cover different months ({held}). A source starting "
                   "or stopping looks like ASB rising or falling: choose sources that cover the "
                   "same months (Source filter) before reading change over time.",
                   icon=":material/warning:")
