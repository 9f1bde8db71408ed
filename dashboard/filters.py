"""The global filter bar: period, CSP area and source, shared by every page."""

from __future__ import annotations

from datetime import date

import streamlit as st

from .data import Filters, filter_options

__all__ = ["filter_bar", "current_filters", "keep_filters"]

#: The widget keys of the filters every page shares.
SHARED_KEYS = ("f_period", "f_csp", "f_source")


def keep_filters() -> None:
    """Keep the shared filters while a page without them is open, and across page changes.

    Streamlit forgets a widget's value at the end of a run that did not draw it, and each page
    draws the filter bar itself; saving each value again under its own key (once per run,
    before the page) keeps it as plain session state until a page draws the widget again.
    """
    for key in SHARED_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def _seed(first: date, last: date, csps: dict[str, str], sources: list[str]) -> None:
    """Start the widgets from the kept choice, fitted to what the warehouse now holds (a load
    on the Data page can change the months held; a choice outside them would be refused)."""
    state = st.session_state
    period = state.get("f_period")
    if isinstance(period, tuple | list) and len(period) == 2:
        start = min(max(period[0], first), last)
        wanted = (start, min(max(period[1], start), last))
        if tuple(period) != wanted:
            state["f_period"] = wanted
    elif isinstance(period, tuple | list) and len(period) == 1:
        # Half picked (the start clicked, the end not yet): left as it is, or the calendar
        # would take the next click as a new start.
        if not first <= period[0] <= last:
            state["f_period"] = (min(max(period[0], first), last),)
    else:
        state["f_period"] = (first, last)
    state["f_csp"] = [c for c in state.get("f_csp") or [] if c in csps]
    state["f_source"] = [s for s in state.get("f_source") or [] if s in sources]


def filter_bar() -> Filters | None:
    """Draw the filters in the sidebar and return the current choice (``None`` if no data)."""
    options = filter_options()
    if options["first"] is None:
        st.sidebar.info("No incidents loaded yet.")
        return None
    st.sidebar.header("Filters")
    first, last = options["first"], options["last"]
    csps = options["csps"]
    _seed(first, last, csps, list(options["sources"]))
    period = st.sidebar.date_input(
        "Period",
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
