"""Pickers the person-level pages share: choose a person or a place, and open another page on
the same person (the choice travels in ``st.session_state["vol_person"]`` / ``["vol_place"]``).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import victims_data as vd

__all__ = ["pick_person", "pick_place", "open_person", "as_of_input", "refs_text"]

_PAGES = {"victim": "views/victim_profile.py", "perpetrator": "views/perpetrator_profile.py",
          "network": "views/network.py"}


def refs_text(refs: object) -> str:
    """Agency references as one line."""
    if refs is None or (isinstance(refs, float) and pd.isna(refs)):
        return ""
    return ", ".join(str(r) for r in list(refs))  # type: ignore[call-overload]


def _person_label(row: pd.Series) -> str:
    parts = []
    if row["victim_incidents"]:
        parts.append(f"victim {int(row['victim_incidents'])}")
    if row["perpetrator_incidents"]:
        parts.append(f"perpetrator {int(row['perpetrator_incidents'])}")
    return f"{row['name']} · {row['person_id']} ({', '.join(parts) or 'no reports'})"


def pick_person(prefix: str, side: str = "any") -> str | None:
    """A search box and a list of people; returns the chosen person_id (or ``None``)."""
    wanted = st.session_state.get("vol_person")
    text = st.text_input("Find a person", key=f"{prefix}_search",
                         placeholder="Name or agency reference",
                         help="Searches every name and agency reference linked to the person.")
    found = vd.find_people(text, side=side)
    options = found["person_id"].tolist()
    labels = {r["person_id"]: _person_label(r) for _, r in found.iterrows()}
    if wanted and wanted not in labels:
        row = vd.person(wanted)
        if row is not None:
            options.insert(0, wanted)
            labels[wanted] = _person_label(pd.Series(row))
    return _choose("Person", options, labels, f"{prefix}_person", "vol_person",
                   "Nobody matches that search.")


def open_person(person_id: str, page: str, key: str, label: str) -> None:
    """A button that opens ``page`` (victim, perpetrator or network) on ``person_id``."""
    if st.button(label, key=key):
        st.session_state["vol_person"] = person_id
        st.session_state["vol_start"] = f"person:{person_id}"
        st.switch_page(_PAGES[page])


def pick_place(prefix: str) -> str | None:
    """A search box and a list of places; returns the chosen place_id."""
    wanted = st.session_state.get("vol_place")
    text = st.text_input("Find a place", key=f"{prefix}_search",
                         placeholder="Street, address or postcode")
    found = vd.find_places(text)
    options = found["place_id"].tolist()
    labels = {r["place_id"]: f"{r['place'] or r['place_id']} ({r['kind']}; "
                             f"{int(r['incidents'])} incidents, {int(r['people'])} people)"
              for _, r in found.iterrows()}
    if wanted and wanted not in labels:
        options.insert(0, wanted)
    return _choose("Place", options, labels, f"{prefix}_place", "vol_place",
                   "No place with people recorded matches that search.")


def _choose(label: str, options: list[str], labels: dict[str, str], key: str, remembered: str,
            none_found: str) -> str | None:
    """The list of a person or place search: the one remembered in ``st.session_state``
    (``remembered``) chosen when it is listed, and remembered again once chosen."""
    if not options:
        st.info(none_found)
        return None
    wanted = st.session_state.get(remembered)
    index = options.index(wanted) if wanted in options else 0
    chosen = st.selectbox(label, options, index=index, key=key,
                          format_func=lambda k: labels.get(k, k))
    st.session_state[remembered] = chosen
    return chosen


def as_of_input(key: str, label: str = "As of") -> date | None:
    """A date input defaulting to the latest report held (``None`` when nothing is held)."""
    latest = vd.latest_report_date()
    if latest is None:
        st.info("No reports with people in them are loaded yet: load the people template "
                "(or a mapped people export) with the incidents.")
        return None
    return st.date_input(label, value=latest, key=key, format="DD/MM/YYYY",
                         help="The rules are applied on this day: reports after it are not "
                              "counted.")
