"""Which addresses name a place that can be a repeat location (hot dots)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.analysis.addresses import (
    area_names,
    names_a_place,
    plain_place,
    postcode_in,
    town_names,
)
from pipelines.analysis.locations import resolve_locations

# Addresses as the exports write them (Cleveland Police command and control, Tees Valley
# Homes, council case systems) and police.uk location names.
TOWNS = town_names(["Near Coleridge Avenue, Hartlepool", "131 Hardwick Dr, Billingham",
                    "Flat 1, 9 Brambles Street, Middlesbrough", "Park Lane, Saltburn-by-the-Sea",
                    "Near Piper Knowle Road, Stockton-on-Tees", "94 Alma Street"])
# What the build adds: the CSP area and ward names of the partnership (Cleveland's 2013 wards)
AREAS = TOWNS | area_names([
    "Hartlepool", "Middlesbrough", "Redcar and Cleveland", "Stockton-on-Tees",
    "Billingham Central", "Billingham East", "Stockton Town Centre", "Ingleby Barwick West",
    "North Ormesby and Brambles Farm", "Pallister", "Park", "Victoria", "Hardwick", "Ormesby",
    "Village", "University", "Hemlington", "Mandale and Victoria", "Stainsby Hill"])


def test_towns_are_read_from_addresses_that_give_a_street_first():
    expected = {"hartlepool", "billingham", "middlesbrough", "saltburn by the sea",
                "stockton on tees"}
    assert expected == TOWNS
    assert plain_place("Saltburn-by-the-Sea") in TOWNS


def test_a_street_written_where_a_town_goes_does_not_become_a_town():
    # one mistyped address must not turn Linthorpe Road into a town for every other address
    addresses = ["9 Brambles St, Linthorpe Road", "12 Oakdale", "Flat 2, 12 Oakdale",
                 "Near Oak Avenue, Oakdale", "4 Bell St, TS1 2AB Middlesbrough"]
    assert town_names(addresses) == set()
    towns = town_names(addresses + ["Near Acklam Road, Middlesbrough"])
    assert names_a_place("Linthorpe Road, Middlesbrough", towns)


def test_towns_come_from_ward_and_area_names_too():
    # a bare "Billingham" is a town even when no address writes it after a street
    assert {"billingham", "ingleby barwick", "stockton", "redcar", "cleveland",
            "north ormesby", "brambles farm"} <= AREAS
    assert not names_a_place("Billingham", area_names(["Billingham Central"]))
    assert names_a_place("Thornaby", AREAS)  # a town no ward or address names: a place ...
    assert not names_a_place("Thornaby", AREAS | area_names(["Thornaby"]))  # ... until named
    # an unrelated file arriving changes nothing for a town the ward names already give
    more = AREAS | town_names(["3 Station Rd, Billingham", "Near Tees Street, Thornaby"])
    assert not names_a_place("Billingham", more) and not names_a_place("Billingham", AREAS)


@pytest.mark.parametrize("address", [
    "Middlesbrough (no street given)",
    "Stockton-on-Tees (no street given)",
    "Saltburn-by-the-Sea (no street given)",
    "Yarm (no street given)",          # a town no other address names: the note says enough
    "MIDDLESBROUGH",
    "Middlesbrough, TS1",
    "Middlesbrough, TS1 2AB",          # a postcode: keyed by its unit, not judged as words
    "Unknown, Hartlepool",
    "Location unknown",
    "On or near ",
    "On or near Supermarket",
    "On or near Park/Open Space",
    "Near Parking Area, Middlesbrough",
    "Back lane off Sports/Recreation Area, Stockton-on-Tees",
    "On or near Hartlepool",
    "",
    None,
    # placeholders: no place was written down
    "Victim's home",
    "Home address",
    "Victims address",
    "Complainant's home address, Hartlepool",
    "Online",
    "Telephone",
    "Social media",
    "Via Facebook",
    "Various locations, Middlesbrough",
    "Multiple locations",
    "Address withheld",
    "No fixed abode",
    "NFA",
    "See notes",
    "Same as above",
    "N/A",
    # a flat or a number alone is not a place
    "Flat 3",
    "Flat 3, Middlesbrough",
    "12",
    "Outside 12",
    "12, Hartlepool",
    "Flat 3 Middlesbrough",
    # police.uk category phrases are a kind of place whatever the town and the word order
    "Police Station, Middlesbrough",
    "Middlesbrough Police Station",
    "Hospital, Hartlepool",
    "Hartlepool Hospital",
    "Bus/Coach Station, Middlesbrough",
    "Near Petrol Station, Billingham",
    "Car Park, Redcar",
    "Inside store",
    "Inside store, Stockton-on-Tees",
    "Outside shops, Billingham",
    # a town's own facility with no town: which one?
    "Bus Station",
    "Railway Station",
    # areas are not places
    "Middlesbrough Town Centre",
    "Town centre, Middlesbrough",
    "Central Middlesbrough",
    "Stockton-on-Tees Borough",
    "Stockton Town Centre",
    "Redcar & Cleveland",
    "Redcar and Cleveland",
    "Hemlington Estate",
    "Ingleby Barwick",
    "Billingham",
    "Victoria",
    # road numbers run for miles
    "Near A19, Billingham",
    "Near A174, Redcar",
    "A1130",
    "B1380, Stockton-on-Tees",
    "A19 southbound",
])
def test_a_town_or_a_kind_of_place_is_not_a_location(address):
    assert not names_a_place(address, AREAS)


@pytest.mark.parametrize("address", [
    "Near St Brides Court, Billingham",
    "Near Oakdale, Stockton-on-Tees",        # streets without "Road" or "Street" are streets
    "On or near Church Lane",                # made of generic words, still one street
    "On or near Station Road",
    "On or near The Cleveland Shopping Centre",
    "On or near Middlesbrough Police Hq",
    "Flat 1, 9 Brambles Street, Middlesbrough",
    "2/14 High St, Stockton-on-Tees TS18 1AA",
    "Back lane off Oxley Street, Middlesbrough",
    "Saint Patrick'S Road, Redcar",
    "94 Alma Street",
    "Flat 3, Bramble Court",
    "Outside 12 Linthorpe Road, Middlesbrough",
    "Victim's home, 12 Oxley Street, Middlesbrough",
    "Block A, Hemlington",
    "Block A",
    # the town's one bus station, railway station, town hall: word order does not matter
    "Bus Station, Middlesbrough",
    "Middlesbrough Bus Station",
    "Railway Station, Hartlepool",
    "Hartlepool Railway Station",
    "Town Hall, Middlesbrough",
    "Middlesbrough Town Hall",
    "Hartlepool Interchange",
    # a town or area name with other words names one place
    "Middlesbrough Road",
    "Stockton Road, Hartlepool",
    "North Ormesby Road, Middlesbrough",
    "Pallister Park",
    "Victoria Park, Hartlepool",
    "Hardwick Shops",
    "Ormesby Hall",
    "University Hospital Of North Tees",
    "Middleton Grange Shopping Centre",
    "Cleveland Retail Park",
    "Middlesbrough (Albert Park)",
    "Inside Tesco, Middlesbrough",
    "Thornaby",                              # no ward, config or address says it is a town
])
def test_a_street_premises_or_named_place_is_a_location(address):
    assert names_a_place(address, AREAS)


def test_postcodes_in_the_text():
    assert postcode_in("Middlesbrough, TS1 2AB") == "TS1 2AB"
    assert postcode_in("2/14 High St, Stockton-on-Tees TS181AA") == "TS18 1AA"
    assert postcode_in("Middlesbrough TS1") is None
    assert postcode_in("Near A19, Billingham") is None


def test_plain_place_writes_and_for_ampersand():
    assert plain_place("Redcar & Cleveland") == plain_place("Redcar and Cleveland")


def _reports(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame([{
        "incident_id": f"council:{i}", "template": "incidents", "uprn": uprn,
        "address": address, "postcode": postcode, "easting": east, "northing": north,
        "location_key": None} for i, (address, postcode, uprn, east, north) in enumerate(rows)])


def test_locations_give_a_town_only_report_no_point():
    # real exports put a town-only report at the town's centre: keyed by that point, such
    # reports would make one big false place in the location profile and network
    centre = (449571.0, 520156.0)
    frame = _reports([
        ("Middlesbrough (no street given)", None, None, *centre),
        ("Middlesbrough (no street given)", None, None, *centre),
        ("Near Supermarket, Middlesbrough", None, None, *centre),
        ("Victim's home", "TS1 2AB", None, *centre),
        ("Middlesbrough, TS1 2AB", None, None, *centre),
        ("Middlesbrough", None, "100110000001", *centre),
        (None, None, None, *centre),
        ("12 Oxley Street, Middlesbrough", None, None, 449000.0, 519000.0),  # a town, learned
    ])
    placed = dict(resolve_locations(frame).incidents[["incident_id", "location_id"]].values)
    assert "council:0" not in placed and "council:1" not in placed and "council:2" not in placed
    assert placed["council:3"] == placed["council:4"] == "postcode:TS1 2AB"
    assert placed["council:5"] == "uprn:100110000001"
    assert placed["council:6"] == "point:449570,520160"  # no address: its point
    # the build's own judgement (int_address) is used when given
    judged = frame.assign(names_a_place=[True] * len(frame))
    placed = dict(resolve_locations(judged).incidents[["incident_id", "location_id"]].values)
    assert placed["council:0"] == "point:449570,520160"


def _build(empty_db, tmp_path, rows: list[tuple], towns: list[str]) -> dict:
    from pipelines.config import load_config, merge
    from pipelines.ingest import ingest_files
    from pipelines.sources import resolve_source
    from pipelines.warehouse import build, connect

    export = tmp_path / "council.csv"
    export.write_text("source_ref,agency,reported_at,occurred_at,category,easting,northing,"
                      "address,postcode\n" + "".join(
                          f"C{i},Middlesbrough Council,0{i + 1}/03/2022 10:00,,nuisance,"
                          f"{east},{north},\"{address}\",{postcode}\n"
                          for i, (address, postcode, east, north) in enumerate(rows)),
                      encoding="utf-8")
    con = connect(empty_db())
    try:
        ingest_files(con, resolve_source("incidents"), [export])
        build(con, config=merge(load_config(), {"linkage": {"towns": towns}}))
        keys = dict(con.execute("SELECT source_ref, location_key FROM core_incident").fetchall())
        places = dict(con.execute(
            "SELECT i.source_ref, p.place_id FROM core_place_incident p "
            "JOIN core_incident i USING (incident_id)").fetchall())
    finally:
        con.close()
    return {ref: (keys[ref], places.get(ref)) for ref in keys}


def test_the_warehouse_keys_and_places_a_report_only_by_a_place_or_its_postcode(empty_db,
                                                                                  tmp_path):
    rows = [("Middlesbrough (no street given)", "", 449571, 520156),
            ("Thornaby", "", 449571, 520156),                     # a town, named in config
            ("Victim's home", "ts1 2ab", 449571, 520156),         # postcode column
            ("Middlesbrough, TS1 2AB", "", 449571, 520156),        # postcode in the text
            ("Bus Station, Middlesbrough", "", 449300, 520400),
            ("", "", 449000, 519000)]
    got = _build(empty_db, tmp_path, rows, towns=["Thornaby"])
    assert got["C0"] == (None, None) and got["C1"] == (None, None)
    assert got["C2"] == ("postcode:TS1 2AB", "postcode:TS1 2AB")
    assert got["C3"] == ("postcode:TS1 2AB", "postcode:TS1 2AB")
    assert got["C4"][0] == "address:bus station middlesbrough" and got["C4"][1] is not None
    assert got["C5"][0] == got["C5"][1] == "point:449000,519000"
