"""Pieces every page uses: the footer with data licences and the "About" text from docs/."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import streamlit as st

from pipelines.licences import ATTRIBUTION

__all__ = ["footer", "about", "doc_section", "ATTRIBUTION"]

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
