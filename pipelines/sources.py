"""What each source looks like: the police.uk format, the five templates, and YAML mappings.

A *template* is a layout the warehouse understands (``incidents``, ``people``, ``actions``,
``cases``, ``risk-assessments``); ``police-uk`` is the public street-level CSV. A *mapping*
(``pipelines/sources/*.yaml`` or ``--mapping FILE.yaml``) says how another export's columns,
dates and codes translate into a template. Every source used in an ingest resolves to a
:class:`Source`: the template plus the mapping (an identity mapping for a bare template).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigProblem

__all__ = [
    "Column",
    "Template",
    "Source",
    "TEMPLATES",
    "DEFAULT_DATE_FORMATS",
    "TIME_PRECISIONS",
    "SOURCES_DIR",
    "has_time",
    "normalise_header",
    "resolve_source",
    "list_sources",
    "load_mapping",
]

SOURCES_DIR = Path(__file__).with_name("sources")

#: Date forms read when a mapping does not say otherwise (ISO 8601 and UK day-first).
DEFAULT_DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
)


#: What a mapping may declare about the times in an export (``dates.time_precision``):
#: ``auto`` (the default) reads a value written without a time, or at exactly 00:00 with no
#: end time, as a date; ``date`` says the export's times are not real (every incident is
#: date-only); ``datetime`` says its times are real, 00:00 included.
TIME_PRECISIONS: tuple[str, ...] = ("auto", "date", "datetime")

#: strptime codes that read a time of day (or a zone): a format with none of them is date-only.
_TIME_CODES = re.compile(r"%[-]?[HIMSfgnpzZXcTR]")


def has_time(fmt: str) -> bool:
    """Whether a strptime format reads a time of day.

    Examples
    --------
    >>> has_time("%d/%m/%Y %H:%M"), has_time("%d/%m/%Y"), has_time("%Y-%m-%d%%H")
    (True, False, False)
    """
    return bool(_TIME_CODES.search(fmt.replace("%%", "")))


@dataclass(frozen=True)
class Column:
    """One column of a template.

    ``kind`` is one of ``text``, ``datetime``, ``date``, ``float``, ``int``, ``bool``,
    ``category``, ``role``, ``action``, ``band``.
    """

    name: str
    kind: str = "text"
    required: bool = False
    blank_ok: bool = False  # the column must exist, but a value may be blank


@dataclass(frozen=True)
class Template:
    """A layout the warehouse accepts, and the staging table it lands in."""

    name: str
    columns: tuple[Column, ...]
    table: str
    key: tuple[str, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()
    description: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _cols(spec: str) -> tuple[Column, ...]:
    """Parse ``"name:kind!, ..."`` into columns.

    ``!`` marks a required column and value; ``!?`` a required column whose value may be blank.
    """
    out = []
    for item in spec.split(","):
        item = item.strip()
        blank_ok = item.endswith("!?")
        item = item.rstrip("?")
        required = item.endswith("!")
        item = item.rstrip("!")
        name, _, kind = item.partition(":")
        out.append(Column(name, kind or "text", required, blank_ok))
    return tuple(out)


TEMPLATES: dict[str, Template] = {
    "police-uk": Template(
        "police-uk",
        _cols(
            "crime_id, month:month!, reported_by, falls_within!, longitude:float!?,"
            " latitude:float!?, location!?, lsoa_code!?, lsoa_name, crime_type!,"
            " last_outcome_category, context"
        ),
        table="stg_police_uk",
        description="data.police.uk street-level CSV, exactly as downloaded",
    ),
    "incidents": Template(
        "incidents",
        _cols(
            "source_ref!, agency!, reported_at:datetime!, occurred_at:datetime,"
            " occurred_to:datetime, category:category, subtype, latitude:float, longitude:float,"
            " easting:float, northing:float, address, postcode, uprn, case_ref,"
            " hate_related:bool, description"
        ),
        table="stg_incidents",
        key=("agency", "source_ref"),
        description="one row per reported incident",
    ),
    "people": Template(
        "people",
        _cols(
            "source_ref!, agency!, role:role!, person_ref, first_name, last_name,"
            " date_of_birth:date, address, postcode, uprn, vulnerable:bool, sex, ethnicity,"
            " disability"
        ),
        table="stg_people",
        description="one row per person per incident",
    ),
    "actions": Template(
        "actions",
        _cols(
            "source_ref, case_ref, agency!, action:action!, action_date:date!, person_ref, outcome"
        ),
        table="stg_actions",
        one_of=(("source_ref", "case_ref"),),
        description="one row per action on a case, incident or person",
    ),
    "cases": Template(
        "cases",
        _cols(
            "case_ref!, agency!, opened_at:date!, closed_at:date, closure_reason,"
            " satisfaction:int, first_contact_at:date, risk_score:float, risk_band:band"
        ),
        table="stg_cases",
        key=("agency", "case_ref"),
        description="one row per case",
    ),
    "risk-assessments": Template(
        "risk-assessments",
        _cols(
            "assessment_ref!, agency!, assessed_at:date!, case_ref, source_ref, person_ref,"
            " score:float, band:band, override_band:band, override_reason, review_due:date"
        ),
        table="stg_risk_assessments",
        key=("agency", "assessment_ref"),
        one_of=(("case_ref", "source_ref"),),
        description="one row per Risk Assessment Matrix assessment (answers in q_* columns)",
    ),
}

#: police.uk's published header for each template column.
POLICE_UK_HEADERS = {
    "crime_id": "Crime ID",
    "month": "Month",
    "reported_by": "Reported by",
    "falls_within": "Falls within",
    "longitude": "Longitude",
    "latitude": "Latitude",
    "location": "Location",
    "lsoa_code": "LSOA code",
    "lsoa_name": "LSOA name",
    "crime_type": "Crime type",
    "last_outcome_category": "Last outcome category",
    "context": "Context",
}


def normalise_header(name: str) -> str:
    """Normalise a column header for matching: case, spaces, BOM and underscores ignored.

    Examples
    --------
    >>> normalise_header("\\ufeff  Date  Reported ")
    'date reported'
    >>> normalise_header("reported_at") == normalise_header("Reported At")
    True
    """
    name = name.replace("\ufeff", "").replace("_", " ").strip().lower()
    return re.sub(r"\s+", " ", name)


@dataclass(frozen=True)
class Source:
    """A template plus the mapping that brings one export format onto it."""

    name: str
    template: Template
    description: str = ""
    agency: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    time_precision: str = "auto"
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    path: str | None = None

    def export_column(self, template_column: str) -> str:
        """The export's header for a template column (its own name when not mapped)."""
        if template_column in self.columns:
            return self.columns[template_column]
        if self.template.name == "police-uk":
            return POLICE_UK_HEADERS[template_column]
        return template_column

    @property
    def date_only_formats(self) -> tuple[str, ...]:
        """The mapping's date formats that read no time: a value they read was written as a
        date only (``12/03/2022``), so its time is unknown."""
        return tuple(f for f in self.date_formats if not has_time(f))

    def find_columns(self, headers: list[str]) -> dict[str, int]:
        """Position in ``headers`` of each template column the file holds (header matching
        ignores case, spaces, underscores and a byte-order mark; a mapped column may also be
        found under the template's own name).

        Examples
        --------
        >>> src = Source("x", TEMPLATES["incidents"], columns={"occurred_at": "Incident Date"})
        >>> src.find_columns(["Ref", "incident_date", "Reported At"])
        {'reported_at': 2, 'occurred_at': 1}
        """
        by_norm: dict[str, int] = {}
        for i, header in enumerate(headers):
            by_norm.setdefault(normalise_header(header), i)
        found: dict[str, int] = {}
        for name in self.template.column_names:
            header = self.export_column(name)
            pos = by_norm.get(normalise_header(header))
            if pos is None and header != name:
                pos = by_norm.get(normalise_header(name))
            if pos is not None:
                found[name] = pos
        return found

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        """The source :meth:`to_dict` recorded (as ingest stores it in ``raw_file.mapping``).

        Examples
        --------
        >>> src = Source("x", TEMPLATES["incidents"], columns={"occurred_at": "When"},
        ...              date_formats=("%d/%m/%Y",), time_precision="date")
        >>> Source.from_dict(src.to_dict()) == src
        True
        """
        template = TEMPLATES[str(data.get("template") or "incidents")]
        return cls(
            name=str(data.get("name") or template.name),
            template=template,
            agency=data.get("agency"),
            columns={str(k): str(v) for k, v in (data.get("columns") or {}).items()},
            date_formats=tuple(data.get("date_formats") or DEFAULT_DATE_FORMATS),
            time_precision=str(data.get("time_precision") or "auto"),
            values={str(k): dict(v) for k, v in (data.get("values") or {}).items()},
            path=data.get("path"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "template": self.template.name,
            "agency": self.agency,
            "columns": self.columns,
            "date_formats": list(self.date_formats),
            "time_precision": self.time_precision,
            "values": self.values,
            "path": self.path,
        }


_ALLOWED_READ = {"delimiter", "encoding", "sheet"}
_ALLOWED_KEYS = {"name", "template", "description", "agency", "read", "columns", "dates", "values"}
_ENCODINGS = {"utf-8", "utf8", "utf-8-sig", "cp1252", "windows-1252", "latin-1", "iso-8859-1"}


def _format_problem(fmt: str) -> str | None:
    """What DuckDB finds wrong with a date format, or None when it can read dates with it.

    Checked when the mapping is read, so a bad code is one line about the mapping rather than
    a failure halfway through an ingest.

    Examples
    --------
    >>> _format_problem("%d/%m/%Y %H:%M") is None
    True
    >>> _format_problem("%Q/%m")
    'unrecognized format for strftime/strptime: %Q'
    """
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SELECT try_strptime('', ?)", [fmt])
    except duckdb.Error as exc:
        detail = str(exc).splitlines()[0]
        detail = detail.split(f"{fmt}: ", 1)[-1] if f"{fmt}: " in detail else detail
        return detail[:1].lower() + detail[1:]
    finally:
        con.close()
    return None


def load_mapping(path: str | Path) -> Source:
    """Read a YAML mapping file and check it against its template.

    Raises
    ------
    ConfigProblem
        With a one-line message naming the file and what is wrong.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigProblem(f"{path}: mapping file not found") from None
    except (yaml.YAMLError, UnicodeDecodeError):
        raise ConfigProblem(f"{path}: not a valid YAML mapping file") from None
    if not isinstance(data, dict):
        raise ConfigProblem(f"{path}: a mapping must be a YAML mapping with a 'template' key")
    unknown = sorted(set(data) - _ALLOWED_KEYS)
    if unknown:
        raise ConfigProblem(
            f"{path}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_ALLOWED_KEYS))}"
        )
    template_name = data.get("template")
    if template_name not in TEMPLATES:
        raise ConfigProblem(
            f"{path}: 'template' must be one of {', '.join(TEMPLATES)} (found {template_name!r})"
        )
    template = TEMPLATES[template_name]
    columns = data.get("columns") or {}
    if not isinstance(columns, dict):
        raise ConfigProblem(f"{path}: 'columns' must map template columns to export columns")
    bad = sorted(k for k in columns if k not in template.column_names and not k.startswith("q_"))
    if bad:
        raise ConfigProblem(
            f"{path}: {', '.join(bad)} not a column of the {template_name} template "
            f"(its columns: {', '.join(template.column_names)})"
        )
    read = data.get("read") or {}
    if not isinstance(read, dict) or set(read) - _ALLOWED_READ:
        raise ConfigProblem(f"{path}: 'read' may only set {', '.join(sorted(_ALLOWED_READ))}")
    delimiter = read.get("delimiter")
    if delimiter is not None and delimiter not in {",", ";", "\t", "|"}:
        raise ConfigProblem(f"{path}: read.delimiter must be ',', ';', tab or '|'")
    encoding = read.get("encoding")
    if encoding is not None and str(encoding).lower() not in _ENCODINGS:
        raise ConfigProblem(f"{path}: read.encoding must be utf-8 or cp1252 (Windows-1252)")
    dates = data.get("dates") or {}
    formats = dates.get("formats") if isinstance(dates, dict) else None
    if formats is not None:
        if isinstance(formats, str):
            formats = [formats]
        if not isinstance(formats, list) or not all(isinstance(f, str) and "%" in f
                                                    for f in formats):
            raise ConfigProblem(f"{path}: dates.formats must be strftime patterns such as %d/%m/%Y")
        for fmt in formats:
            problem = _format_problem(fmt)
            if problem:
                raise ConfigProblem(
                    f"{path}: dates.formats {fmt!r} is not a valid date format ({problem}); "
                    "use strftime codes such as %d/%m/%Y %H:%M")
    precision = dates.get("time_precision", "auto") if isinstance(dates, dict) else "auto"
    if precision not in TIME_PRECISIONS:
        raise ConfigProblem(
            f"{path}: dates.time_precision must be one of {', '.join(TIME_PRECISIONS)} "
            f"(found {precision!r})")
    unknown_dates = sorted(set(dates) - {"formats", "time_precision"}) if isinstance(
        dates, dict) else []
    if unknown_dates:
        raise ConfigProblem(
            f"{path}: unknown key(s) under dates: {', '.join(map(str, unknown_dates))}; "
            "allowed: formats, time_precision")
    values = data.get("values") or {}
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise ConfigProblem(f"{path}: 'values' must map a column to {{export value: value}}")
    name = str(data.get("name") or path.stem)
    _check_name_is_free(path, name, named=bool(data.get("name")))
    return Source(
        name=name,
        template=template,
        description=str(data.get("description") or ""),
        agency=data.get("agency"),
        columns={str(k): str(v) for k, v in columns.items()},
        date_formats=tuple(formats) if formats else DEFAULT_DATE_FORMATS,
        time_precision=str(precision),
        values={
            str(col): {str(k): str(v) for k, v in mapping.items()} for col, mapping in values.items()
        },
        delimiter=delimiter,
        encoding=encoding,
        sheet=read.get("sheet"),
        path=str(path),
    )


def _check_name_is_free(path: Path, name: str, *, named: bool) -> None:
    """Refuse a mapping that takes the name of police.uk, a template or a shipped mapping.

    Rows are kept per source name (police.uk force-months, duplicates, the latest version of a
    record), so a borrowed name would mix the mapping's rows into that source's. The shipped
    mapping file itself keeps its own name, however it is passed.
    """
    shipped = SOURCES_DIR / f"{name}.yaml"
    is_shipped = bool(re.fullmatch(r"[A-Za-z0-9_.-]+", name)) and shipped.is_file()
    if name not in TEMPLATES and not is_shipped:
        return
    if is_shipped and path.resolve() == shipped.resolve():
        return
    kind = ("the police.uk source" if name == "police-uk"
            else "a template" if name in TEMPLATES else "a shipped mapping")
    if named:
        raise ConfigProblem(
            f"{path}: the name {name!r} is taken by {kind}; rename the mapping (its 'name:' "
            f"line) so its rows are not mixed with the rows of {name!r}")
    raise ConfigProblem(
        f"{path}: the mapping has no 'name:' line, and its file name {name!r} is taken by "
        f"{kind}; give it a name of its own (add a 'name:' line, or rename the file) so its "
        f"rows are not mixed with the rows of {name!r}")


def list_sources() -> dict[str, str]:
    """Every source name usable with ``--source``, with a one-line description."""
    out = {name: t.description for name, t in TEMPLATES.items()}
    for path in sorted(SOURCES_DIR.glob("*.yaml")):
        try:
            out[path.stem] = load_mapping(path).description or path.stem
        except ConfigProblem:
            continue
    return out


def resolve_source(source: str | None, mapping: str | Path | None = None) -> Source:
    """Find the source to ingest with.

    ``source`` is a template name (``police-uk``, ``incidents``, ...) or the name of a shipped
    mapping in ``pipelines/sources/``. With ``mapping``, the YAML file is used: its own name and
    template decide, so ``source`` may be left empty; when given, it must be the template the
    mapping maps onto or the mapping's own name.
    """
    if mapping is not None:
        found = load_mapping(mapping)
        if source and source not in (found.template.name, found.name):
            raise ConfigProblem(
                f"{mapping}: maps onto the {found.template.name} template, but --source is "
                f"{source!r}; use --source {found.template.name}"
            )
        return found
    if not source:
        raise ConfigProblem(
            "no source given: name one with --source (one of "
            f"{', '.join(list_sources())}), or give a mapping with --mapping FILE.yaml")
    if source in TEMPLATES:
        return Source(name=source, template=TEMPLATES[source], description=TEMPLATES[source].description)
    shipped = SOURCES_DIR / f"{source}.yaml"
    if re.fullmatch(r"[A-Za-z0-9_.-]+", source) and shipped.is_file():
        return load_mapping(shipped)
    raise ConfigProblem(
        f"unknown source {source!r}; use one of: {', '.join(list_sources())} "
        "(or --mapping FILE.yaml for another layout)"
    )
