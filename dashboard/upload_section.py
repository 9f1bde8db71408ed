"""The Data page's upload: choose a file and its source, see the check, then commit."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from dashboard.auth import audit, current_viewer
from dashboard.upload import (
    MAX_UPLOAD_MB,
    UPLOAD_TYPES,
    Upload,
    UploadProblem,
    check_upload,
    commit_upload,
)
from pipelines.errors import AsbError, ShrinkProblem
from pipelines.sources import list_sources

__all__ = ["upload_section"]

_STEPS = (("reading", 0.1), ("validating", 0.3), ("loading", 0.55), ("loaded", 0.75),
          ("rebuilt", 1.0))


def _progress(status, bar):  # type: ignore[no-untyped-def]
    def say(message: str) -> None:
        for word, fraction in _STEPS:
            if word in message:
                bar.progress(fraction)
                break
        status.update(label=message)
        status.write(message)

    return say


def _signature(upload: Upload, source: str, mapping: Upload | None, allow_shrink: bool) -> str:
    digest = hashlib.sha256(upload.data)
    digest.update(source.encode())
    digest.update(b"shrink" if allow_shrink else b"")
    if mapping is not None:
        digest.update(mapping.data)
    return digest.hexdigest()


def _show_report(report: dict) -> None:
    if report["status"] != "loaded":
        st.warning(f"{report['file']}: {report['status']}: loading it would change nothing.")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Rows read", f"{report['rows_read']:,}")
    c2.metric("Would load", f"{report['rows_loaded']:,}")
    c3.metric("Would be rejected", f"{report['rows_rejected']:,}")
    c4.metric("Already held (duplicates)", f"{report['rows_duplicate']:,}")
    if report["rejects_by_reason"]:
        st.caption("Rows that would be rejected, and why")
        st.dataframe(pd.DataFrame({"reason": list(report["rejects_by_reason"]),
                                   "rows": list(report["rejects_by_reason"].values())}),
                     hide_index=True, key="upload_reasons")
    if report["replaced_force_months"]:
        st.caption("Would replace police.uk force-months: "
                   + ", ".join(report["replaced_force_months"]))
    replacements = report.get("replacements") or []
    if replacements:
        st.caption("Rows held for those months, and the rows this file brings: " + "; ".join(
            f"{r['force_month']}: {r['rows_held']:,} → {r['rows_new']:,}" for r in replacements))
    elif report["superseded_rows"]:
        st.caption(f"{report['superseded_rows']:,} records would replace an earlier version.")


def upload_section() -> None:
    """Draw the upload: file, source (or own mapping), check, then commit."""
    st.subheader("Upload an export")
    sources = list_sources()
    c1, c2 = st.columns([3, 2])
    file = c1.file_uploader(
        f"Export file ({', '.join(UPLOAD_TYPES)}, at most {MAX_UPLOAD_MB} MB)",
        type=list(UPLOAD_TYPES), key="upload_file", max_upload_size=MAX_UPLOAD_MB)
    source = c2.selectbox("Its source or mapping", list(sources), key="upload_source",
                          format_func=lambda s: f"{s}: {sources[s]}")
    with c2.expander("Or use your own mapping (YAML)"):
        own = st.file_uploader("Mapping file", type=["yaml", "yml"], key="upload_mapping",
                               max_upload_size=1)
    if file is None:
        st.session_state.pop("upload_report", None)
        return
    allow_shrink = source == "police-uk" and st.checkbox(
        "Replace months with fewer rows", key="upload_allow_shrink",
        help="A police.uk file normally replaces the months it holds only if it brings at least "
             "half the rows held for them: fewer usually means part of a month's file or a "
             "stray row. Tick this only when the smaller month is right.")
    upload = Upload(file.name, file.getvalue())
    mapping = Upload(own.name, own.getvalue()) if own is not None else None
    signature = _signature(upload, source, mapping, allow_shrink)
    held = st.session_state.get("upload_report")
    if held is not None and held["signature"] != signature:
        held = None
    if st.button("Check the file", key="upload_check", icon=":material/fact_check:"):
        try:
            with st.spinner("Checking the file (nothing is loaded yet)..."):
                reports = check_upload(upload, source, mapping, allow_shrink=allow_shrink)
        except ShrinkProblem as exc:
            st.error(exc.with_override("tick 'Replace months with fewer rows'"))
            return
        except (AsbError, UploadProblem) as exc:
            st.error(str(exc))
            return
        held = {"signature": signature, "report": reports[0].to_dict()}
        st.session_state["upload_report"] = held
    if held is None:
        st.caption("Check the file first: you will see what would load, be rejected and why, "
                   "and what is already held, before anything changes.")
        return
    report = held["report"]
    _show_report(report)
    if report["status"] != "loaded" or report["rows_loaded"] == 0:
        return
    if st.button("Commit to the warehouse", key="upload_commit", type="primary",
                 icon=":material/upload:"):
        status = st.status("Loading...", expanded=True)
        bar = status.progress(0.0)
        try:
            reports = commit_upload(upload, source, mapping, progress=_progress(status, bar),
                                    allow_shrink=allow_shrink)
        except AsbError as exc:
            status.update(label="Not loaded", state="error")
            st.error(f"{exc} The warehouse was not changed.")
            return
        done = reports[0]
        status.update(label="Loaded", state="complete", expanded=False)
        audit(current_viewer(), "upload", "Data loaded", done.file)
        st.session_state.pop("upload_report", None)
        st.success(f"{done.file}: {done.rows_loaded:,} rows loaded, {done.rows_rejected:,} "
                   f"rejected, {done.rows_duplicate:,} already held. The figures below include "
                   "it.")
