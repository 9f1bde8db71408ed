"""Addresses and postcodes as compared: one spelling for every way agencies write a place.

Police systems write "131 Hardwick Dr, Billingham", housing "Flat 1, 9 Brambles Street,
Middlesbrough", councils "82 Harebell St" with the town left off. :func:`parse_address` splits
an address into flat, house number, street (with "St", "Rd", "Cres"... written out in full) and
town, so that record linkage and location resolution compare like with like. The rules are
deliberately plain: the parts of a UK address as written, not a gazetteer (a partnership with
AddressBase can match on UPRN instead, which both steps prefer when it is given).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass

__all__ = ["Address", "parse_address", "standard_postcode", "THOROUGHFARES", "GENERIC_WORDS",
           "CATEGORY_PHRASES", "TOWN_FACILITIES", "AREA_QUALIFIERS", "plain_place",
           "postcode_in", "area_names", "town_names", "names_a_place"]

#: Thoroughfare and building words: abbreviation (as written) -> the word in full.
THOROUGHFARES: dict[str, str] = {
    "st": "street", "str": "street", "rd": "road", "ave": "avenue", "av": "avenue",
    "avn": "avenue", "dr": "drive", "drv": "drive", "cl": "close", "cls": "close",
    "cres": "crescent", "cresc": "crescent", "cr": "crescent", "gr": "grove", "gro": "grove",
    "grv": "grove", "terr": "terrace", "ter": "terrace", "tce": "terrace", "gdns": "gardens",
    "gdn": "gardens", "ln": "lane", "la": "lane", "pl": "place", "wy": "way", "wlk": "walk",
    "wk": "walk", "ct": "court", "crt": "court", "ho": "house", "hse": "house", "sq": "square",
    "pk": "park", "pde": "parade", "hts": "heights", "mws": "mews", "vw": "view", "grn": "green",
    "est": "estate", "cotts": "cottages", "bldgs": "buildings", "blvd": "boulevard",
    "appr": "approach", "rw": "row", "ri": "rise", "mdw": "meadow", "mdws": "meadows",
}
_WORDS = frozenset(THOROUGHFARES.values()) | {
    "hill", "gate", "vale", "bank", "wynd", "chare", "croft", "fields", "field", "lea", "end",
    "path", "circus", "yard", "wharf", "quay", "close", "rise", "row", "precinct", "centre",
    "flats", "lodge", "hall", "mount", "side", "brow", "dale", "garth", "ings", "chase",
}
#: Words that, on their own, name a kind of place and not one place. A part of an address made
#: only of these ("Car Park", "Rear of shops") is not a location, unless a town or area names
#: it ("Hardwick Shops", "Victoria Park": see :func:`names_a_place`).
GENERIC_WORDS = frozenset({
    "a", "and", "the", "of", "off", "near", "rear", "back", "side", "behind", "outside",
    "inside", "opposite", "junction", "supermarket", "parking", "car", "area", "petrol",
    "station", "nightclub", "hospital", "police", "shopping", "sports", "recreation", "park",
    "open", "space", "bus", "coach", "stop", "further", "higher", "educational", "building",
    "theatre", "concert", "hall", "conference", "exhibition", "centre", "center", "pedestrian",
    "subway", "prison", "airport", "airfield", "theme", "adventure", "cinema", "hotel", "motel",
    "town", "city", "train", "railway", "shop", "shops", "store", "school", "church", "pub",
    "public", "house", "retail", "industrial", "estate", "playing", "field", "fields", "alley",
    "alleyway", "footpath", "waste", "ground", "land", "garage", "takeaway", "flats", "entrance",
    "grass", "verge", "vicinity", "approx", "approximately", "general", "location", "locations",
})
#: police.uk's fixed snap-point category phrases ("On or near Supermarket"), in
#: :func:`plain_place` spelling: each names a kind of place (thousands of supermarkets), never
#: one place, whatever town is written with it. They are compared as whole phrases: the
#: Cleveland 2022 files use the first fourteen; police.uk names the others among its points of
#: interest.
CATEGORY_PHRASES = frozenset({
    "supermarket", "parking area", "sports recreation area", "shopping area", "petrol station",
    "nightclub", "hospital", "pedestrian subway", "police station", "park open space",
    "bus coach station", "further higher educational building", "theatre concert hall",
    "prison", "conference exhibition centre", "airport airfield", "theme adventure park",
    "ferry terminal", "motorway service station",
})
#: Facilities a town has one of: written with a town ("Bus Station, Middlesbrough",
#: "Middlesbrough Bus Station", "Town Hall, Hartlepool") they are one place; with no town
#: ("Bus Station") they are not. Police stations, hospitals, supermarkets and the like are not
#: here: a town has several, and they are police.uk categories (:data:`CATEGORY_PHRASES`).
TOWN_FACILITIES = frozenset({
    "bus station", "railway station", "train station", "rail station", "station",
    "interchange", "town hall", "civic centre", "magistrates court", "crown court",
    "market place", "market square", "war memorial", "cenotaph",
})
#: Words after (or before) a town or area name that leave an area, not a place: "Middlesbrough
#: Town Centre", "Central Middlesbrough", "Stockton-on-Tees Borough", "Hemlington Estate".
AREA_QUALIFIERS = frozenset({
    "town centre", "city centre", "centre", "center", "central", "borough", "district",
    "area", "areas", "ward", "town", "city", "village", "estate", "north", "south", "east",
    "west", "north east", "north west", "south east", "south west", "upper", "lower", "greater",
    "council", "borough council", "locality", "wide",
})
#: Text that says no place was given: "(no street given)", "no street", "location unknown".
_NO_STREET = re.compile(r"\b(?:no|unknown|not given|nk)\s*(?:street|road|location|address)"
                        r"|\b(?:street|location|address)\s*(?:unknown|not (?:known|given))\b")
_PLACEHOLDER = re.compile(r"\b(?:unknown|not known|not given|n ?k|n ?a|tbc|tba|various|none)\b")
#: A whole part of an address that stands for no place: someone's home not written down,
#: remote contact, many places, a withheld address, no fixed abode, a pointer elsewhere.
_NOT_A_PLACE = re.compile(
    r"(?:(?:the|his|her|their|own|private|family|victims?|complainants?|callers?|informants?"
    r"|reporters?|suspects?|perpetrators?|offenders?|subjects?|tenants?|residents?"
    r"|neighbours?|persons?|ip|vp|ap|ips|vps|home)\s+)*"
    r"(?:home|house|address|addresses|residence|property|dwelling|premises|home address)"
    r"|(?:(?:via|by|on|over|over the)\s+)?(?:online|on line|internet|telephone|phone|mobile"
    r"|mobile phone|text|texts|text messages?|social media|facebook|whatsapp|snapchat"
    r"|instagram|tiktok|twitter|email|e mail|letters?|post|cyber)"
    r"|(?:various|multiple|several|numerous)(?:\s+\w+)*"
    r"|(?:throughout|across|all over|around)\s+(?:the\s+)?(?:town|area|estate|borough|district"
    r"|ward|region|city|county|force area)(?:\s+\w+)*"
    r"|(?:town|area|borough|force|district|partnership|county)\s+wide|all areas|elsewhere"
    r"|(?:address\s+)?(?:withheld|redacted|confidential|not disclosed|refused|protected"
    r"|anonymous|anonymised)(?:\s+address)?"
    r"|(?:of\s+)?no fixed (?:abode|address)|nfa|homeless"
    r"|see\s+(?:notes?|above|below|log|description|details|narrative|report|attached|text"
    r"|comments?|occurrence)|(?:same\s+)?as\s+(?:above|before|previous)"
    r"|same(?:\s+as\s+(?:above|before|previous|last))?|same address|ditto"
    r"|not recorded|not stated|not applicable|null|nil|blank|other|out of (?:force )?area")
_PREFIX = re.compile(r"^(?:on or near|near to|near|nr|o s|outside of|outside|inside|opposite"
                     r"|opp|adjacent to|adj to|adj|next to|close to|behind|rear of|back of"
                     r"|front of|top of|bottom of|end of|corner of|junction of|j w"
                     r"|back (?:lane|alley) (?:off|behind)|in|at|by)\b\s*")
#: A part that is only a flat, unit or house number ("Flat 3", "12", "12-14", "No 12").
_ONLY_NUMBER = re.compile(r"(?:(?:flat|apartment|apt|unit|room|maisonette|fl|no|number|house)"
                          r"\s*)?[0-9]+[a-z]?(?:\s*[-/]\s*[0-9]+[a-z]?)?")
#: A road number ("A19", "A1130", "B1380", "M1", "A1(M)"): many miles long, not a place.
_ROAD_NUMBER = re.compile(r"[abm][0-9]{1,4}(?:\s?m)?")
_ROAD_WORDS = frozenset({"northbound", "southbound", "eastbound", "westbound", "slip", "road",
                         "roundabout", "carriageway", "dual", "bypass", "trunk", "layby"})
_FULL_POSTCODE = re.compile(r"\b([a-z]{1,2}[0-9][a-z0-9]?)\s*([0-9][a-z]{2})\b")
_DISTRICT = re.compile(r"^[a-z]{1,2}[0-9][a-z0-9]?$")
_FLAT = re.compile(
    r"^(?:flat|apartment|apt|unit|room|maisonette|fl)\s*(?:no\s*)?([0-9]+[a-z]?|[a-z])\b\s*(.*)$")
_NUMBERED = re.compile(r"^([0-9]+[a-z]?)(?:\s*-\s*[0-9]+[a-z]?)?\s+(.+)$")
_NUMBER_ONLY = re.compile(r"^[0-9]+[a-z]?$")
_POSTCODE = re.compile(r"^([a-z]{1,2}[0-9][a-z0-9]?)\s*([0-9][a-z]{2})$")
_SLASH_FLAT = re.compile(r"^([0-9]+[a-z]?)\s*/\s*([0-9]+[a-z]?)\s+(.+)$")


@dataclass(frozen=True)
class Address:
    """An address in parts, each in its compared spelling (``None`` where not given)."""

    flat: str | None
    number: str | None
    street: str | None
    town: str | None
    near: bool = False  # "Near ..." (a street-level place, not a premises)

    @property
    def premises(self) -> str | None:
        """House number and street (or the building name): one front door, flat aside."""
        if self.street is None:
            return None
        return f"{self.number} {self.street}" if self.number else self.street

    @property
    def is_premises(self) -> bool:
        """Whether this names one property (a number, a flat or a building), not a street."""
        return self.street is not None and not self.near and (
            self.number is not None or self.flat is not None or _last_word(self.street) in
            {"court", "house", "flats", "lodge", "hall", "buildings", "cottages"})

    @property
    def is_street(self) -> bool:
        """Whether the street part names a thoroughfare ("vincent street", not "car park")."""
        return self.street is not None and _is_thoroughfare(self.street)

    @property
    def text(self) -> str | None:
        """The normalised address, e.g. ``flat 1, 9 brambles street, middlesbrough``."""
        parts = [f"flat {self.flat}" if self.flat else None, self.premises, self.town]
        joined = ", ".join(p for p in parts if p)
        return joined or None


def _last_word(text: str) -> str:
    return text.rsplit(" ", 1)[-1]


def _clean(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    plain = re.sub(r"['’`]", "", plain)
    return re.sub(r"[^a-z0-9/-]+", " ", plain).strip()


def _street(text: str) -> str:
    words = text.replace("-", " ").split()
    if len(words) > 1 and words[0] in ("st", "saint"):
        words[0] = "saint"
    if words:
        words[-1] = THOROUGHFARES.get(words[-1], words[-1])
    return " ".join(words)


def _is_thoroughfare(text: str) -> bool:
    last = _last_word(text.replace("-", " "))
    return last in THOROUGHFARES or last in _WORDS


def parse_address(address: object) -> Address:
    """Split an address as written into flat, number, street and town.

    Examples
    --------
    >>> a = parse_address("Flat 1, 9 Brambles St, Middlesbrough")
    >>> a.flat, a.number, a.street, a.town, a.premises
    ('1', '9', 'brambles street', 'middlesbrough', '9 brambles street')
    >>> parse_address("9 Brambles Street").premises == a.premises
    True
    >>> parse_address("Flat 30, Bramble Court, Middlesbrough").premises
    'bramble court'
    >>> parse_address("Bramble Ct").premises, parse_address("Bramble Ct").is_premises
    ('bramble court', True)
    >>> b = parse_address("Near St Brides Court, Billingham")
    >>> b.street, b.near, b.is_premises
    ('saint brides court', True, False)
    >>> parse_address("Saint Patrick'S Road, Redcar").street
    'saint patricks road'
    >>> parse_address("2/14 High St, Stockton-on-Tees TS18 1AA").text
    'flat 2, 14 high street, stockton on tees'
    >>> parse_address(None).premises is None
    True
    """
    if not isinstance(address, str) or not address.strip():
        return Address(None, None, None, None)
    flat = number = street = town = None
    near = False
    for raw in address.split(","):
        part = _clean(raw)
        if not part:
            continue
        if part.startswith("near "):
            near, part = True, part[5:].strip()
        # a postcode written into the address: keep the rest of the part
        tail = re.search(r"\s([a-z]{1,2}[0-9][a-z0-9]?\s*[0-9][a-z]{2})$", part)
        if tail and street is not None:
            part = part[: tail.start()].strip()
        elif _POSTCODE.match(part):
            continue
        match = _FLAT.match(part)
        if match and flat is None:
            flat, part = match.group(1), match.group(2).strip()
            if not part:
                continue
        match = _SLASH_FLAT.match(part)
        if match and street is None:
            flat = flat or match.group(1)
            number, street = match.group(2), _street(match.group(3))
            continue
        match = _NUMBERED.match(part)
        if match and (street is None or number is None):
            number, street = match.group(1), _street(match.group(2))
            continue
        if _NUMBER_ONLY.match(part) and number is None and street is None:
            number = part
            continue
        if street is None:
            street = _street(part)
        elif _is_thoroughfare(part) and town is None and number is None:
            # "Flat 3, Bramble Court, Acklam Road": the building, then its street
            street = f"{street} {_street(part)}"
        else:
            town = part.replace("-", " ")
    return Address(flat, number, street, town, near)


def standard_postcode(postcode: object) -> str | None:
    """A full postcode in upper case with one space, or ``None`` when it is not one.

    Examples
    --------
    >>> standard_postcode(" ts24  4rp"), standard_postcode("TS244RP"), standard_postcode("TS24")
    ('TS24 4RP', 'TS24 4RP', None)
    """
    if not isinstance(postcode, str):
        return None
    match = _POSTCODE.match(re.sub(r"\s+", " ", postcode.strip().lower()))
    if not match:
        return None
    return f"{match.group(1)} {match.group(2)}".upper()


def plain_place(text: object) -> str:
    """A town, area or address part in the spelling compared: lower case, letters and digits,
    "&" written "and".

    Examples
    --------
    >>> plain_place(" Stockton-on-Tees "), plain_place("St. Patrick's Road")
    ('stockton on tees', 'st patricks road')
    >>> plain_place("Redcar & Cleveland")
    'redcar and cleveland'
    """
    if not isinstance(text, str):
        return ""
    text = text.replace("&", " and ")
    return re.sub(r"\s+", " ", _clean(text).replace("-", " ").replace("/", " ")).strip()


def postcode_in(address: object) -> str | None:
    """The full postcode written in an address (:func:`standard_postcode` spelling), if any.

    Examples
    --------
    >>> postcode_in("Middlesbrough, TS1 2AB"), postcode_in("2/14 High St, Stockton TS181AA")
    ('TS1 2AB', 'TS18 1AA')
    >>> postcode_in("Middlesbrough TS1"), postcode_in(None)
    (None, None)
    """
    if not isinstance(address, str):
        return None
    found = None
    for match in _FULL_POSTCODE.finditer(address.lower()):
        found = standard_postcode(match.group(0))
    return found


def area_names(names: Iterable[object]) -> set[str]:
    """The town and area names that official area names (wards, CSP areas) give, in
    :func:`plain_place` spelling: each name, and each name without a trailing compass word,
    "Central" or "Town Centre", and each side of an "and".

    Examples
    --------
    >>> sorted(area_names(["Billingham Central", "Stockton Town Centre", "Redcar & Cleveland",
    ...                    "Stockton-on-Tees", "Ingleby Barwick East", None]))
    ... # doctest: +NORMALIZE_WHITESPACE
    ['billingham', 'billingham central', 'cleveland', 'ingleby barwick', 'ingleby barwick east',
     'redcar', 'redcar and cleveland', 'stockton', 'stockton on tees', 'stockton town centre']
    """
    found: set[str] = set()
    for name in names:
        full = plain_place(name)
        if not full:
            continue
        found.add(full)
        for side in [full, *full.split(" and ")]:
            side = _strip_qualifier(side.strip())
            if side and not _all_generic(side.split()):
                found.add(side)
        head = re.match(r"^(\w+) (?:on|upon|by|in|under) ", full)  # "Stockton-on-Tees"
        if head:
            found.add(head.group(1))
    found.discard("")
    return found


def _strip_qualifier(name: str) -> str:
    for qualifier in sorted(AREA_QUALIFIERS, key=len, reverse=True):
        if name.endswith(" " + qualifier):
            return name[: -len(qualifier) - 1].strip()
    return name


def town_names(addresses: Iterable[object]) -> set[str]:
    """The towns the addresses name after a street ("9 Brambles Street, Middlesbrough" names
    Middlesbrough), in :func:`plain_place` spelling: what a town looks like in these exports.

    A name that is itself a street ("Acklam Road"; or written with a house number, "12 Oakdale",
    at least as often as after a street) or has a digit in it is not a town: one mistyped
    address ("9 Brambles St, Linthorpe Road") must not make a street a town everywhere.

    Examples
    --------
    >>> sorted(town_names(["9 Brambles St, Middlesbrough", "Near Oak Avenue, Yarm",
    ...                    "Flat 2, Oakdale", "9 Brambles St, Linthorpe Road", None]))
    ['middlesbrough', 'yarm']
    """
    after_street: Counter[str] = Counter()
    as_street: Counter[str] = Counter()
    for address in addresses:
        parsed = parse_address(address)
        if parsed.street and parsed.number:
            as_street[plain_place(parsed.street)] += 1
        if parsed.town and (parsed.number or parsed.is_street):
            after_street[plain_place(parsed.town)] += 1
    return {town for town, n in after_street.items()
            if n > as_street[town] and not _is_thoroughfare(town)
            and not re.search(r"[0-9]", town)}


def _all_generic(words: list[str]) -> bool:
    return all(w in GENERIC_WORDS for w in words)


def _strip_areas(part: str, known: Collection[str]) -> tuple[str, bool]:
    """``part`` with known town or area names taken off either end ("middlesbrough bus
    station" -> "bus station"), and whether any was. Names made only of
    :data:`GENERIC_WORDS` (a ward called "Park") are left: "Car Park" is not "Car" in Park."""
    stripped = False
    words = part.split()
    changed = True
    while words and changed:
        changed = False
        if words[0] == "and" and stripped:
            words, changed = words[1:], True
            continue
        for k in range(len(words), 0, -1):
            head, tail = " ".join(words[:k]), " ".join(words[-k:])
            if head in known and not _all_generic(words[:k]):
                words, stripped, changed = words[k:], True, True
                break
            if tail in known and not _all_generic(words[-k:]):
                words, stripped, changed = words[:-k], True, True
                break
    return " ".join(words), stripped


def _part_place(part: str, known: Collection[str]) -> str | None:
    """What one comma-separated part of an address names: ``"place"``, ``"facility"`` (a
    :data:`TOWN_FACILITIES` facility, one place when a town is written with it), ``"area"``
    (a town or area) or ``None`` (nothing: a kind of place, a number, a placeholder)."""
    previous = None
    while part != previous:  # "On or near outside ...", "in front of ..."
        previous, part = part, _PREFIX.sub("", part).strip()
    if not part or _NOT_A_PLACE.fullmatch(part) or _ONLY_NUMBER.fullmatch(part):
        return None
    part = re.sub(r"\s+", " ", _PLACEHOLDER.sub(" ", part)).strip()
    part = re.sub(r"\s*\b[a-z]{1,2}[0-9][a-z0-9]?\s*[0-9][a-z]{2}$", "", part)  # a postcode
    if part and _DISTRICT.match(part.split()[-1]) and not _ROAD_NUMBER.fullmatch(part):
        part = " ".join(part.split()[:-1])  # "Middlesbrough TS1"
    if not part or _DISTRICT.fullmatch(part):
        return None
    if part in known:
        return "area"
    words = part.split()
    if all(_ROAD_NUMBER.fullmatch(w) or w in _ROAD_WORDS or w in GENERIC_WORDS
           for w in words) and any(_ROAD_NUMBER.fullmatch(w) for w in words):
        return None  # "A19", "A1130 northbound"
    rest, named = _strip_areas(part, known)
    if not rest or (named and (rest in AREA_QUALIFIERS or _ONLY_NUMBER.fullmatch(rest))):
        return "area"  # "Middlesbrough Town Centre", "Central Middlesbrough", "Flat 3 Yarm"
    if rest in CATEGORY_PHRASES:
        return None  # "Supermarket", "Hartlepool Hospital": a kind of place
    if rest in TOWN_FACILITIES:
        return "place" if named else "facility"
    rest_words = rest.split()
    if not named and (_all_generic(rest_words) or (
            len(rest_words) == 1 and (rest in THOROUGHFARES or rest in _WORDS))):
        return None  # "Car Park", "Rear of shops", "Road"
    return "place"


def names_a_place(address: object, areas: Collection[str] = frozenset()) -> bool:
    """Whether an address names, in words, a place smaller than a town, so that it can key a
    repeat location: a house, a building, a street, a named park or shopping centre, a town's
    bus station.

    Each comma-separated part (and any bracketed text) is read after "On or near", "Outside"
    and the like, postcodes, and words such as "unknown" are set aside. A part names no place
    when nothing is left; when it is a placeholder ("Victim's home", "Online", "Various
    locations", "Address withheld", "NFA", "See notes") or only a flat or house number ("Flat
    3", "Outside 12"); a road number ("A19"); a police.uk category phrase
    (:data:`CATEGORY_PHRASES`: "Supermarket", "Police Station"), with or without a town; only
    words that name a kind of place (:data:`GENERIC_WORDS`: "Car Park"); or a town or area
    (``areas``, in :func:`plain_place` spelling: :func:`town_names`, :func:`area_names`),
    alone or with a word that keeps it an area (:data:`AREA_QUALIFIERS`: "Middlesbrough Town
    Centre"). A facility a town has one of (:data:`TOWN_FACILITIES`: "Bus Station") is a place
    when a town is written with it. A town with other words is a place ("Hardwick Shops",
    "Victoria Park", "Middlesbrough Road"). An address that says no street was given names no
    place. A full postcode is not judged here (see :func:`postcode_in`).

    Examples
    --------
    >>> towns = {"middlesbrough", "stockton on tees", "hartlepool"}
    >>> [names_a_place(a, towns) for a in ["Middlesbrough (no street given)", "MIDDLESBROUGH",
    ...  "On or near ", "Near Parking Area, Middlesbrough", "Unknown, Stockton-on-Tees TS18",
    ...  "Middlesbrough, TS1 2AB", "Victim's home", "Flat 3, Middlesbrough", "Near A19",
    ...  "Hospital, Hartlepool", "Hartlepool Hospital", "Middlesbrough Town Centre", None]]
    [False, False, False, False, False, False, False, False, False, False, False, False, False]
    >>> [names_a_place(a, towns) for a in ["Near Oakdale, Stockton-on-Tees", "94 Alma Street",
    ...  "On or near Supermarket Approach", "Near Middlesbrough Police Hq, Middlesbrough",
    ...  "Flat 1, 9 Brambles Street, Middlesbrough", "Back lane off Oxley Street",
    ...  "On or near Church Lane", "Bus Station, Middlesbrough", "Middlesbrough Bus Station",
    ...  "Middlesbrough (Albert Park)"]]
    [True, True, True, True, True, True, True, True, True, True]
    """
    if not isinstance(address, str):
        return False
    known = areas if isinstance(areas, (set, frozenset)) else set(areas)
    if _NO_STREET.search(plain_place(address)):
        return False
    kinds = {_part_place(plain_place(raw), known)
             for raw in re.split(r"[,;()\[\]]", address)}
    return "place" in kinds or ("facility" in kinds and "area" in kinds)
