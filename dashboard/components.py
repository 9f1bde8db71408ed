"""Pieces every page uses: the footer with data licences and the "About" text from docs/."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import streamlit as st

__all__ = ["footer", "about", "doc_section", "ATTRIBUTION"]

DOCS_DIR = Path(__file__).resolve().parents[1] / "docs"

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(police.uk street-level crime; ONS and MHCLG statistics). Contains OS data © Crown "
    "copyright and database right. Boundaries compiled by martinjc/UK-GeoJSON (CC-BY 4.0). "
    "People, cases and housing and council records in the sample are synthetic."
)


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
