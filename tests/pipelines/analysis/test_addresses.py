"""Which addresses name a place that can be a repeat location (hot dots)."""

from __future__ import annotations

import pytest

from pipelines.analysis.addresses import names_a_place, plain_place, town_names

# Addresses as the exports write them (Cleveland Police command and control, Tees Valley
# Homes, council case systems) and police.uk location names.
TOWNS = town_names(["Near Coleridge Avenue, Hartlepool", "131 Hardwick Dr, Billingham",
                    "Flat 1, 9 Brambles Street, Middlesbrough", "Park Lane, Saltburn-by-the-Sea",
                    "Near Piper Knowle Road, Stockton-on-Tees", "94 Alma Street"])


def test_towns_are_read_from_addresses_that_give_a_street_first():
    expected = {"hartlepool", "billingham", "middlesbrough", "saltburn by the sea",
                "stockton on tees"}
    assert expected == TOWNS
    assert plain_place("Saltburn-by-the-Sea") in TOWNS


@pytest.mark.parametrize("address", [
    "Middlesbrough (no street given)",
    "Stockton-on-Tees (no street given)",
    "Saltburn-by-the-Sea (no street given)",
    "Yarm (no street given)",          # a town no other address names: the note says enough
    "MIDDLESBROUGH",
    "Middlesbrough, TS1",
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
])
def test_a_town_or_a_kind_of_place_is_not_a_location(address):
    assert not names_a_place(address, TOWNS)


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
])
def test_a_street_premises_or_named_place_is_a_location(address):
    assert names_a_place(address, TOWNS)
