"""Location resolution: which incident reports are about the same place.

A housing report gives a UPRN, an address and a postcode but no coordinates; the police give
coordinates and an address with the town but no postcode; a council gives coordinates, a UPRN
sometimes, and an address without the town. :func:`resolve_locations` joins reports into one
location when they share a UPRN, or name the same premises (flat, house number and street, or
building, in the spelling of :func:`pipelines.analysis.addresses.parse_address`) with something
that corroborates it (the same town, the same postcode, or coordinates within ``metres``) and
nothing that contradicts it. Reports that name only a street ("Near Vincent Street,
Hartlepool") share a street location; reports with no address and only coordinates share the
point rounded to 10 m; police.uk rows keep their (anonymised) map point. A report whose address
names no place smaller than a town (:func:`pipelines.analysis.addresses.names_a_place`:
"Middlesbrough (no street given)", "Near Supermarket, Redcar", "Victim's home") is placed only
by its UPRN or its full postcode (a postcode location), never by its coordinates, which are
often the town's centre: the same judgement as the warehouse's ``location_key``. Each location
then takes the UPRN, address, postcode and coordinates its reports agree on, so a housing
report gains the coordinates the police recorded at the same door.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._common import require_columns
from .addresses import (
    Address,
    names_a_place,
    parse_address,
    postcode_in,
    standard_postcode,
    town_names,
)

__all__ = ["LocationResolution", "resolve_locations"]

_KIND_ORDER = {"uprn": 0, "address": 1, "street": 2, "postcode": 3, "point": 4}
_COLUMNS = ["incident_id", "template", "uprn", "address", "postcode", "easting", "northing",
            "location_key"]


@dataclass(frozen=True)
class LocationResolution:
    """The result of :func:`resolve_locations`.

    Attributes
    ----------
    locations
        One row per location: ``location_id``, ``kind`` (premises, street, postcode, point,
        map point),
        ``uprn``, ``address`` (normalised), ``postcode``, ``easting``, ``northing``,
        ``incidents`` and ``resolved_by`` (how its reports were joined).
    incidents
        One row per located incident report: ``incident_id``, ``location_id``, ``match``
        (uprn, address, street, postcode, point or map point: the key that placed it).
    """

    locations: pd.DataFrame
    incidents: pd.DataFrame


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _value(x: object) -> str | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    text = str(x).strip()
    return text or None


def _number(x: object) -> float | None:
    try:
        value = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _compatible(a: tuple, b: tuple, metres: float) -> bool:
    """Whether two reports naming the same premises are the same place.

    ``a`` and ``b`` are (town, postcode, easting, northing). Something must agree (town,
    postcode, or coordinates within ``metres``) and nothing may disagree; two reports with
    nothing beside the address text are taken to agree.
    """
    agree = disagree = 0
    for i in (0, 1):
        if a[i] is not None and b[i] is not None:
            agree, disagree = (agree + 1, disagree) if a[i] == b[i] else (agree, disagree + 1)
    if None not in (a[2], a[3], b[2], b[3]):
        near = math.hypot(a[2] - b[2], a[3] - b[3]) <= metres
        agree, disagree = (agree + 1, disagree) if near else (agree, disagree + 1)
    if disagree:
        return False
    return agree > 0 or all(v is None for v in (*a, *b))


def resolve_locations(incidents: pd.DataFrame, *, metres: float = 100.0) -> LocationResolution:
    """Resolve incident reports into locations (see the module docstring).

    Parameters
    ----------
    incidents
        One row per incident report: ``incident_id``, ``template`` (``police-uk`` rows keep
        their map point), ``uprn``, ``address``, ``postcode``, ``easting``, ``northing`` and
        ``location_key`` (used for police.uk map points); optionally ``names_a_place``
        (whether the address names a place smaller than a town, as the warehouse's
        int_address judges it; when the column is absent it is judged here, against the towns
        the addresses write after a street).
    metres
        Two reports naming the same premises with coordinates further apart than this are
        different places (the same house number and street name in two towns).

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "incident_id": ["police:1", "housing:7", "council:3", "police:2"],
    ...     "template": ["incidents"] * 4,
    ...     "uprn": [None, "900012", "900012", None],
    ...     "address": ["Flat 2, 14 High St, Redcar", "Flat 2, 14 High Street, Redcar",
    ...                 "Flat 2, 14 High Street", "14 High Street, Hartlepool"],
    ...     "postcode": [None, "TS10 1AA", "TS10 1AA", None],
    ...     "easting": [460100.0, None, 460102.0, 450000.0],
    ...     "northing": [525000.0, None, 525001.0, 533000.0],
    ...     "location_key": [None] * 4})
    >>> result = resolve_locations(frame)
    >>> result.incidents.sort_values("incident_id")[["incident_id", "location_id"]].values.tolist()
    [['council:3', 'uprn:900012'], ['housing:7', 'uprn:900012'], ['police:1', 'uprn:900012'], ['police:2', 'address:14 high street, hartlepool']]
    >>> loc = result.locations.set_index("location_id").loc["uprn:900012"]
    >>> loc.address, loc.postcode, float(loc.easting), int(loc.incidents)
    ('flat 2, 14 high street, redcar', 'TS10 1AA', 460101.0, 3)

    A report naming only a town is placed by its postcode, or not at all:

    >>> towns = pd.DataFrame({
    ...     "incident_id": ["council:8", "council:9"], "template": ["incidents"] * 2,
    ...     "uprn": [None, None], "address": ["Redcar (no street given)"] * 2,
    ...     "postcode": ["TS10 3AE", None], "easting": [460000.0] * 2,
    ...     "northing": [525000.0] * 2, "location_key": [None] * 2})
    >>> resolve_locations(towns).incidents.values.tolist()
    [['council:8', 'postcode:TS10 3AE', 'postcode']]
    """
    require_columns(incidents, _COLUMNS, "location resolution")
    columns = _COLUMNS + [c for c in ("names_a_place",) if c in incidents.columns]
    frame = incidents[columns].sort_values("incident_id", kind="stable").reset_index(drop=True)
    police_uk = frame["template"].eq("police-uk")
    map_points = _map_points(frame[police_uk])
    reports = frame[~police_uk].reset_index(drop=True)

    texts = [_value(a) for a in reports["address"]]
    if "names_a_place" in reports.columns:
        judged = [True if pd.isna(v) else bool(v) for v in reports["names_a_place"]]
    else:
        towns = town_names(texts)
        judged = [names_a_place(t, towns) for t in texts]
    parsed: dict[str, Address] = {}
    rows = []
    places: list[bool] = []  # does the report's address (when it has one) name a place?
    for rec, text, place in zip(reports.itertuples(index=False), texts, judged, strict=True):
        address = parsed.setdefault(text, parse_address(text)) if text else parse_address(None)
        rows.append((rec.incident_id, _value(rec.uprn), address,
                     standard_postcode(rec.postcode) or postcode_in(text),
                     _number(rec.easting), _number(rec.northing)))
        places.append(text is None or place)
    uf = _UnionFind(len(rows))
    keys: list[tuple[str, str] | None] = []
    by_key: dict[tuple[str, str], int] = {}
    premises: dict[tuple[str | None, str], list[int]] = {}
    for i, (_iid, uprn, address, postcode, east, north) in enumerate(rows):
        key: tuple[str, str] | None
        if uprn:
            key = ("uprn", uprn)
        elif not places[i]:
            key = ("postcode", postcode) if postcode else None
        elif address.is_premises:
            key = ("address", address.text or "")
        elif address.town and address.is_street:
            key = ("street", f"{address.street}, {address.town}")
        elif east is not None and north is not None:
            key = ("point", f"{round(east / 10) * 10:.0f},{round(north / 10) * 10:.0f}")
        elif postcode:
            key = ("postcode", postcode)
        else:
            key = None
        keys.append(key)
        if key is not None:
            if key in by_key:
                uf.union(by_key[key], i)
            else:
                by_key[key] = i
        if places[i] and address.is_premises and address.premises:
            premises.setdefault((address.flat, address.premises), []).append(i)
    for members in premises.values():
        _join_premises(uf, rows, members, metres)

    assigned, locations = _summarise(rows, keys, uf)
    # (an empty side is left out: pandas no longer lets it decide the columns' types)
    incidents_out = pd.concat([f for f in (assigned, map_points[0]) if len(f)] or [assigned],
                              ignore_index=True)
    locations_out = pd.concat([f for f in (locations, map_points[1]) if len(f)] or [locations],
                              ignore_index=True)
    return LocationResolution(
        locations=locations_out.sort_values("location_id").reset_index(drop=True),
        incidents=incidents_out.sort_values("incident_id").reset_index(drop=True),
    )


def _join_premises(uf: _UnionFind, rows: list, members: list[int], metres: float) -> None:
    """Join reports naming the same premises whose town, postcode and coordinates agree."""
    signatures: dict[tuple, int] = {}
    for i in members:
        _iid, _uprn, address, postcode, east, north = rows[i]
        sig = (address.town, postcode,
               None if east is None else round(east), None if north is None else round(north))
        if sig in signatures:
            uf.union(signatures[sig], i)
        else:
            signatures[sig] = i
    items = list(signatures.items())
    for x in range(len(items)):
        for y in range(x + 1, len(items)):
            if _compatible(items[x][0], items[y][0], metres):
                uf.union(items[x][1], items[y][1])


def _most_common(values: list) -> object:
    values = [v for v in values if v is not None]
    if not values:
        return None
    counts = Counter(values)
    return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[0][0]


def _summarise(rows: list, keys: list, uf: _UnionFind) -> tuple[pd.DataFrame, pd.DataFrame]:
    groups: dict[int, list[int]] = {}
    for i, key in enumerate(keys):
        if key is not None:
            groups.setdefault(uf.find(i), []).append(i)
    assigned, locations = [], []
    for members in groups.values():
        member_keys = sorted({keys[i] for i in members if keys[i] is not None},
                             key=lambda k: (_KIND_ORDER[k[0]], k[1]))
        kind, value = member_keys[0]
        location_id = f"{kind}:{value}"
        named = [rows[i][2] for i in members if rows[i][2].is_premises]
        # the spelling most reports use, with the town where any report gives it
        address = (_most_common([a.text for a in named if a.town])
                   or _most_common([a.text for a in named]))
        if address is None and kind == "street":
            address = value
        coords = [(rows[i][4], rows[i][5]) for i in members
                  if rows[i][4] is not None and rows[i][5] is not None]
        east = float(np.median([c[0] for c in coords])) if coords else None
        north = float(np.median([c[1] for c in coords])) if coords else None
        resolved = sorted({k[0] for k in member_keys})
        locations.append({
            "location_id": location_id,
            "kind": "premises" if kind in ("uprn", "address") else kind,
            "uprn": _most_common([rows[i][1] for i in members]),
            "address": address,
            "postcode": _most_common([rows[i][3] for i in members]),
            "easting": east,
            "northing": north,
            "incidents": len(members),
            "resolved_by": ", ".join(resolved),
        })
        for i in members:
            assigned.append({"incident_id": rows[i][0], "location_id": location_id,
                             "match": keys[i][0]})
    columns = ["location_id", "kind", "uprn", "address", "postcode", "easting", "northing",
               "incidents", "resolved_by"]
    return (pd.DataFrame(assigned, columns=["incident_id", "location_id", "match"]),
            pd.DataFrame(locations, columns=columns))


def _map_points(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """police.uk rows: one location per anonymised map point (their ``location_key``)."""
    held = frame[frame["location_key"].notna()]
    assigned = pd.DataFrame({"incident_id": held["incident_id"],
                             "location_id": held["location_key"], "match": "map point"})
    grouped = held.groupby("location_key", sort=True).agg(
        easting=("easting", "first"), northing=("northing", "first"),
        incidents=("incident_id", "size")).reset_index()
    locations = pd.DataFrame({
        "location_id": grouped["location_key"], "kind": "map point", "uprn": None,
        "address": None, "postcode": None, "easting": grouped["easting"].astype(float),
        "northing": grouped["northing"].astype(float), "incidents": grouped["incidents"],
        "resolved_by": "map point"})
    return assigned, locations
