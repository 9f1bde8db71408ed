"""Uploading an export from the Data page: check it (a dry run), then commit it.

Both steps run the real ingest (:func:`pipelines.ingest.ingest_file`) inside the app's one
write path (:func:`dashboard.data.write`): the check rolls its transaction back, the commit
rebuilds the warehouse and commits, so what the check reported is what the commit does (unless
the warehouse changed in between, which the commit then reports).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dashboard.data import write
from pipelines.config import load_config
from pipelines.errors import AsbError
from pipelines.ingest import IngestReport, ingest_file
from pipelines.sources import resolve_source
from pipelines.warehouse import build

__all__ = ["MAX_UPLOAD_MB", "UPLOAD_TYPES", "Upload", "UploadProblem", "check_upload",
           "commit_upload"]

#: The largest upload accepted, in MB (``ASB_UPLOAD_MAX_MB``; default 200).
MAX_UPLOAD_MB = int(os.environ.get("ASB_UPLOAD_MAX_MB", "200"))
#: File types the uploader accepts (what :mod:`pipelines.readers` reads).
UPLOAD_TYPES = ("csv", "xlsx", "parquet")
_MAGIC = {"xlsx": b"PK\x03\x04", "parquet": b"PAR1"}

Progress = Callable[[str], None]


class UploadProblem(AsbError):
    """An uploaded file is refused before it is read (type or size)."""


class _DryRun(Exception):  # noqa: N818 - a signal, not an error: roll the check back
    def __init__(self, reports: list[IngestReport]) -> None:
        self.reports = reports


@dataclass(frozen=True)
class Upload:
    """An uploaded file: its name as given and its bytes."""

    name: str
    data: bytes


def _safe_name(name: str) -> str:
    base = Path(name).name or "upload"
    return re.sub(r"[^A-Za-z0-9._ -]+", "_", base)[:120]


def _check_file(upload: Upload) -> str:
    name = _safe_name(upload.name)
    kind = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind not in UPLOAD_TYPES:
        raise UploadProblem(f"{name}: only {', '.join(UPLOAD_TYPES)} files can be uploaded")
    if len(upload.data) > MAX_UPLOAD_MB * 1024 * 1024:
        raise UploadProblem(f"{name}: larger than the {MAX_UPLOAD_MB} MB upload limit; load it "
                            "with `asb ingest` instead")
    if not upload.data:
        raise UploadProblem(f"{name}: the file is empty")
    magic = _MAGIC.get(kind)
    if magic and not upload.data.startswith(magic):
        raise UploadProblem(f"{name}: this is not really a .{kind} file")
    return name


def _run(upload: Upload, source_name: str, mapping: Upload | None, progress: Progress | None,
         commit: bool, allow_shrink: bool = False) -> list[IngestReport]:
    name = _check_file(upload)
    config = load_config()
    with tempfile.TemporaryDirectory(prefix="asb-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(upload.data)
        mapping_path = None
        if mapping is not None:
            if len(mapping.data) > 1024 * 1024:
                raise UploadProblem(f"{mapping.name}: a mapping file is at most 1 MB")
            mapping_path = Path(tmp) / "mapping.yaml"
            mapping_path.write_bytes(mapping.data)
        source = resolve_source(source_name, mapping_path)

        def work(cur):  # type: ignore[no-untyped-def]
            reports = [ingest_file(cur, source, path, config=config, display=name,
                                   progress=progress, allow_shrink=allow_shrink)]
            if not commit:
                raise _DryRun(reports)
            build(cur, config=config, progress=progress)
            return reports

        try:
            return write(work)
        except _DryRun as done:
            return done.reports


def check_upload(upload: Upload, source_name: str, mapping: Upload | None = None,
                 progress: Progress | None = None, *, allow_shrink: bool = False
                 ) -> list[IngestReport]:
    """Validate an upload exactly as loading it would, and change nothing.

    ``allow_shrink`` lets a police.uk file replace force-months with under half the rows held
    (as ``asb ingest --allow-shrink``).
    """
    return _run(upload, source_name, mapping, progress, commit=False, allow_shrink=allow_shrink)


def commit_upload(upload: Upload, source_name: str, mapping: Upload | None = None,
                  progress: Progress | None = None, *, allow_shrink: bool = False
                  ) -> list[IngestReport]:
    """Load an upload into the warehouse and rebuild it (one transaction)."""
    return _run(upload, source_name, mapping, progress, commit=True, allow_shrink=allow_shrink)
