"""The global filter bar: period, CSP area and source, shared by every page."""

from __future__ import annotations

from datetime import date

import streamlit as st

from .data import Filters, filter_options

__all__ = ["filter_bar", "current_filters"]


def filter_bar() -> Filters | None:
    """Draw the filters in the sidebar and return the current choice (``None`` if no data)."""
    options = filter_options()
    if options["first"] is None:
        st.sidebar.info("No incidents loaded yet.")
        return None
    st.sidebar.header("Filters")
    first, last = options["first"], options["last"]
    period = st.sidebar.date_input(
        "Period",
        value=(first, last),
        min_value=first,
        max_value=last,
        key="f_period",
        help="Incidents whose month falls in this period. police.uk data is monthly.",
        format="DD/MM/YYYY",
    )
    if isinstance(period, tuple | list) and len(period) == 2:
        start, end = period
    else:  # the user has picked only the first date so far
        start, end = (period[0] if isinstance(period, tuple | list) else period), last
    csps = options["csps"]
    chosen = st.sidebar.multiselect(
        "CSP area",
        options=list(csps),
        format_func=lambda code: csps.get(code, code),
        key="f_csp",
        placeholder="All areas",
    )
    sources = st.sidebar.multiselect(
        "Source", options=options["sources"], key="f_source", placeholder="All sources"
    )
    filters = Filters(start=start, end=end, csp_codes=tuple(chosen), sources=tuple(sources))
    st.session_state["filters"] = filters
    return filters


def current_filters() -> Filters:
    """The filters chosen in the sidebar on this run."""
    filters = st.session_state.get("filters")
    if filters is None:
        return Filters(date(1900, 1, 1), date(2999, 12, 31))
    return filters
