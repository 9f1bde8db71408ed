"""The global filter bar: period, CSP area and source, shared by every page."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from pipelines.governance import Period, month_end

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


def _whole_months(start: date, end: date, first: date, last: date) -> tuple[date, date]:
    """``start`` to ``end`` widened to whole months, within the months held (``first`` is the
    first day of the first month held, ``last`` the last day of the last)."""
    start = min(max(start.replace(day=1), first), last)
    return start, min(max(month_end(end), start), last)


def _seed(first: date, last: date, csps: dict[str, str], sources: list[str],
          default_months: int | None = None) -> None:
    """Start the widgets from the kept choice, fitted to what the warehouse now holds (a load
    on the Data page can change the months held; a choice outside them would be refused).

    ASB incidents are counted by month, so the period is snapped to whole months here, before
    the picker is drawn: the picker then shows the days that are counted. With no choice kept,
    the period is every month held, or the latest ``default_months`` months held.
    """
    state = st.session_state
    period = state.get("f_period")
    if isinstance(period, tuple | list) and len(period) == 2:
        wanted = _whole_months(period[0], period[1], first, last)
        if tuple(period) != wanted:
            state["f_period"] = wanted
    elif isinstance(period, tuple | list) and len(period) == 1:
        # Half picked (the start clicked, the end not yet): left as it is, or the calendar
        # would take the next click as a new start.
        if not first <= period[0] <= last:
            state["f_period"] = (min(max(period[0], first), last),)
    else:
        start = first
        if default_months:
            start = max(first, (pd.Timestamp(last.replace(day=1))
                                - pd.DateOffset(months=default_months - 1)).date())
        state["f_period"] = (start, last)
    state["f_csp"] = [c for c in state.get("f_csp") or [] if c in csps]
    state["f_source"] = [s for s in state.get("f_source") or [] if s in sources]


def filter_bar(default_months: int | None = None) -> Filters | None:
    """Draw the filters in the sidebar and return the current choice (``None`` if no data).

    The period is whole months (the picked days are widened to the first and last day of
    their months, and the picker says which months are counted). ``default_months`` starts a
    page with no kept choice on the latest that many months held (else every month held).
    """
    options = filter_options()
    if options["first"] is None:
        st.sidebar.info("No incidents loaded yet.")
        return None
    st.sidebar.header("Filters")
    first, last = options["first"], options["last"]
    csps = options["csps"]
    _seed(first, last, csps, list(options["sources"]), default_months)
    period = st.sidebar.date_input(
        "Period",
        min_value=first,
        max_value=last,
        key="f_period",
        help="Incidents whose month falls in this period. ASB incidents are counted by month "
             "(police.uk data is monthly), so the days picked are widened to whole months.",
        format="DD/MM/YYYY",
    )
    if isinstance(period, tuple | list) and len(period) == 2:
        start, end = period
    else:  # the user has picked only the first date so far
        start, end = (period[0] if isinstance(period, tuple | list) else period), last
    start, end = _whole_months(start, end, first, last)
    st.sidebar.caption(f"Counting whole months: {Period(start, end).label}",
                       help="ASB incidents are counted by the month they fall in.")
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
