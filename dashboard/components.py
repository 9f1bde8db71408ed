"""Pieces every page uses: the footer with data licences and the "About" text from docs/."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pipelines.licences import ATTRIBUTION

__all__ = ["footer", "about", "doc_section", "month_axis", "ATTRIBUTION"]

DOCS_DIR = Path(__file__).resolve().parents[1] / "docs"


@lru_cache(maxsize=64)
def doc_section(filename: str, heading: str) -> str:
    """The text under ``## heading`` in ``docs/filename`` (empty if not found).

    The dashboard shows method and definition text from the same docs the README links to,
    so the two cannot drift apart.
    """
    path = DOCS_DIR / filename
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    pattern = re.compile(rf"^(#{{2,3}}) {re.escape(heading)}\s*$", re.MULTILINE)
    match = pattern.search(text)
    if not match:
        return ""
    level = len(match.group(1))
    rest = text[match.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: end.start() if end else len(rest)].strip()


def about(filename: str, heading: str, label: str = "About these figures") -> None:
    """An expander with a section of the docs."""
    text = doc_section(filename, heading)
    if text:
        with st.expander(label):
            st.markdown(text)


def month_axis(fig: go.Figure, months: object) -> go.Figure:
    """Label a monthly chart's time axis with months ("Mar 2022"), never with times of day.

    Left to itself plotly picks ticks from the data's span, so a single month gets ticks a
    fraction of a second apart (``23:59:59.9996``). Ticks fall on whole months, one to twelve
    months apart so that no more than about a dozen labels show; a single month is shown as
    that month with half a month either side. ``months`` are the dates drawn (any sequence).
    """
    held = pd.to_datetime(pd.Series(list(months), dtype=object), errors="coerce").dropna()
    span = 1 if held.empty else (held.max().year - held.min().year) * 12 + (
        held.max().month - held.min().month) + 1
    step = next((s for s in (1, 2, 3, 6) if span / s <= 12), 12)
    fig.update_xaxes(type="date", dtick=f"M{step}", tickformat="%b %Y", hoverformat="%b %Y")
    if span == 1 and not held.empty:
        # one month: plotly would draw a lone bar a millisecond wide on a millisecond axis
        centre = held.min().to_period("M").to_timestamp()
        fig.update_xaxes(range=[centre - pd.Timedelta(days=20), centre + pd.Timedelta(days=20)])
        fig.update_traces(width=20 * 86_400_000, selector={"type": "bar"})
    return fig


def footer() -> None:
    st.divider()
    st.caption(ATTRIBUTION)


def flash(message: str) -> None:
    """Show ``message`` as a success note on the next run, then rerun the page now (so what
    was just saved is shown everywhere on it)."""
    st.session_state["_flash"] = message
    st.rerun()


def show_flash() -> None:
    """Show (once) a note left by :func:`flash`."""
    message = st.session_state.pop("_flash", None)
    if message:
        st.success(message)
