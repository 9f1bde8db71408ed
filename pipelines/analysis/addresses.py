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
from collections.abc import Collection, Iterable
from dataclasses import dataclass

__all__ = ["Address", "parse_address", "standard_postcode", "THOROUGHFARES", "GENERIC_WORDS",
           "plain_place", "town_names", "names_a_place"]

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
#: Words that, on their own, name a kind of place and not one place: police.uk's snap-point
#: categories ("Supermarket", "Parking Area", "Park/Open Space") and the like. A part of an
#: address made only of these ("Near Petrol Station, Middlesbrough") is not a location.
GENERIC_WORDS = frozenset({
    "a", "and", "the", "of", "off", "near", "rear", "back", "side", "behind", "outside",
    "opposite", "junction", "supermarket", "parking", "car", "area", "petrol", "station",
    "nightclub", "hospital", "police", "shopping", "sports", "recreation", "park", "open",
    "space", "bus", "coach", "stop", "further", "higher", "educational", "building", "theatre",
    "concert", "hall", "conference", "exhibition", "centre", "center", "pedestrian", "subway",
    "prison", "airport", "airfield", "theme", "adventure", "cinema", "hotel", "motel", "town",
    "city", "train", "railway", "shop", "shops", "store", "school", "church", "pub", "public",
    "house", "retail", "industrial", "estate", "playing", "field", "fields", "alley",
    "alleyway", "footpath", "waste", "ground", "land", "garage", "takeaway", "flats", "block",
})
#: Text that says no place was given: these words are dropped, and a bracketed note such as
#: "(no street given)" or "no street" marks the whole address as a town only.
_NO_STREET = re.compile(r"\b(?:no|unknown|not given|nk)\s*(?:street|road|location|address)"
                        r"|\b(?:street|location|address)\s*(?:unknown|not (?:known|given))\b")
_PLACEHOLDER = re.compile(r"\b(?:unknown|not known|not given|n ?k|n ?a|tbc|various|none)\b")
_PREFIX = re.compile(r"^(?:on or near|near|nr|o ?s|outside|opposite|behind|rear of|"
                     r"back (?:lane|alley) (?:off|behind)|in|at)\b\s*")
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
    """A town, area or address part in the spelling compared: lower case, letters and digits.

    Examples
    --------
    >>> plain_place(" Stockton-on-Tees "), plain_place("St. Patrick's Road")
    ('stockton on tees', 'st patricks road')
    """
    if not isinstance(text, str):
        return ""
    return re.sub(r"\s+", " ", _clean(text).replace("-", " ").replace("/", " ")).strip()


def town_names(addresses: Iterable[object]) -> set[str]:
    """The towns the addresses name after a street ("9 Brambles Street, Middlesbrough" names
    Middlesbrough), in :func:`plain_place` spelling: what a town looks like in these exports.

    Examples
    --------
    >>> sorted(town_names(["9 Brambles St, Middlesbrough", "Near Oak Avenue, Yarm",
    ...                    "Flat 2, Oakdale", None]))
    ['middlesbrough', 'yarm']
    """
    towns = set()
    for address in addresses:
        parsed = parse_address(address)
        if parsed.town and (parsed.number or parsed.is_street):
            towns.add(plain_place(parsed.town))
    return towns


def names_a_place(address: object, areas: Collection[str] = frozenset()) -> bool:
    """Whether an address names a place smaller than a town, so that it can key a repeat
    location: a house, a building, a street, a named park or shopping centre.

    It does not when, after "On or near" / "Near", postcodes and words such as "unknown" are
    set aside, nothing is left but town or area names (``areas``, in :func:`plain_place`
    spelling; see :func:`town_names`) and words that name a kind of place
    (:data:`GENERIC_WORDS`: "Supermarket", "Parking Area"), or when the text says itself that no
    street was given.

    Examples
    --------
    >>> towns = {"middlesbrough", "stockton on tees"}
    >>> [names_a_place(a, towns) for a in ["Middlesbrough (no street given)", "MIDDLESBROUGH",
    ...  "On or near ", "Near Parking Area, Middlesbrough", "Unknown, Stockton-on-Tees TS18",
    ...  "Middlesbrough, TS1 2AB", None]]
    [False, False, False, False, False, False, False]
    >>> [names_a_place(a, towns) for a in ["Near Oakdale, Stockton-on-Tees", "94 Alma Street",
    ...  "On or near Supermarket Approach", "Near Middlesbrough Police Hq, Middlesbrough",
    ...  "Flat 1, 9 Brambles Street, Middlesbrough", "Back lane off Oxley Street",
    ...  "On or near Church Lane"]]
    [True, True, True, True, True, True, True]
    """
    if not isinstance(address, str):
        return False
    known = areas if isinstance(areas, (set, frozenset)) else set(areas)
    lowered = address.lower()
    if _NO_STREET.search(plain_place(lowered)):
        return False
    text = re.sub(r"\([^)]*\)", " ", lowered)
    for raw in text.split(","):
        part = _PREFIX.sub("", plain_place(raw))
        part = _PLACEHOLDER.sub(" ", part)
        part = re.sub(r"\s*\b[a-z]{1,2}[0-9][a-z0-9]?\s*[0-9][a-z]{2}$", "", part)  # postcode
        part = re.sub(r"\s+", " ", part).strip()
        if not part or _DISTRICT.match(part) or part in known:
            continue
        words = part.split()
        if words and words[-1] and _DISTRICT.match(words[-1]) and " ".join(words[:-1]) in known:
            continue  # "Middlesbrough TS1"
        if all(w in GENERIC_WORDS for w in words) or (
                len(words) == 1 and (words[0] in THOROUGHFARES or words[0] in _WORDS)):
            continue  # "Supermarket", "Parking Area", "Road": a kind of place, not one place
        return True
    return False
