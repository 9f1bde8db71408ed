"""Seeded synthetic ASB exports for the Cleveland sample area, with ground truth.

:func:`generate` writes person-level anti-social behaviour exports for the four community safety
partnership areas of Cleveland (Hartlepool, Middlesbrough, Redcar and Cleveland,
Stockton-on-Tees) from 2021-01-01 to 2022-12-31, as three kinds of agency would send them:

- Cleveland Police, in a native command-and-control layout (UTF-8 with BOM, comma, day-first
  dates, British National Grid coordinates);
- a synthetic housing provider, Tees Valley Homes, in its own layout (Windows-1252, semicolon,
  day-first dates): reports, parties, cases, actions and Risk Assessment Matrix assessments;
- the four councils, directly in the warehouse templates (UTF-8, comma, ISO dates).

Places are real: incidents cluster on the anonymous map points police.uk published for Cleveland
in 2022 and are given the LSOA, ward and postcode district of where they are. People are entirely
synthetic: names come from small embedded lists, homes are on invented streets, and every person
is generated, never copied. The same seed gives byte-identical files.

People behave like real ones. Victims report again and again, sometimes to several agencies
under slightly different records (nicknames, typos, swapped names, mistyped dates of birth,
addresses with and without flat numbers, missing postcodes); one incident can reach two agencies
within a day; different people share common names; persistent perpetrators offend at a monthly
rate set by a latent propensity and their age, raised for a few months after each incident of
their own (offending comes in bursts) and lowered when an intervention takes effect. The
``ground_truth/`` folder says who is who, which reports are the same incident, every
perpetrator's true monthly rate and six-month risk, and which victims meet the ASB case review
threshold, so that linkage, de-duplication, case review and reoffending models can be scored.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import yaml
from pyproj import Transformer
from shapely.geometry import shape
from shapely.strtree import STRtree

from .errors import FileProblem

__all__ = [
    "AREAS",
    "AS_OF_DATES",
    "COUNCILS",
    "DEFAULT_SEED",
    "HOUSING_AGENCY",
    "PERIOD_END",
    "PERIOD_START",
    "POLICE_AGENCY",
    "generate",
]

#: The seed the shipped sample in ``data/sample`` was generated with.
DEFAULT_SEED = 20220101
#: First and last day covered by the synthetic exports.
PERIOD_START = date(2021, 1, 1)
PERIOD_END = date(2022, 12, 31)
#: Agency names exactly as they appear in the exports.
POLICE_AGENCY = "Cleveland Police"
HOUSING_AGENCY = "Tees Valley Homes"
#: Community safety partnership areas (local authority code: name).
AREAS = {
    "E06000001": "Hartlepool",
    "E06000002": "Middlesbrough",
    "E06000003": "Redcar and Cleveland",
    "E06000004": "Stockton-on-Tees",
}
#: The council for each area, as named in the council exports.
COUNCILS = {
    "E06000001": "Hartlepool Borough Council",
    "E06000002": "Middlesbrough Council",
    "E06000003": "Redcar and Cleveland Council",
    "E06000004": "Stockton-on-Tees Borough Council",
}
#: Dates the case review ground truth is given for.
AS_OF_DATES = (date(2022, 3, 31), date(2022, 6, 30), date(2022, 9, 30), date(2022, 12, 31))

_DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"
_CONFIG_PATH = Path(__file__).resolve().parent / "config" / "defaults.yaml"
_END = datetime(2022, 12, 31, 23, 59)
_DAYS = (PERIOD_END - PERIOD_START).days + 1
_MONTHS = 24
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
_TO_WGS = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)

# Output files (relative to out_dir).
_SYN = "synthetic"
_GT = "ground_truth"
_F_POLICE_INCIDENTS = f"{_SYN}/cleveland-police-incidents.csv"
_F_POLICE_PEOPLE = f"{_SYN}/cleveland-police-people.csv"
_F_HOUSING_REPORTS = f"{_SYN}/teesvalley-housing-reports.csv"
_F_HOUSING_PARTIES = f"{_SYN}/teesvalley-housing-parties.csv"
_F_HOUSING_CASES = f"{_SYN}/teesvalley-housing-cases.csv"
_F_HOUSING_ACTIONS = f"{_SYN}/teesvalley-housing-actions.csv"
_F_HOUSING_RAM = f"{_SYN}/teesvalley-housing-ram.csv"
_F_COUNCIL_INCIDENTS = f"{_SYN}/council-incidents.csv"
_F_COUNCIL_PEOPLE = f"{_SYN}/council-people.csv"
_F_COUNCIL_ACTIONS = f"{_SYN}/council-actions.csv"
_F_GT_PERSONS = f"{_GT}/person_records.csv"
_F_GT_INCIDENTS = f"{_GT}/incident_records.csv"
_F_GT_DUPLICATES = f"{_GT}/cross_agency_duplicates.csv"
_F_GT_PERPS = f"{_GT}/perpetrators.csv"
_F_GT_RISK = f"{_GT}/perpetrator_risk.csv"
_F_GT_INTERVENTIONS = f"{_GT}/perpetrator_interventions.csv"
_F_GT_CASE_REVIEW = f"{_GT}/case_review_truth.csv"

# ============================================================================================
# Embedded lists: places, names, codes. All people built from them are synthetic.

_COUNCIL_PREFIX = {"E06000001": "HBC", "E06000002": "MBC", "E06000003": "RCBC", "E06000004": "SBC"}
_BEAT_PREFIX = {"E06000001": "H", "E06000002": "M", "E06000003": "R", "E06000004": "S"}
_DISTRICTS = {
    "E06000001": (("TS24", "Hartlepool"), ("TS25", "Hartlepool"), ("TS26", "Hartlepool"),
                  ("TS27", "Hartlepool")),
    "E06000002": (("TS1", "Middlesbrough"), ("TS3", "Middlesbrough"), ("TS4", "Middlesbrough"),
                  ("TS5", "Middlesbrough"), ("TS7", "Middlesbrough"), ("TS8", "Middlesbrough")),
    "E06000003": (("TS6", "Middlesbrough"), ("TS10", "Redcar"), ("TS11", "Redcar"),
                  ("TS12", "Saltburn-by-the-Sea"), ("TS13", "Saltburn-by-the-Sea"),
                  ("TS14", "Guisborough")),
    "E06000004": (("TS15", "Yarm"), ("TS16", "Stockton-on-Tees"), ("TS17", "Stockton-on-Tees"),
                  ("TS18", "Stockton-on-Tees"), ("TS19", "Stockton-on-Tees"),
                  ("TS20", "Stockton-on-Tees"), ("TS21", "Stockton-on-Tees"),
                  ("TS22", "Billingham"), ("TS23", "Billingham")),
}
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

_STREET_STEMS_COMMON = (
    "Albert", "Alma", "Ashdale", "Beechwood", "Belle Vue", "Borough", "Bramble", "Brompton",
    "Cambridge", "Captain Cook", "Carlton", "Cleveland", "Clifton", "Coniston", "Crossfell",
    "Derwent", "Durham", "Eden", "Elder", "Fairfield", "Grange", "Greta", "Harebell",
    "Hawthorn", "Heather", "Holgate", "Laburnum", "Lambton", "Lansdowne", "Lodore", "Mersey",
    "Oakfield", "Palmerston", "Park", "Percy", "Princes", "Queens", "Rievaulx", "Roseberry",
    "Rowan", "Station", "Swaledale", "Teesdale", "Thornfield", "Union", "Victoria", "Wansbeck",
    "Waterloo", "Welland", "Westbourne", "Whitby", "Windermere", "Woodside", "Sycamore",
    "Chestnut", "Willow", "Bluebell", "Kielder", "Farndale", "Bilsdale", "Rosedale", "Wensley",
)
_STREET_STEMS_LOCAL = {
    "E06000001": ("Throston", "Owton", "Rossmere", "Brus", "Raby", "Oxford", "Elwick",
                  "Catcote", "Jesmond", "Stranton", "Middleton", "Headland", "Seaton",
                  "Warrior", "Wingfield", "Greatham", "Hart", "Clavering"),
    "E06000002": ("Acklam", "Linthorpe", "Ayresome", "Gresham", "Newport", "Pallister",
                  "Berwick", "Brambles", "Thorntree", "Hemlington", "Coulby", "Easterside",
                  "Marton", "Ormesby", "Tollesby", "Saltersgill", "Longlands", "Kader"),
    "E06000003": ("Dormanstown", "Coatham", "Kirkleatham", "Marske", "Skelton", "Brotton",
                  "Loftus", "Grangetown", "Teesville", "Lackenby", "Lazenby", "Wilton",
                  "Zetland", "Milbank", "Normanby", "Eston", "Lingdale", "Newcomen"),
    "E06000004": ("Hardwick", "Roseworth", "Bishopsgarth", "Norton", "Billingham", "Thornaby",
                  "Mandale", "Ingleby", "Hartburn", "Elm Tree", "Oxbridge", "Portrack",
                  "Tilery", "Ragpath", "Egglescliffe", "Eaglescliffe", "Yarm", "Preston"),
}
# (full, abbreviated) street suffixes; "Court" and "House" streets are blocks of flats.
_SUFFIXES = (
    ("Street", "St"), ("Road", "Rd"), ("Avenue", "Ave"), ("Close", "Cl"), ("Drive", "Dr"),
    ("Grove", "Gr"), ("Crescent", "Cres"), ("Terrace", "Terr"), ("Gardens", "Gdns"),
    ("Lane", "Ln"), ("Place", "Pl"), ("Way", "Way"), ("Walk", "Wlk"), ("Court", "Ct"),
    ("House", "Ho"),
)
_SUFFIX_WEIGHTS = (9, 8, 6, 6, 5, 4, 4, 5, 3, 2, 2, 3, 2, 3, 2)

# Names: "Legal:Nick/Nick". Weights for very common names; others weigh 1.
_FIRST = {
    ("white", "F"): (
        "Elizabeth:Liz/Beth", "Katherine:Kate/Kathy", "Margaret:Maggie", "Rebecca:Becky",
        "Samantha:Sam", "Susan:Sue", "Patricia:Pat", "Victoria:Vicky", "Jennifer:Jenny",
        "Deborah:Debbie", "Kimberley:Kim", "Jacqueline:Jackie", "Nicola:Nicky",
        "Stephanie:Steph", "Alexandra:Alex", "Abigail:Abbie", "Catherine:Cath",
        "Christine:Chris", "Joanne:Jo", "Sarah", "Emma", "Laura", "Claire", "Lisa", "Amy",
        "Hannah", "Jessica:Jess", "Lauren", "Gemma", "Karen", "Michelle", "Helen", "Julie",
        "Paula", "Donna", "Leanne", "Kelly", "Chloe", "Sophie", "Megan", "Olivia", "Amelia",
        "Ellie", "Zoë", "Siân", "Chloë", "Renée", "Niamh", "Aoife", "Bethan", "Rhiannon",
    ),
    ("white", "M"): (
        "Jonathan:Jon/Jonny", "William:Bill/Will/Billy", "Michael:Mike/Mick",
        "Robert:Rob/Bob/Bobby", "Christopher:Chris", "Anthony:Tony", "Stephen:Steve",
        "Daniel:Dan/Danny", "Thomas:Tom/Tommy", "James:Jim/Jimmy/Jamie", "Joseph:Joe",
        "Matthew:Matt", "Nicholas:Nick", "Peter:Pete", "Richard:Rich/Richie", "Andrew:Andy",
        "David:Dave", "Kenneth:Ken/Kenny", "Edward:Ed/Eddie", "Benjamin:Ben", "Samuel:Sam",
        "Alexander:Alex", "John:Johnny", "Oliver:Ollie", "Gary", "Paul", "Mark", "Lee", "Craig",
        "Darren", "Wayne", "Shaun", "Jason", "Kevin", "Ian", "Neil", "Carl", "Dean", "Scott",
        "Liam", "Kyle", "Connor", "Jack", "Callum", "Jordan", "Ryan", "Harry", "Charlie",
        "Seán", "Ciarán", "Noel",
    ),
    ("south_asian", "M"): ("Mohammed:Mo", "Imran", "Asif", "Tariq", "Zahid", "Shahid",
                           "Amir", "Bilal", "Hamza", "Usman"),
    ("south_asian", "F"): ("Fatima", "Ayesha", "Nadia", "Sadia", "Shazia", "Amina",
                           "Zainab", "Samina"),
    ("east_european", "M"): ("Piotr", "Tomasz", "Marek", "Andrzej", "Mateusz", "Krzysztof"),
    ("east_european", "F"): ("Agnieszka", "Katarzyna:Kasia", "Magdalena:Magda", "Joanna",
                             "Anna", "Ewa"),
    ("african", "M"): ("Chinedu", "Emeka", "Kwame", "Kofi", "Tunde"),
    ("african", "F"): ("Ngozi", "Chioma", "Abena", "Ama", "Folake"),
    ("east_asian", "M"): ("Minh", "Wei", "Duc"),
    ("east_asian", "F"): ("Linh", "Mei", "Thao"),
}
_FIRST_WEIGHT = {"John:Johnny": 6, "David:Dave": 5, "Michael:Mike/Mick": 5, "Paul": 4,
                 "Mark": 3, "James:Jim/Jimmy/Jamie": 4, "Sarah": 5, "Emma": 3, "Lisa": 3,
                 "Karen": 3, "Michelle": 3, "Laura": 3, "Mohammed:Mo": 6}
_SURNAMES = {
    "white": (
        "Smith*10", "Jones*5", "Taylor*5", "Brown*5", "Wilson*5", "Robinson*5", "Thompson*5",
        "Walker*4", "White*4", "Wright*4", "Wood*3", "Hall*4", "Harrison*3", "Jackson*4",
        "Hughes*3", "Atkinson*3", "Dixon*3", "Bell*3", "Scott*3", "Watson*3", "Anderson*3",
        "Morris*2", "Moore*3", "Clarke*3", "Richardson*3", "Lee*3", "Kelly*3", "Johnson*4",
        "Williams*4", "Davies*3", "Evans*2", "Green*3", "Turner*2", "Cooper*2", "Ward*2",
        "Hill*2", "Young*2", "Marshall*2", "Graham*2", "Stephenson*2", "Pearson*2", "Dobson*2",
        "Robson*3", "Elliott*2", "Teasdale", "Hodgson*2", "Metcalfe", "Heslop", "Swales",
        "Thwaites", "Featherstone", "Pounder", "Kirtley", "Raine", "Dowson", "Bainbridge",
        "Stainsby", "Cummings", "McDonald*2", "McGuinness", "McAllister", "O’Brien*2",
        "O’Neill*2", "O’Connor", "O’Hara", "D’Arcy", "Hutchinson*2", "Lawson", "Henderson*2",
        "Harrington", "Hammond", "Middleton", "Sowerby",
    ),
    "south_asian": ("Ahmed*3", "Hussain*3", "Khan*3", "Ali*2", "Mahmood", "Iqbal", "Akhtar",
                    "Rashid", "Shah"),
    "east_european": ("Nowak", "Kowalski", "Lewandowski", "Wójcik", "Kaczmarek", "Mazur",
                      "Krawczyk", "Zielinski"),
    "african": ("Okafor", "Mensah", "Adeyemi", "Okonkwo", "Boateng", "Asante"),
    "east_asian": ("Nguyen*2", "Tran", "Li", "Chen", "Wong"),
}
_GROUP_SHARE = {
    "E06000002": {"white": 0.82, "south_asian": 0.09, "east_european": 0.04, "african": 0.03,
                  "east_asian": 0.02},
    "other": {"white": 0.93, "south_asian": 0.03, "east_european": 0.02, "african": 0.01,
              "east_asian": 0.01},
}
# Police self-defined ethnicity codes by group, with weights.
_ETHNICITY = {
    "white": (("W1", 88), ("W2", 3), ("W9", 2), ("M1", 2), ("M3", 2), ("NS", 3)),
    "south_asian": (("A2", 70), ("A3", 10), ("A1", 10), ("A9", 5), ("NS", 5)),
    "east_european": (("W9", 92), ("NS", 8)),
    "african": (("B2", 85), ("B9", 5), ("M2", 5), ("NS", 5)),
    "east_asian": (("O9", 50), ("O1", 40), ("NS", 10)),
}
_KEYBOARD = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "q": "w", "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc",
    "y": "tu", "z": "x",
}

# ============================================================================================
# Incident kinds: category, police code and type, housing category and sub-category,
# council sub-type, hour-of-day profile, and whether the time is usually a window.
_KINDS: dict[str, dict[str, Any]] = {
    "rowdy": dict(cat="nuisance", code="ASBN", ptype="Rowdy/Nuisance", council=None,
                  hours="evening"),
    "vehicle": dict(cat="nuisance", code="ASBN", ptype="Vehicle nuisance", council=None,
                    hours="evening"),
    "noise": dict(cat="nuisance", code="ASBN", ptype="Noise", hcat="Noise", council="noise",
                  hours="night"),
    "street_drinking": dict(cat="nuisance", code="ASBN", ptype="Street drinking", council=None,
                            hours="evening"),
    "begging": dict(cat="nuisance", code="ASBN", ptype="Begging/Vagrancy", council=None,
                    hours="day"),
    "fireworks": dict(cat="nuisance", code="ASBN", ptype="Fireworks", council=None,
                      hours="evening"),
    "trespass": dict(cat="nuisance", code="ASBN", ptype="Trespass", council=None,
                     hours="evening"),
    "animal": dict(cat="nuisance", code="ASBN", ptype="Animal problems", hcat="Pets/animals",
                   council=None, hours="day"),
    "drugs": dict(cat="nuisance", code="ASBN", ptype="Drug related nuisance", hcat="Drugs",
                  council=None, hours="evening"),
    "neighbour": dict(cat="personal", code="ASBP", ptype="Neighbour dispute",
                      hcat="Verbal abuse", council=None, hours="evening"),
    "harassment": dict(cat="personal", code="ASBP", ptype="Harassment/Intimidation",
                       hcat="Harassment", council=None, hours="evening"),
    "threats": dict(cat="personal", code="ASBP", ptype="Threatening behaviour",
                    hcat="Verbal abuse", council=None, hours="evening"),
    "communications": dict(cat="personal", code="ASBP", ptype="Nuisance communications",
                           hcat="Harassment", council=None, hours="day"),
    "litter_drugs": dict(cat="environmental", code="ASBE",
                         ptype="Littering/Drugs paraphernalia", council="littering",
                         hours="day"),
    "graffiti": dict(cat="environmental", code="ASBE", ptype="Graffiti/Damage",
                     council="graffiti", hours="night", window=True),
    "abandoned": dict(cat="environmental", code="ASBE", ptype="Abandoned vehicle",
                      council="abandoned vehicle", hours="day", window=True),
    "flytip": dict(cat="environmental", code="ASBE", ptype="Fly-tipping",
                   hcat="Rubbish dumping", council="fly-tipping", hours="day", window=True),
    "garden": dict(cat="environmental", code=None, ptype=None, hcat="Garden nuisance",
                   council="untidy land", hours="day"),
    "dog_fouling": dict(cat="environmental", code=None, ptype=None, council="dog fouling",
                        hours="day"),
    "bonfire": dict(cat="environmental", code=None, ptype=None, council="bonfire smoke",
                    hours="evening"),
}
# Native housing categories and how the mapping recodes them.
_HOUSING_CATEGORIES = {
    "Noise": "nuisance", "Verbal abuse": "personal", "Harassment": "personal",
    "Drugs": "nuisance", "Pets/animals": "nuisance", "Garden nuisance": "environmental",
    "Rubbish dumping": "environmental",
}
_HOUSING_SUBCATEGORY = {
    "Noise": ("Loud music", "Shouting/banging", "Parties", "DIY at unsocial hours"),
    "Verbal abuse": ("Swearing/insults", "Abuse in communal area"),
    "Harassment": ("Intimidation", "Threats", "Following/watching", "Online abuse"),
    "Drugs": ("Suspected dealing", "Cannabis smell", "Drug use in communal area"),
    "Pets/animals": ("Dog barking", "Dog fouling in garden", "Dangerous dog"),
    "Garden nuisance": ("Rubbish in garden", "Overgrown garden", "Bonfires"),
    "Rubbish dumping": ("Bags left in communal area", "Bulky items dumped"),
}
_POLICE_BACKGROUND_KINDS = (
    ("rowdy", 34), ("vehicle", 10), ("noise", 5), ("street_drinking", 5), ("begging", 2),
    ("fireworks", 2), ("trespass", 2), ("animal", 2), ("drugs", 3), ("neighbour", 3),
    ("harassment", 3), ("threats", 4), ("communications", 2), ("litter_drugs", 5),
    ("graffiti", 5), ("abandoned", 3), ("flytip", 1),
)
_COUNCIL_BACKGROUND_KINDS = (
    ("flytip", 40), ("dog_fouling", 14), ("graffiti", 11), ("abandoned", 9),
    ("litter_drugs", 9), ("noise", 9), ("garden", 5), ("bonfire", 3),
)
_COUNCIL_DESCRIPTIONS = {
    "fly-tipping": ("Black bags of household waste dumped in back lane",
                    "Mattress and sofa left on grass verge", "Builders rubble dumped by field gate",
                    "Fridge freezer dumped on pavement", "Garden waste tipped on open land"),
    "dog fouling": ("Dog fouling on footpath near school", "Persistent dog fouling on path",
                    "Dog fouling on playing field"),
    "graffiti": ("Graffiti tags on bus shelter", "Spray paint on garage doors",
                 "Graffiti on wall of shops"),
    "abandoned vehicle": ("Car with no tax left on street for weeks",
                          "Burnt out car on waste ground", "Van with flat tyres not moved"),
    "littering": ("Litter and needles in alleyway", "Takeaway litter outside shops",
                  "Broken glass and cans on play area"),
    "noise": ("Loud music from neighbouring property late at night",
              "Dog barking for long periods", "Shouting and banging from next door",
              "Parties most weekends until early hours"),
    "untidy land": ("Overgrown garden with rubbish piling up", "Rats seen in untidy yard"),
    "bonfire smoke": ("Neighbour burning rubbish in garden", "Smoke from bonfire in yard"),
}
_HATE_GRAFFITI = "Racist graffiti sprayed on wall"

# Police results.
_POLICE_RESULTS = {
    "ASBN": (("Area search - no trace", 30), ("Words of advice given", 25),
             ("Attended - group dispersed", 15), ("Advice given by phone", 15),
             ("Referred to partner agency", 8), ("Dispersal direction issued", 4),
             ("Crime recorded", 3)),
    "ASBP": (("Words of advice given", 30), ("Referred to partner agency", 20),
             ("Crime recorded", 15), ("Advice given by phone", 20), ("No further action", 15)),
    "ASBE": (("Referred to local authority", 50), ("Area search - no trace", 20),
             ("Advice given by phone", 30)),
}

# Escalation ladders: (reports naming the perpetrator to this agency, native action text,
# configured action, probability the step is taken, probability it takes effect, rate
# multiplier when it does). Effects are modest and vary between people, as evaluations of
# warnings, ABCs and injunctions find: a step takes effect for some people and not others
# (hidden, like a real panel's uncertainty) and, when it does, cuts the rate by a few per cent
# (words of advice) to a quarter (injunction); only a possession order (the tenant leaves) cuts
# it by much more. The expected cut is the product: an ABC, 0.7 x 18% = 13%. Police steps appear
# in the incident's Result, housing steps in the actions file (native names recoded by the
# mapping), council steps in the actions template.
_LADDERS: dict[str, tuple[tuple[int, str, str, float, float, float], ...]] = {
    "housing": (
        (2, "Verbal Warning", "words of advice", 1.0, 0.5, 0.97),
        (3, "Warning Letter", "warning letter", 1.0, 0.6, 0.95),
        (3, "Support Referral", "support referral", 0.35, 0.6, 0.92),
        (4, "Mediation Referral", "mediation", 0.6, 0.6, 0.9),
        (6, "Acceptable Behaviour Contract", "ABC", 1.0, 0.7, 0.82),
        (8, "NOSP", "notice of seeking possession", 1.0, 0.7, 0.87),
        (11, "Injunction", "civil injunction", 1.0, 0.75, 0.75),
        (15, "Possession Order", "possession order", 1.0, 0.95, 0.3),
    ),
    "police": (
        (2, "Suspect spoken to - words of advice", "words of advice", 1.0, 0.5, 0.97),
        (4, "ABC signed with suspect", "ABC", 1.0, 0.7, 0.82),
        (6, "CPW issued to suspect", "CPW", 1.0, 0.65, 0.92),
        (8, "CPN issued to suspect", "CPN", 1.0, 0.7, 0.87),
        (11, "Civil injunction obtained", "civil injunction", 1.0, 0.75, 0.75),
        (14, "CBO obtained on conviction", "CBO", 1.0, 0.75, 0.75),
    ),
    "council": (
        (2, "warning letter", "warning letter", 1.0, 0.6, 0.95),
        (4, "CPW", "CPW", 1.0, 0.65, 0.92),
        (6, "CPN", "CPN", 1.0, 0.7, 0.87),
        (8, "fixed penalty notice", "fixed penalty notice", 1.0, 0.6, 0.92),
        (10, "prosecution", "prosecution", 1.0, 0.7, 0.82),
    ),
    "council_flytip": (
        (1, "fixed penalty notice", "fixed penalty notice", 0.8, 0.6, 0.87),
        (2, "prosecution", "prosecution", 1.0, 0.7, 0.82),
    ),
}
_ACTION_OUTCOMES = {
    "Verbal Warning": ("Given",), "Warning Letter": ("Sent",),
    "Support Referral": ("Referred to floating support", "Referred to mental health team",
                         "Referred to drug and alcohol service", "Declined"),
    "Mediation Referral": ("Accepted", "Declined by alleged perpetrator",
                           "Declined by complainant"),
    "Acceptable Behaviour Contract": ("Signed",), "NOSP": ("Served",),
    "Injunction": ("Granted", "Granted with power of arrest"),
    "Possession Order": ("Outright order granted", "Suspended order granted"),
    "warning letter": ("Sent",), "CPW": ("Issued",), "CPN": ("Served",),
    "fixed penalty notice": ("Paid", "Not paid - referred for prosecution"),
    "prosecution": ("Convicted - fine", "Convicted - conditional discharge"),
}
_AGE_BANDS = (("10-17", 10, 17, 1.6), ("18-24", 18, 24, 1.35), ("25-34", 25, 34, 1.0),
              ("35-49", 35, 49, 0.8), ("50+", 50, 75, 0.55))
_PERP_AGE_SHARE = {
    "police": (0.35, 0.30, 0.17, 0.12, 0.06),
    "housing": (0.05, 0.15, 0.30, 0.32, 0.18),
    "council": (0.02, 0.10, 0.30, 0.33, 0.25),
}
_PERP_BASE_RATE = {"police": 0.0185, "housing": 0.0405, "council": 0.022}
_SEASON_EXPONENT = {"police": 1.0, "housing": 0.5, "council": 0.7}
#: Spread (sd of the log) of the hidden, lasting propensity to offend: some people offend
#: more than others year after year, which is why prior offending predicts reoffending.
_PROPENSITY_SIGMA = 0.45
#: Offending comes in bursts (a self-exciting, Hawkes-like process in monthly steps): each
#: incident adds this much to the person's rate in the next month, and the addition shrinks by
#: the decay factor every month after (about a two-month half-life). Each incident leads on
#: average to 0.25 / (1 - 0.7) = 0.83 more before interventions: persistent offending.
_EXCITATION = 0.25
_EXCITATION_DECAY = 0.7

# Native Risk Assessment Matrix layout: question key -> (column, {configured answer: native}).
_RAM_NATIVE: dict[str, tuple[str, dict[str, str]]] = {
    "q_frequency": ("Q1 How often problems", {
        "daily": "Daily", "most days": "Most days", "most weeks": "Most weeks",
        "most months": "Most months", "only occasionally": "Only occasionally"}),
    "q_linked": ("Q2 Linked to previous", {"yes": "Yes", "no": "No"}),
    "q_worsening": ("Q3 More often or worse", {"yes": "Yes", "no": "No"}),
    "q_know_offender": ("Q4 Know offender", {
        "know each other well": "They know each other well",
        "known to each other": "They are known to each other",
        "do not know each other": "They do not know each other"}),
    "q_harassment_history": ("Q5 Perpetrator harassment history", {
        "currently harassing you": "Currently harassing complainant",
        "harassed you in the past": "Harassed complainant in past",
        "history of harassing others": "History of harassing others",
        "none": "No history"}),
    "q_agencies_informed": ("Q6 Other agencies informed", {"yes": "Yes", "no": "No"}),
    "q_targeted": ("Q7 Who targeted", {
        "you": "Complainant", "your family": "Complainant's family",
        "your community": "Community", "none": "None"}),
    "q_hate": ("Q8 Hate motivated", {"yes": "Yes", "no": "No"}),
    "q_other_risk": ("Q9 Other household risk", {"yes": "Yes", "no": "No"}),
    "q_affected": ("Q10 How affected", {
        "not at all": "Not at all", "a little": "Affected a little",
        "moderately": "Moderately affected", "a lot": "Affected a lot",
        "extremely": "Extremely affected"}),
    "q_health": ("Q11 Health affected", {
        "physical": "Physical health", "mental": "Mental health",
        "physical; mental": "Physical and mental health", "none": "None"}),
    "q_professional_support": ("Q12 Professional support", {"yes": "Yes", "no": "No"}),
    "q_support_network": ("Q13 Support network", {
        "lives alone and isolated": "Lives alone and isolated",
        "isolated from support": "Isolated from support",
        "a few people": "A few people to draw on", "close network": "Close network"}),
    "q_others_affected": ("Q14 Others affected", {
        "family": "Family", "local community": "Local community", "other": "Other",
        "family; local community": "Family and local community",
        "family; other": "Family and other",
        "local community; other": "Local community and other",
        "family; local community; other": "Family, local community and other",
        "none": "None"}),
}
_OVERRIDE_REASONS = (
    "Officer judgement – complainant disclosed thoughts of self-harm",
    "Officer judgement – children in household affected",
    "Officer judgement – perpetrator has history of violence",
    "Officer judgement – complainant too frightened to leave home",
)
_CLOSURE_REASONS = (("Resolved", 45), ("No further action", 25), ("Insufficient evidence", 15),
                    ("Complainant withdrew", 10), ("Tenancy ended", 5))

# Calendar: approximate Teesside school holidays and England bank holidays, 2021-2022.
_SCHOOL_HOLIDAYS = (
    ("2021-02-15", "2021-02-19"), ("2021-03-29", "2021-04-09"), ("2021-05-31", "2021-06-04"),
    ("2021-07-21", "2021-09-02"), ("2021-10-25", "2021-10-29"), ("2021-12-20", "2022-01-03"),
    ("2022-02-21", "2022-02-25"), ("2022-04-11", "2022-04-22"), ("2022-05-30", "2022-06-03"),
    ("2022-07-21", "2022-09-02"), ("2022-10-24", "2022-10-28"), ("2022-12-19", "2022-12-31"),
)
_BANK_HOLIDAYS = (
    "2021-01-01", "2021-04-02", "2021-04-05", "2021-05-03", "2021-05-31", "2021-08-30",
    "2021-12-27", "2021-12-28", "2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02",
    "2022-06-02", "2022-06-03", "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27",
)
_SEASON = (0.82, 0.80, 0.92, 1.02, 1.10, 1.14, 1.18, 1.16, 1.00, 1.02, 0.98, 0.86)
_DOW = (0.85, 0.85, 0.9, 0.95, 1.2, 1.35, 1.05)
_SPECIAL_DAYS = {(10, 31): 2.8, (11, 5): 3.2, (11, 4): 1.6, (11, 6): 1.6, (12, 31): 1.6,
                 (1, 1): 1.4}
_HOURS = {
    "evening": (3, 2, 1.5, 1, .5, .3, .3, .5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 7.5, 8.5, 9, 9,
                8.5, 7, 5),
    "night": (6, 5, 3, 1.5, .5, .3, .3, .3, .5, .8, 1, 1.2, 1.5, 1.5, 1.5, 2, 2.5, 3, 3.5, 4.5,
              5.5, 7, 8, 8),
    "day": (.3, .2, .1, .1, .1, .2, .5, 1.5, 3.5, 5, 5.5, 5.5, 5, 5, 5, 4.5, 4, 3.5, 2.5, 2,
            1.5, 1, .7, .5),
}

# Designed repeat-victim storylines: (label, area, tenant, vulnerable, anchor date, items).
# Each item: (days after anchor, agencies reporting it, days from behaviour to first report,
# kind, hate). Agencies listed together report the same incident within 24 hours.
_STORYLINES: tuple[tuple[str, str, bool, bool, str, tuple[tuple[Any, ...], ...]], ...] = (
    ("three or more, three agencies", "E06000002", True, True, "2022-01-20", (
        (0, ("police", "housing"), 0, "harassment", False),
        (18, ("housing",), 1, "threats", False),
        (33, ("council",), 2, "graffiti", False),
        (47, ("police",), 0, "harassment", False))),
    ("three or more, police and council", "E06000004", False, False, "2022-07-05", (
        (0, ("council",), 1, "noise", False),
        (12, ("police",), 0, "rowdy", False),
        (30, ("council", "police"), 0, "noise", False),
        (61, ("council",), 2, "noise", False))),
    ("three or more, housing and police", "E06000001", True, False, "2022-04-12", (
        (0, ("police",), 0, "threats", False),
        (9, ("housing", "council"), 1, "noise", False),
        (26, ("housing",), 3, "drugs", False),
        (44, ("police", "housing"), 0, "harassment", False))),
    ("three or more, vulnerable", "E06000003", True, True, "2022-09-14", (
        (0, ("housing",), 2, "neighbour", False),
        (15, ("police", "housing"), 0, "threats", False),
        (29, ("council",), 1, "garden", False),
        (40, ("police",), 0, "harassment", False))),
    ("exactly two", "E06000002", False, False, "2022-05-03", (
        (0, ("police",), 0, "rowdy", False),
        (16, ("council",), 2, "noise", False))),
    ("exactly two, both reported twice", "E06000004", True, False, "2022-08-10", (
        (0, ("police", "housing"), 0, "threats", False),
        (21, ("council", "police"), 0, "noise", False))),
    ("exactly two", "E06000003", False, True, "2022-10-20", (
        (0, ("council",), 1, "flytip", False),
        (25, ("police",), 0, "harassment", False))),
    ("third report late", "E06000001", True, False, "2022-06-20", (
        (0, ("police",), 0, "threats", False),
        (12, ("housing",), 1, "neighbour", False),
        (30, ("housing",), 52, "harassment", False))),
    ("third report late", "E06000002", False, True, "2022-09-01", (
        (0, ("council",), 1, "noise", False),
        (20, ("police",), 0, "rowdy", False),
        (35, ("council",), 45, "noise", False))),
    ("hate incident", "E06000002", True, False, "2022-11-08", (
        (0, ("police", "housing"), 0, "harassment", True),)),
    ("three reports spread over a year", "E06000004", False, False, "2022-01-10", (
        (0, ("police",), 0, "rowdy", False),
        (125, ("council",), 1, "noise", False),
        (250, ("police",), 0, "threats", False))),
)
# Distinct people who share a name (must never be linked).
_NAME_TWINS = (("John", "Smith", "M", "white"), ("Sarah", "Thompson", "F", "white"),
               ("Mohammed", "Hussain", "M", "south_asian"))


# ============================================================================================
# Small helpers


def _weighted(rng: np.random.Generator, items: tuple[tuple[Any, float], ...] | list) -> Any:
    """Pick one item from ``(item, weight)`` pairs."""
    weights = np.array([w for _, w in items], dtype=float)
    return items[int(rng.choice(len(items), p=weights / weights.sum()))][0]


def _pick(rng: np.random.Generator, seq: Any) -> Any:
    return seq[int(rng.integers(len(seq)))]


def _jitter(rng: np.random.Generator, x: float, y: float, lo: float = 5.0,
            hi: float = 60.0) -> tuple[float, float]:
    r = rng.uniform(lo, hi)
    a = rng.uniform(0.0, 2 * math.pi)
    return x + r * math.cos(a), y + r * math.sin(a)


def _uk(dt: datetime | None) -> str:
    return dt.strftime("%d/%m/%Y %H:%M") if dt else ""


def _ukd(d: date | datetime | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def _iso(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M") if dt else ""


def _isod(d: date | datetime | None) -> str:
    return d.strftime("%Y-%m-%d") if d else ""


def _month_index(d: date | datetime) -> int:
    return (d.year - PERIOD_START.year) * 12 + d.month - 1


def _month_start(m: int) -> date:
    return date(PERIOD_START.year + m // 12, m % 12 + 1, 1)


def _yes(flag: bool) -> str:
    return "Y" if flag else "N"


def _typo(rng: np.random.Generator, word: str) -> str:
    """Return ``word`` with one plausible keying error (never the same string)."""
    letters = [i for i, c in enumerate(word) if c.isalpha() and c.isascii()]
    for _ in range(10):
        op = int(rng.integers(4))
        i = _pick(rng, letters[1:]) if len(letters) > 1 else letters[0]
        c = word[i]
        if op == 0 and c.lower() in _KEYBOARD:
            sub = _pick(rng, _KEYBOARD[c.lower()])
            out = word[:i] + (sub.upper() if c.isupper() else sub) + word[i + 1:]
        elif op == 1 and i + 1 < len(word) and word[i + 1].isalpha():
            out = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        elif op == 2 and len(word) > 3:
            out = word[:i] + word[i + 1:]
        else:
            out = word[:i] + c + word[i:]
        if out != word:
            return out
    return word + "e"


def _dob_digit_typo(rng: np.random.Generator, dob: date) -> date:
    """A date of birth with one digit of its dd/mm/yyyy form mistyped."""
    for _ in range(20):
        which = int(rng.integers(3))
        try:
            if which == 0:
                day = dob.day + _pick(rng, (-1, 1, 10, -10))
                out = dob.replace(day=day)
            elif which == 1:
                out = dob.replace(year=dob.year + _pick(rng, (-1, 1)))
            else:
                out = dob.replace(year=dob.year + _pick(rng, (-10, 10)))
        except ValueError:
            continue
        if out != dob and out.year < 2015:
            return out
    return dob + timedelta(days=1)


# ============================================================================================
# Geography


@dataclass
class _Geo:
    """Real places: police.uk ASB snap points, LSOAs, wards (all in British National Grid)."""

    points: pd.DataFrame  # lsoa, lad, x, y, weight, street
    lsoas: pd.DataFrame  # index lsoa: lad, name, pop, imd_decile, district, town
    polygons: dict[str, Any]
    ward_tree: STRtree
    ward_label: list[str]
    points_by_lsoa: dict[str, np.ndarray]
    points_by_lad: dict[str, np.ndarray]


def _read_features(path: Path, code_key: str, name_key: str | None) -> list[tuple[str, str, Any]]:
    if not path.is_file():
        raise FileProblem(str(path), "area boundary file is missing; the sample generator needs "
                                     "the files shipped in data/sample/areas")
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for feat in data["features"]:
        geom = shape(feat["geometry"])
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        geom = shapely.transform(geom, lambda xy: np.column_stack(_TO_BNG.transform(xy[:, 0],
                                                                                    xy[:, 1])))
        props = feat["properties"]
        out.append((props[code_key], props.get(name_key, "") if name_key else "", geom))
    return out


def _load_geography(data_dir: Path) -> _Geo:
    areas_dir = data_dir / "areas"
    police_files = sorted((data_dir / "police-uk").glob("*.csv"))
    if not police_files:
        raise FileProblem(str(data_dir / "police-uk"),
                          "no police.uk CSV files found; the sample generator places incidents "
                          "on their anonymous map points")
    lookup = pd.read_csv(areas_dir / "lsoa11_to_lad_police_force.csv", dtype=str,
                         keep_default_na=False)
    lookup = lookup[lookup["Local authority code"].isin(AREAS)]
    lsoa_lad = dict(zip(lookup["LSOA Code"], lookup["Local authority code"], strict=True))
    pop = pd.read_csv(areas_dir / "census2011_population_by_lsoa11.csv", dtype=str,
                      keep_default_na=False, header=0)
    pop_by = {row.iloc[6]: int(str(row.iloc[9]).replace(",", "") or 0)
              for _, row in pop.iterrows()}
    imd = pd.read_csv(areas_dir / "imd2019_by_lsoa11.csv", dtype=str, keep_default_na=False)
    imd_by = dict(zip(imd["lsoa11cd"], imd["IMDDecil"].astype(int), strict=True))

    polygons: dict[str, Any] = {}
    names: dict[str, str] = {}
    for lad in AREAS:
        for code, name, geom in _read_features(areas_dir / "lsoa-2011" / f"{lad}.json",
                                               "LSOA11CD", "LSOA11NM"):
            polygons[code] = geom
            names[code] = name
    ward_geoms, ward_label = [], []
    for lad in AREAS:
        wards = _read_features(areas_dir / "wards-2013" / f"{lad}.json", "WD13CD", "WD13NM")
        for i, (_code, name, geom) in enumerate(sorted(wards, key=lambda w: w[1])):
            ward_geoms.append(geom)
            ward_label.append(f"{_BEAT_PREFIX[lad]}{i + 1:02d} {name}")

    frames = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in police_files]
    asb = pd.concat(frames, ignore_index=True)
    asb = asb[(asb["Crime type"] == "Anti-social behaviour") & (asb["Longitude"] != "")
              & asb["LSOA code"].isin(polygons)]
    pts = (asb.groupby(["LSOA code", "Longitude", "Latitude", "Location"]).size()
           .reset_index(name="weight").sort_values(["LSOA code", "Longitude", "Latitude",
                                                    "Location"]).reset_index(drop=True))
    x, y = _TO_BNG.transform(pts["Longitude"].astype(float).to_numpy(),
                             pts["Latitude"].astype(float).to_numpy())
    points = pd.DataFrame({
        "lsoa": pts["LSOA code"], "lad": pts["LSOA code"].map(lsoa_lad), "x": x, "y": y,
        "weight": pts["weight"].astype(float),
        "street": pts["Location"].str.replace("On or near", "", regex=False).str.strip(),
    })

    rows = []
    for code in sorted(polygons):
        rows.append({"lsoa": code, "lad": lsoa_lad.get(code, ""), "name": names[code],
                     "pop": pop_by.get(code, 1500), "imd": imd_by.get(code, 5),
                     "cx": polygons[code].centroid.x, "cy": polygons[code].centroid.y})
    lsoas = pd.DataFrame(rows).set_index("lsoa")
    # Postcode districts: split each area's LSOAs, north to south, into its districts.
    lsoas["district"] = ""
    lsoas["town"] = ""
    for lad, districts in _DISTRICTS.items():
        codes = lsoas[lsoas["lad"] == lad].sort_values(["cy", "cx"], ascending=[False, True])
        chunks = np.array_split(np.array(codes.index), len(districts))
        for (district, town), chunk in zip(districts, chunks, strict=True):
            lsoas.loc[list(chunk), "district"] = district
            lsoas.loc[list(chunk), "town"] = town
    by_lsoa = {k: np.asarray(v.index) for k, v in points.groupby("lsoa")}
    by_lad = {k: np.asarray(v.index) for k, v in points.groupby("lad")}
    return _Geo(points, lsoas, polygons, STRtree(ward_geoms), ward_label, by_lsoa, by_lad)


def _beats(geo: _Geo, xs: np.ndarray, ys: np.ndarray) -> list[str]:
    """The police beat (ward) of each point; the nearest ward when outside them all."""
    pts = shapely.points(xs, ys)
    nearest = geo.ward_tree.query_nearest(pts, all_matches=False)
    out = [""] * len(xs)
    for i, w in zip(nearest[0], nearest[1], strict=True):
        out[int(i)] = geo.ward_label[int(w)]
    return out


# ============================================================================================
# The synthetic world


@dataclass(eq=False)
class _Street:
    name: str
    abbrev: str
    lad: str
    lsoa: str
    town: str
    district: str
    sector: int
    x: float
    y: float
    block: bool
    tvh: bool
    numbers: dict[int, int] = field(default_factory=dict)
    units: dict[int, str] = field(default_factory=dict)


@dataclass(eq=False)
class _Home:
    street: _Street
    number: int | None
    flat: int | None
    x: float
    y: float
    uprn: str
    postcode: str

    def line(self, *, abbreviate: bool = False, drop_flat: bool = False) -> str:
        name = self.street.abbrev if abbreviate else self.street.name
        if self.number is None:
            return name if drop_flat else f"Flat {self.flat}, {name}"
        text = f"{self.number} {name}"
        if self.flat and not drop_flat:
            text = f"Flat {self.flat}, {text}"
        return text


@dataclass(eq=False)
class _Person:
    pid: str
    group: str
    sex: str
    first: str
    nicks: tuple[str, ...]
    last: str
    dob: date
    ethnicity: str
    home: _Home
    vulnerable: bool
    isolated: bool
    force_variation: bool = False

    @property
    def tenant(self) -> bool:
        return self.home.street.tvh


@dataclass(eq=False)
class _Event:
    """One real-world ASB incident."""

    eid: str
    start: datetime
    end: datetime | None
    kind: str
    hate: bool
    x: float
    y: float
    lsoa: str
    lad: str
    place: str  # police Location text
    home: _Home | None
    perps: list[_Person] = field(default_factory=list)
    victims: list[_Person] = field(default_factory=list)


@dataclass(eq=False)
class _Report:
    """One agency's record of an event."""

    system: str  # police / housing / council
    agency: str
    event: _Event
    reported_at: datetime
    parties: list[tuple[_Person, str]]
    seq: int
    occ_from: datetime | None = None
    occ_to: datetime | None = None
    date_only: bool = False
    result: str = ""
    description: str = ""
    address: str = ""
    postcode: str = ""
    uprn: str = ""
    x: float | None = None
    y: float | None = None
    case_key: str = ""
    case_ref: str = ""
    source_ref: str = ""
    dup_group: int = 0
    hcat: str = ""
    hsub: str = ""

    @property
    def kind(self) -> dict[str, Any]:
        return _KINDS[self.event.kind]


@dataclass(eq=False)
class _Intervention:
    perp: _Person
    system: str
    native: str
    action: str
    when: date
    effective: bool
    multiplier: float
    trigger: _Report


@dataclass(eq=False)
class _Perp:
    person: _Person
    domain: str
    style: str
    age_band: str
    age_mult: float
    propensity: float
    base_rate: float
    victims: list[_Person] = field(default_factory=list)
    haunts: list[int] = field(default_factory=list)
    interventions: list[_Intervention] = field(default_factory=list)
    monthly_rate: list[float] = field(default_factory=list)
    monthly_count: list[int] = field(default_factory=list)
    #: The self-excitation part of each month's rate (before interventions), from the
    #: incidents of the months before it.
    monthly_excitation: list[float] = field(default_factory=list)
    mutual: bool = False
    known: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rung: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    last_step: dict[str, date] = field(default_factory=dict)


@dataclass(eq=False)
class _Case:
    key: str
    perp: _Person | None
    reports: list[_Report]
    ref: str = ""
    opened: date | None = None
    closed: date | None = None
    reason: str = ""
    satisfaction: str = ""
    first_contact: date | None = None
    ram_score: str = ""
    ram_band: str = ""


class _World:
    """Everything generated for one seed, built in a fixed order."""

    def __init__(self, rng: np.random.Generator, geo: _Geo, config: dict[str, Any]) -> None:
        self.rng = rng
        self.geo = geo
        self.config = config
        self.persons: list[_Person] = []
        self.events: list[_Event] = []
        self.reports: list[_Report] = []
        self.perps: list[_Perp] = []
        self.streets: dict[str, list[_Street]] = {}
        self._name_pool: dict[str, list[tuple[str, int]]] = {}
        self._name_pos: dict[str, int] = {}
        self.perp_by_pid: dict[str, _Perp] = {}
        self.uprns: set[int] = set()
        self.dup_groups = 0
        self._daily = self._daily_weights()
        ls = geo.lsoas
        self._ls_codes = np.array(ls.index, dtype=object)
        self._ls_lad = ls["lad"].to_numpy(dtype=object)
        self._ls_pop = ls["pop"].to_numpy(dtype=float)
        self._ls_imd = ls["imd"].to_numpy(dtype=float)
        heat = geo.points.groupby("lsoa")["weight"].sum()
        self._ls_heat = np.array([float(heat.get(c, 0.5)) for c in ls.index])
        self._px = geo.points["x"].to_numpy()
        self._py = geo.points["y"].to_numpy()
        self._pw = geo.points["weight"].to_numpy()
        self._plsoa = geo.points["lsoa"].tolist()
        self._plad = geo.points["lad"].tolist()
        self._pstreet = geo.points["street"].tolist()
        self._town = ls["town"].to_dict()
        self._holiday = self._holiday_flags()
        self._frequent_police: dict[str, list[_Person]] = {}
        self._frequent_council: dict[str, list[_Person]] = {}
        self.storyline_of: dict[str, str] = {}

    # ---------------------------------------------------------------- calendar
    def _holiday_flags(self) -> np.ndarray:
        flags = np.zeros(_DAYS, dtype=bool)
        for a, b in _SCHOOL_HOLIDAYS:
            i = (date.fromisoformat(a) - PERIOD_START).days
            j = (date.fromisoformat(b) - PERIOD_START).days
            flags[max(i, 0):j + 1] = True
        return flags

    def _daily_weights(self) -> np.ndarray:
        w = np.empty(_DAYS)
        banks = {date.fromisoformat(d) for d in _BANK_HOLIDAYS}
        holidays = self._holiday_flags()
        for i in range(_DAYS):
            d = PERIOD_START + timedelta(days=i)
            v = _DOW[d.weekday()] * _SEASON[d.month - 1]
            if holidays[i]:
                v *= 1.15
            if d in banks:
                v *= 1.2
            v *= _SPECIAL_DAYS.get((d.month, d.day), 1.0)
            w[i] = v
        return w / w.mean()

    def _time_on(self, day: int, profile: str) -> datetime:
        d = PERIOD_START + timedelta(days=day)
        hw = np.array(_HOURS[profile], dtype=float)
        if d.weekday() in (5, 6):
            hw[:4] *= 2.2
        if d.weekday() in (4, 5):
            hw[20:] *= 1.3
        hour = int(self.rng.choice(24, p=hw / hw.sum()))
        return datetime(d.year, d.month, d.day, hour, int(self.rng.integers(60)))

    # ---------------------------------------------------------------- places
    def build_streets(self) -> None:
        rng = self.rng
        sw = np.array(_SUFFIX_WEIGHTS, dtype=float)
        for lad in AREAS:
            stems = list(_STREET_STEMS_LOCAL[lad]) + list(_STREET_STEMS_COMMON)
            combos = [(s, suf) for s in stems for suf in range(len(_SUFFIXES))]
            # Common suffixes first (weighted random order), each name used once per area.
            keys = sw[[c[1] for c in combos]] * rng.uniform(0.2, 1.0, len(combos))
            self._name_pool[lad] = [combos[k] for k in np.argsort(-keys, kind="stable")]
            self._name_pos[lad] = 0
        for code, row in self.geo.lsoas.iterrows():
            n = int(np.clip(round(row["pop"] / 350), 3, 7))
            self.streets[str(code)] = []
            for _ in range(n):
                self._make_street(str(code))

    def _make_street(self, code: str) -> _Street:
        rng = self.rng
        row = self.geo.lsoas.loc[code]
        lad = str(row["lad"])
        stem, suf = self._name_pool[lad][self._name_pos[lad]]
        self._name_pos[lad] += 1
        full, abbr = _SUFFIXES[suf]
        pts = self.geo.points_by_lsoa.get(code)
        if pts is not None and len(pts):
            w = self._pw[pts]
            p = int(rng.choice(pts, p=w / w.sum()))
            x, y = float(self._px[p]), float(self._py[p])
        else:
            x, y = self._random_in_lsoa(code)
        tvh_p = 0.45 if row["imd"] <= 4 else 0.08
        street = _Street(
            name=f"{stem} {full}", abbrev=f"{stem} {abbr}", lad=lad, lsoa=code,
            town=str(row["town"]), district=str(row["district"]),
            sector=int(rng.integers(1, 10)), x=x, y=y, block=full in ("Court", "House"),
            tvh=bool(rng.random() < tvh_p))
        self.streets[code].append(street)
        return street

    def _random_in_lsoa(self, code: str) -> tuple[float, float]:
        poly = self.geo.polygons[code]
        minx, miny, maxx, maxy = poly.bounds
        for _ in range(50):
            xs = self.rng.uniform(minx, maxx, 16)
            ys = self.rng.uniform(miny, maxy, 16)
            inside = np.flatnonzero(shapely.contains_xy(poly, xs, ys))
            if len(inside):
                return float(xs[inside[0]]), float(ys[inside[0]])
        c = poly.representative_point()
        return float(c.x), float(c.y)

    def _new_uprn(self) -> str:
        while True:
            n = int(self.rng.integers(10_000_000, 99_999_999))
            if n not in self.uprns:
                self.uprns.add(n)
                return f"9000{n:08d}"

    def new_home(self, street: _Street, near: _Home | None = None) -> _Home:
        rng = self.rng
        top = 48 if street.block else 140
        if len(street.numbers) >= top * 0.7:
            # Full: the person lives on another street of the same LSOA (tenure kept).
            same = [s for s in self.streets[street.lsoa]
                    if s.tvh == street.tvh and len(s.numbers) < (48 if s.block else 140) * 0.7]
            street = _pick(rng, same) if same else self._make_street(street.lsoa)
            top = 48 if street.block else 140
            near = None
        number: int | None = None
        flat: int | None = None
        if street.block:
            if near is not None and near.flat is not None:
                flat = near.flat + _pick(rng, (-2, -1, 1, 2, 10))
            while flat is None or flat < 1 or flat in street.numbers:
                flat = int(rng.integers(1, top))
            street.numbers[flat] = 1
            seg = flat // 24
        else:
            if near is not None and near.number is not None:
                number = near.number + _pick(rng, (-2, -1, 1, 2, 3))
            while number is None or number < 1 or number in street.numbers:
                number = int(rng.integers(1, top))
            street.numbers[number] = 1
            flat = int(rng.integers(1, 4)) if rng.random() < 0.08 else None
            seg = number // 30
        if seg not in street.units:
            street.units[seg] = "".join(_pick(rng, _UNIT_LETTERS) for _ in range(2))
        x, y = _jitter(rng, street.x, street.y, 5, 60)
        return _Home(street, number, flat, x, y, self._new_uprn(),
                     f"{street.district} {street.sector}{street.units[seg]}")

    def _street_in(self, lsoa: str, *, tvh: bool | None = None) -> _Street:
        streets = self.streets[lsoa]
        if tvh is not None:
            chosen = [s for s in streets if s.tvh == tvh]
            if chosen:
                streets = chosen
        return _pick(self.rng, streets)

    def _lsoa_for(self, lad: str | None = None, *, deprived: float = 1.0,
                  hot: bool = False, tvh: bool = False) -> str:
        """An LSOA weighted by population and deprivation (and ASB heat, or social housing)."""
        w = self._ls_pop * (11 - self._ls_imd) ** deprived
        if lad is not None:
            w = w * (self._ls_lad == lad)
        if hot:
            w = w * self._ls_heat
        if tvh:
            w = w * np.array([any(s.tvh for s in self.streets[c]) for c in self._ls_codes])
        return str(self._ls_codes[int(self.rng.choice(len(w), p=w / w.sum()))])

    # ---------------------------------------------------------------- people
    def new_person(self, home: _Home, *, age: tuple[int, int] = (18, 85),
                   sex: str | None = None, group: str | None = None,
                   names: tuple[str, str] | None = None, vulnerable: float = 0.12) -> _Person:
        rng = self.rng
        lad = home.street.lad
        if group is None:
            shares = _GROUP_SHARE.get(lad, _GROUP_SHARE["other"])
            group = _weighted(rng, tuple(shares.items()))
        sex = sex or ("F" if rng.random() < 0.52 else "M")
        if names is None:
            firsts = _FIRST[(group, sex)]
            entry = _weighted(rng, tuple((f, _FIRST_WEIGHT.get(f, 1)) for f in firsts))
            surnames = tuple((s.split("*")[0], int(s.split("*")[1]) if "*" in s else 1)
                             for s in _SURNAMES[group])
            last = _weighted(rng, surnames)
        else:
            match = [f for f in _FIRST[(group, sex)] if f.split(":")[0] == names[0]]
            entry = match[0] if match else names[0]
            last = names[1]
        first, _, nick = entry.partition(":")
        nicks = tuple(nick.split("/")) if nick else ()
        a = rng.uniform(age[0], age[1] + 1)
        dob = PERIOD_START - timedelta(days=int(a * 365.25))
        person = _Person(
            pid=f"P{len(self.persons) + 1:06d}", group=group, sex=sex, first=first, nicks=nicks,
            last=last, dob=dob, ethnicity=_weighted(rng, _ETHNICITY[group]), home=home,
            vulnerable=bool(rng.random() < vulnerable), isolated=bool(rng.random() < 0.15))
        if person.vulnerable and rng.random() < 0.5:
            person.isolated = True
        self.persons.append(person)
        return person

    def local_person(self, lsoa: str, **kw: Any) -> _Person:
        return self.new_person(self.new_home(self._street_in(lsoa)), **kw)

    def neighbour_of(self, person: _Person, **kw: Any) -> _Person:
        return self.new_person(self.new_home(person.home.street, near=person.home), **kw)

    # ---------------------------------------------------------------- events and reports
    def new_event(self, start: datetime, kind: str, *, home: _Home | None = None,
                  point: int | None = None, spot: tuple[float, float, str, str] | None = None,
                  hate: bool = False, window: bool = True) -> _Event:
        """A real incident at a home, near a police.uk map point, or at ``spot`` (x, y, LSOA,
        street text)."""
        geo = self.geo
        if home is not None:
            x, y = home.x, home.y
            lsoa, lad = home.street.lsoa, home.street.lad
            place = f"{home.line()}, {home.street.town}"
        elif spot is not None:
            x, y, lsoa, street_text = spot
            lad = str(geo.lsoas.at[lsoa, "lad"])
            place = f"Near {street_text}, {self._town[lsoa]}"
        else:
            assert point is not None
            x, y = _jitter(self.rng, float(self._px[point]), float(self._py[point]))
            lsoa, lad = self._plsoa[point], self._plad[point]
            town = self._town[lsoa]
            street = self._pstreet[point]
            place = f"Near {street}, {town}" if street else f"{town} (no street given)"
        end = None
        if window and _KINDS[kind].get("window") and self.rng.random() < 0.6:
            # Not seen happening: a window from the evening before to the morning found.
            found = start.replace(hour=int(self.rng.integers(6, 10)),
                                  minute=int(self.rng.integers(60)))
            if found <= start:
                found += timedelta(days=1)
            start, end = found - timedelta(hours=float(self.rng.uniform(8, 14))), found
        ev = _Event(f"E{len(self.events) + 1:06d}", start, end, kind, hate, x, y, lsoa, lad,
                    place, home)
        self.events.append(ev)
        return ev

    def _add(self, report: _Report) -> _Report:
        self.reports.append(report)
        return report

    def police_report(self, ev: _Event, parties: list[tuple[_Person, str]],
                      at: datetime | None = None) -> _Report:
        rng = self.rng
        if at is None:
            base = ev.end or ev.start
            at = base + timedelta(minutes=float(rng.exponential(25)) + 2)
        k = _KINDS[ev.kind]
        occ_from: datetime | None = ev.start
        occ_to: datetime | None = ev.end
        if occ_to is None and rng.random() < 0.45:
            occ_to = occ_from
        if rng.random() < 0.02 and ev.end is None:
            occ_from = occ_to = None
        result = _weighted(rng, _POLICE_RESULTS[k["code"]])
        located = rng.random() > 0.01
        return self._add(_Report(
            "police", POLICE_AGENCY, ev, at, parties, len(self.reports), occ_from=occ_from,
            occ_to=occ_to, result=result, address=ev.place, x=ev.x if located else None,
            y=ev.y if located else None))

    def housing_report(self, ev: _Event, parties: list[tuple[_Person, str]], at: datetime,
                       case_key: str, hcat: str | None = None) -> _Report:
        k = _KINDS[ev.kind]
        hcat = hcat or k.get("hcat") or "Noise"
        home = parties[0][0].home
        return self._add(_Report(
            "housing", HOUSING_AGENCY, ev, at, parties, len(self.reports), occ_from=ev.start,
            date_only=True, address=f"{home.line()}, {home.street.town}",
            postcode=home.postcode, uprn=home.uprn, case_key=case_key, hcat=hcat,
            hsub=_pick(self.rng, _HOUSING_SUBCATEGORY[hcat])))

    def council_report(self, ev: _Event, parties: list[tuple[_Person, str]], at: datetime,
                       case_key: str = "") -> _Report:
        rng = self.rng
        sub = _KINDS[ev.kind]["council"] or "noise"
        desc = _pick(rng, _COUNCIL_DESCRIPTIONS[sub])
        if ev.hate and sub == "graffiti":
            desc = _HATE_GRAFFITI
        if ev.home is not None:
            address = ev.home.line()
            postcode, uprn = ev.home.postcode, ev.home.uprn
        else:
            address = ev.place.removeprefix("Near ")
            if sub in ("fly-tipping", "littering"):
                address = f"Back lane off {address}" if not address.endswith(")") else address
            postcode, uprn = "", ""
        date_only = bool(_KINDS[ev.kind].get("window")) or sub in ("dog fouling", "untidy land")
        occ_to = None
        if ev.end is not None and sub != "fly-tipping":
            occ_to = ev.end
        return self._add(_Report(
            "council", COUNCILS[ev.lad], ev, at, parties, len(self.reports), occ_from=ev.start,
            occ_to=occ_to, date_only=date_only, description=desc, address=address,
            postcode=postcode, uprn=uprn, x=ev.x, y=ev.y, case_key=case_key))

    def office_time(self, earliest: datetime, delay_days: int, *, online: float = 0.3) -> datetime:
        """When a report made ``delay_days`` after ``earliest`` reaches an office."""
        rng = self.rng
        d = (earliest + timedelta(days=delay_days)).date()
        if d.weekday() >= 5 and rng.random() > online:
            d += timedelta(days=7 - d.weekday())
        minutes = int(rng.integers(8 * 60 + 30, 17 * 60 + 30))
        at = datetime(d.year, d.month, d.day) + timedelta(minutes=minutes)
        if at <= earliest:
            at = earliest + timedelta(minutes=int(rng.integers(20, 180)))
        return at

    def report_delay(self) -> int:
        """Days from the behaviour to a housing or council report (late ones clearly late)."""
        r = self.rng.random()
        if r < 0.80:
            return int(self.rng.integers(0, 4))
        if r < 0.93:
            return int(self.rng.integers(4, 21))
        return int(self.rng.integers(40, 101))

    def new_dup_group(self) -> int:
        self.dup_groups += 1
        return self.dup_groups

    # ---------------------------------------------------------------- perpetrators
    def _perp_home(self, domain: str) -> _Home:
        if domain == "housing":
            lsoa = self._lsoa_for(deprived=1.2, tvh=True)
            return self.new_home(self._street_in(lsoa, tvh=True))
        if domain == "police":
            lsoa = self._lsoa_for(deprived=1.0, hot=True)
            return self.new_home(self._street_in(lsoa))
        lsoa = self._lsoa_for(deprived=0.5)
        return self.new_home(self._street_in(lsoa, tvh=False))

    def make_perp(self, domain: str, *, home: _Home | None = None,
                  propensity: float | None = None) -> _Perp:
        rng = self.rng
        band_i = int(rng.choice(5, p=np.array(_PERP_AGE_SHARE[domain])))
        band, lo, hi, mult = _AGE_BANDS[band_i]
        home = home or self._perp_home(domain)
        person = self.new_person(home, age=(lo, hi), sex="M" if rng.random() < 0.68 else "F",
                                 vulnerable=0.08)
        prop = (float(rng.lognormal(0.0, _PROPENSITY_SIGMA)) if propensity is None
                else propensity)
        if domain == "police":
            style = _weighted(rng, (("youth", 45), ("street", 25), ("driver", 12),
                                    ("harasser", 18)))
        elif domain == "housing":
            style = _weighted(rng, (("Noise", 45), ("Verbal abuse", 14), ("Harassment", 12),
                                    ("Drugs", 10), ("Pets/animals", 9), ("Garden nuisance", 7),
                                    ("Rubbish dumping", 3)))
        else:
            style = _weighted(rng, (("noise", 75), ("flytip", 25)))
        perp = _Perp(person, domain, style, band, mult, prop,
                     _PERP_BASE_RATE[domain] * prop * mult)
        if domain == "housing" or (domain == "council" and style == "noise"):
            tvh = domain == "housing"
            for _ in range(int(rng.choice((1, 2, 3), p=(0.5, 0.35, 0.15)))):
                v = self.neighbour_of(person, vulnerable=0.2)
                if v.tenant != tvh and domain == "housing":
                    continue
                perp.victims.append(v)
            if not perp.victims:
                perp.victims.append(self.neighbour_of(person, vulnerable=0.2))
        if domain == "police":
            if style == "harasser":
                perp.victims.append(self.local_person(home.street.lsoa, vulnerable=0.25))
            perp.haunts = self._haunts(home)
        return perp

    def _haunts(self, home: _Home) -> list[int]:
        pts = self.geo.points_by_lad[home.street.lad]
        d = np.hypot(self._px[pts] - home.x, self._py[pts] - home.y)
        w = self._pw[pts] * np.exp(-d / 700.0) + 1e-12
        k = int(self.rng.integers(1, 4))
        chosen = self.rng.choice(pts, size=min(k, len(pts)), replace=False, p=w / w.sum())
        return [int(c) for c in chosen]

    def _month_days(self, m: int, n: int, youth: bool, last: date | None) -> list[date]:
        start = (_month_start(m) - PERIOD_START).days
        end = (_month_start(m + 1) - PERIOD_START).days if m + 1 < _MONTHS else _DAYS
        idx = np.arange(start, end)
        w = self._daily[idx] * np.where(self._holiday[idx] & youth, 1.4, 1.0)
        n = min(n, len(idx))
        days = sorted(int(i) for i in self.rng.choice(idx, size=n, replace=False, p=w / w.sum()))
        out: list[date] = []
        for i in days:
            d = PERIOD_START + timedelta(days=i)
            prev = out[-1] if out else last
            if prev is not None and (d - prev).days < 2:
                d = prev + timedelta(days=2)  # one incident every other day at most
            if d <= PERIOD_END:
                out.append(d)
        return out

    def simulate_perp(self, perp: _Perp) -> None:
        rng = self.rng
        season = [_SEASON[m % 12] ** _SEASON_EXPONENT[perp.domain] for m in range(_MONTHS)]
        last: date | None = None
        excitation = 0.0
        for m in range(_MONTHS):
            mult = self._multiplier(perp, _month_start(m))
            lam = (perp.base_rate * season[m] + excitation) * mult
            perp.monthly_rate.append(lam)
            perp.monthly_excitation.append(excitation)
            n = int(rng.poisson(lam))
            days = self._month_days(m, n, perp.age_band == "10-17", last) if n else []
            perp.monthly_count.append(len(days))
            for d in days:
                self._perp_incident(perp, d)
                last = d
            excitation = _EXCITATION_DECAY * excitation + _EXCITATION * len(days)

    @staticmethod
    def _multiplier(perp: _Perp, before: date) -> float:
        out = 1.0
        for iv in perp.interventions:
            if iv.effective and iv.when < before:
                out *= iv.multiplier
        return out

    def _ladder(self, perp: _Perp, system: str, report: _Report) -> None:
        """Count a report naming ``perp`` and take the next escalation step when due."""
        rng = self.rng
        key = "council_flytip" if system == "council" and perp.style == "flytip" else system
        perp.known[key] += 1
        ladder = _LADDERS[key]
        while perp.rung[key] < len(ladder) and perp.known[key] >= ladder[perp.rung[key]][0]:
            _, native, action, p_take, p_work, mult = ladder[perp.rung[key]]
            perp.rung[key] += 1
            if rng.random() >= p_take:
                continue
            when = (report.reported_at + timedelta(days=int(rng.integers(5, 31)))).date()
            if key in perp.last_step and when <= perp.last_step[key]:
                when = perp.last_step[key] + timedelta(days=1)  # steps in ladder order
            perp.last_step[key] = when
            iv = _Intervention(perp.person, system, native, action, when,
                               bool(rng.random() < p_work), mult, report)
            perp.interventions.append(iv)
            if system == "police":
                report.result = native

    def _perp_incident(self, perp: _Perp, d: date) -> None:
        day = (d - PERIOD_START).days
        if perp.domain == "housing":
            self._housing_incident(perp, day)
        elif perp.domain == "council":
            self._council_perp_incident(perp, day)
        else:
            self._police_perp_incident(perp, day)

    def _housing_incident(self, perp: _Perp, day: int) -> None:
        rng = self.rng
        hcat = perp.style if rng.random() < 0.7 else _weighted(
            rng, tuple((c, 1) for c in _HOUSING_CATEGORIES))
        kind = {"Noise": "noise", "Verbal abuse": _pick(rng, ("neighbour", "threats")),
                "Harassment": _pick(rng, ("harassment", "harassment", "communications")),
                "Drugs": "drugs", "Pets/animals": "animal", "Garden nuisance": "garden",
                "Rubbish dumping": "flytip"}[hcat]
        victim = perp.victims[0] if rng.random() < 0.7 else _pick(rng, perp.victims)
        hate = _HOUSING_CATEGORIES[hcat] == "personal" and rng.random() < 0.05
        ev = self.new_event(self._time_on(day, _KINDS[kind]["hours"]), kind, home=victim.home,
                            hate=hate, window=False)
        ev.perps.append(perp.person)
        ev.victims.append(victim)
        case_key = f"H:{perp.person.pid}"
        role = "victim" if _KINDS[kind]["cat"] == "personal" else "complainant"
        to_police = _KINDS[kind]["code"] is not None and (
            (_KINDS[kind]["cat"] == "personal" and rng.random() < 0.35)
            or (kind in ("noise", "drugs") and rng.random() < 0.2))
        witness = self.neighbour_of(victim) if rng.random() < 0.10 else None
        if to_police:
            p = self.police_report(ev, [(victim, role), (perp.person, "suspect")])
            self._ladder(perp, "police", p)
            hat = p.reported_at + timedelta(hours=float(rng.uniform(1, 22)))
            parties = [(victim, "complainant"), (perp.person, "perpetrator")]
            if witness:
                parties.append((witness, "witness"))
            h = self.housing_report(ev, parties, hat, case_key, hcat)
            p.dup_group = h.dup_group = self.new_dup_group()
            first = p
        else:
            hat = self.office_time(ev.start, self.report_delay())
            parties = [(victim, "complainant"), (perp.person, "perpetrator")]
            if witness:
                parties.append((witness, "witness"))
            h = self.housing_report(ev, parties, hat, case_key, hcat)
            first = h
        self._ladder(perp, "housing", h)
        if kind == "noise" and rng.random() < 0.08:
            c = self.council_report(ev, [(victim, "complainant"), (perp.person, "perpetrator")],
                                    first.reported_at + timedelta(hours=float(rng.uniform(1, 20))),
                                    case_key=f"C:{perp.person.pid}")
            c.dup_group = first.dup_group or self.new_dup_group()
            first.dup_group = h.dup_group = c.dup_group
            self._ladder(perp, "council", c)
        others = [v for v in perp.victims if v is not victim]
        if others and rng.random() < 0.15:
            other = _pick(rng, others)
            ev.victims.append(other)
            at = self.office_time(ev.start, int(rng.integers(0, 4)))
            h2 = self.housing_report(ev, [(other, "complainant"), (perp.person, "perpetrator")],
                                     at, case_key, hcat)
            self._ladder(perp, "housing", h2)

    def _council_perp_incident(self, perp: _Perp, day: int) -> None:
        rng = self.rng
        if perp.style == "flytip":
            lsoa = perp.person.home.street.lsoa
            pts = self.geo.points_by_lsoa.get(lsoa)
            if pts is None:
                pts = self.geo.points_by_lad[perp.person.home.street.lad]
            ev = self.new_event(self._time_on(day, "day"), "flytip", point=int(_pick(rng, pts)))
            ev.perps.append(perp.person)
            parties: list[tuple[_Person, str]] = []
            if rng.random() < 0.6:
                reporter = self.local_person(ev.lsoa, vulnerable=0.05)
                parties.append((reporter, "complainant"))
            parties.append((perp.person, "perpetrator"))
            at = self.office_time(ev.end or ev.start, int(rng.integers(0, 3)), online=0.8)
            c = self.council_report(ev, parties, at)
            self._ladder(perp, "council", c)
            return
        victim = perp.victims[0] if rng.random() < 0.7 else _pick(rng, perp.victims)
        ev = self.new_event(self._time_on(day, "night"), "noise", home=victim.home)
        ev.perps.append(perp.person)
        ev.victims.append(victim)
        case_key = f"C:{perp.person.pid}"
        parties = [(victim, "complainant"), (perp.person, "perpetrator")]
        if rng.random() < 0.15:
            p = self.police_report(ev, [(victim, "complainant"), (perp.person, "suspect")])
            self._ladder(perp, "police", p)
            at = p.reported_at + timedelta(hours=float(rng.uniform(2, 22)))
            c = self.council_report(ev, parties, at, case_key)
            p.dup_group = c.dup_group = self.new_dup_group()
        else:
            at = self.office_time(ev.start, self.report_delay(), online=0.7)
            c = self.council_report(ev, parties, at, case_key)
        self._ladder(perp, "council", c)

    def _police_perp_incident(self, perp: _Perp, day: int) -> None:
        rng = self.rng
        style = perp.style
        if style == "youth":
            kind = _weighted(rng, (("rowdy", 55), ("vehicle", 8), ("graffiti", 10),
                                   ("trespass", 6), ("threats", 6), ("litter_drugs", 5),
                                   ("fireworks", 10 if self._is_firework_season(day) else 1)))
        elif style == "street":
            kind = _weighted(rng, (("street_drinking", 35), ("rowdy", 30), ("begging", 10),
                                   ("threats", 10), ("litter_drugs", 15)))
        elif style == "driver":
            kind = _weighted(rng, (("vehicle", 80), ("rowdy", 20)))
        else:
            kind = _weighted(rng, (("harassment", 50), ("threats", 20), ("neighbour", 20),
                                   ("communications", 10)))
        start = self._time_on(day, _KINDS[kind]["hours"])
        victim = perp.victims[0] if perp.victims and _KINDS[kind]["cat"] == "personal" else None
        if victim is not None and rng.random() < 0.8:
            ev = self.new_event(start, kind, home=victim.home)
        else:
            ev = self.new_event(start, kind, point=_pick(rng, perp.haunts))
        ev.perps.append(perp.person)
        parties: list[tuple[_Person, str]] = []
        if victim is not None:
            ev.victims.append(victim)
            parties.append((victim, "victim"))
        else:
            caller = self._caller(ev)
            if caller is not None:
                parties.append((caller, "complainant"))
        parties.append((perp.person, "suspect"))
        if rng.random() < 0.05:
            parties.append((self.local_person(ev.lsoa), "witness"))
        if ev.hate is False and _KINDS[kind]["cat"] == "personal" and rng.random() < 0.03:
            ev.hate = True
        p = self.police_report(ev, parties)
        self._ladder(perp, "police", p)

    @staticmethod
    def _is_firework_season(day: int) -> bool:
        d = PERIOD_START + timedelta(days=day)
        return (d.month == 10 and d.day >= 20) or (d.month == 11 and d.day <= 10)

    def _caller(self, ev: _Event) -> _Person | None:
        """Who rings the police about a public-place incident (None: no details taken)."""
        rng = self.rng
        r = rng.random()
        if r < 0.15:
            return None
        if r < 0.25:
            pool = self._frequent_police[ev.lad]
            w = 1.0 / np.arange(1, len(pool) + 1) ** 0.8
            return pool[int(rng.choice(len(pool), p=w / w.sum()))]
        lsoa = ev.lsoa if rng.random() < 0.7 else self._lsoa_for(ev.lad)
        return self.local_person(lsoa, vulnerable=0.08)

    def build_perpetrators(self) -> None:
        rng = self.rng
        counts = {"police": 700, "housing": 580, "council": 200}
        for domain, n in counts.items():
            for _ in range(n):
                self.perps.append(self.make_perp(domain))
        # Neighbour disputes with counter-allegations: each side also offends against the other.
        for i in range(4):
            domain = "housing" if i < 3 else "council"
            a = self.make_perp(domain, propensity=float(rng.uniform(1.5, 2.5)))
            a.style = "Verbal abuse" if domain == "housing" else "noise"
            home_b = self.new_home(a.person.home.street, near=a.person.home)
            b = self.make_perp(domain, home=home_b, propensity=float(rng.uniform(1.0, 2.0)))
            b.style = "Noise" if domain == "housing" else "noise"
            a.victims = [b.person] + a.victims[:1]
            b.victims = [a.person]
            a.mutual = b.mutual = True
            self.perps.extend([a, b])
        for perp in self.perps:
            self.perp_by_pid[perp.person.pid] = perp
            self.simulate_perp(perp)
            tries = 0
            while perp.mutual and sum(perp.monthly_count) == 0 and tries < 20:
                # Both sides of a counter-allegation must appear: simulate again (no incident
                # happened, so nothing else changed).
                perp.monthly_rate.clear()
                perp.monthly_count.clear()
                perp.monthly_excitation.clear()
                self.simulate_perp(perp)
                tries += 1

    # ---------------------------------------------------------------- frequent reporters
    def build_frequent_reporters(self) -> None:
        for lad in AREAS:
            pool = []
            for _ in range(38):
                pool.append(self.local_person(self._lsoa_for(lad, hot=True), age=(35, 85),
                                              vulnerable=0.2))
            self._frequent_police[lad] = pool
            council = [p for p in pool if self.rng.random() < 0.25]
            for _ in range(30 - len(council)):
                council.append(self.local_person(self._lsoa_for(lad, deprived=0.3),
                                                 age=(30, 85), vulnerable=0.1))
            self._frequent_council[lad] = council

    # ---------------------------------------------------------------- storylines
    def build_storylines(self) -> None:
        rng = self.rng
        for label, lad, tenant, vulnerable, anchor, items in _STORYLINES:
            lsoa = self._lsoa_for(lad, tvh=tenant)
            street = self._street_in(lsoa, tvh=tenant)
            person = self.new_person(self.new_home(street), age=(30, 80),
                                     vulnerable=1.0 if vulnerable else 0.0)
            person.force_variation = True
            self.storyline_of[person.pid] = label
            a = date.fromisoformat(anchor)
            for offset, agencies, delay, kind, hate in items:
                day = (a - PERIOD_START).days + offset
                ev = self.new_event(self._time_on(day, _KINDS[kind]["hours"]), kind,
                                    home=person.home, hate=hate, window=False)
                ev.victims.append(person)
                role = "victim" if _KINDS[kind]["cat"] == "personal" else "complainant"
                made: list[_Report] = []
                first_at: datetime | None = None
                for agency in agencies:
                    if first_at is None:
                        if agency == "police":
                            at = ev.start + timedelta(days=delay,
                                                      minutes=float(rng.uniform(3, 40)))
                        else:
                            at = self.office_time(ev.start, delay, online=1.0)
                    else:
                        at = first_at + timedelta(hours=float(rng.uniform(1, 20)))
                    first_at = first_at or at
                    if agency == "police":
                        made.append(self.police_report(ev, [(person, role)], at))
                    elif agency == "housing":
                        made.append(self.housing_report(ev, [(person, "complainant")], at,
                                                        f"S:{person.pid}"))
                    else:
                        made.append(self.council_report(ev, [(person, "complainant")], at,
                                                        f"S:{person.pid}"
                                                        if kind == "noise" else ""))
                if len(made) > 1:
                    g = self.new_dup_group()
                    for r in made:
                        r.dup_group = g
        for first, last, sex, group in _NAME_TWINS:
            for _ in range(2):
                lad = _pick(rng, list(AREAS))
                person = self.local_person(self._lsoa_for(lad), sex=sex, group=group,
                                           names=(first, last), age=(25, 70))
                self.storyline_of[person.pid] = "shares a name with a different person"
                for k in range(2):
                    day = int(rng.integers(0, 330)) + 365 * k
                    ev = self.new_event(self._time_on(day, "evening"), "rowdy",
                                        home=person.home)
                    self.police_report(ev, [(person, "complainant")])
                day = int(rng.integers(0, _DAYS - 30))
                ev = self.new_event(self._time_on(day, "day"), "flytip",
                                    point=int(_pick(rng, self.geo.points_by_lad[lad])))
                self.council_report(ev, [(person, "complainant")],
                                    self.office_time(ev.end or ev.start, 1, online=1.0))

    # ---------------------------------------------------------------- background
    def build_police_background(self) -> None:
        rng = self.rng
        per_day = 5750 / _DAYS
        counts = rng.poisson(per_day * self._daily)
        total = int(counts.sum())
        w = self.geo.points["weight"].to_numpy()
        spots = rng.choice(len(w), size=total, p=w / w.sum())
        kinds = [k for k, _ in _POLICE_BACKGROUND_KINDS]
        base_w = np.array([kw for _, kw in _POLICE_BACKGROUND_KINDS], dtype=float)
        j = 0
        for day in range(_DAYS):
            kw = base_w.copy()
            if self._is_firework_season(day):
                kw[kinds.index("fireworks")] *= 12
            if self._holiday[day]:
                kw[kinds.index("rowdy")] *= 1.3
            for _ in range(int(counts[day])):
                kind = kinds[int(rng.choice(len(kinds), p=kw / kw.sum()))]
                spot = int(spots[j])
                j += 1
                ev = self.new_event(self._time_on(day, _KINDS[kind]["hours"]), kind, point=spot)
                parties: list[tuple[_Person, str]] = []
                if _KINDS[kind]["cat"] == "personal":
                    victim = self.local_person(ev.lsoa, vulnerable=0.15)
                    if rng.random() < 0.5:
                        ev.home = victim.home
                        ev.x, ev.y = victim.home.x, victim.home.y
                        ev.place = f"{victim.home.line()}, {victim.home.street.town}"
                    ev.victims.append(victim)
                    parties.append((victim, "victim"))
                    ev.hate = bool(rng.random() < 0.04)
                else:
                    caller = self._caller(ev)
                    if caller is not None:
                        parties.append((caller, "complainant"))
                if rng.random() < 0.04:
                    parties.append((self.local_person(ev.lsoa), "witness"))
                at = None
                if rng.random() < 0.01 and _KINDS[kind]["cat"] == "personal":
                    at = ev.start + timedelta(days=int(rng.integers(40, 120)))
                self.police_report(ev, parties, at)

    def build_council_background(self) -> None:
        rng = self.rng
        per_day = 2550 / _DAYS
        dw = np.array([(1.15 if (PERIOD_START + timedelta(days=i)).weekday() < 5 else 0.65)
                       * _SEASON[(PERIOD_START + timedelta(days=i)).month - 1] ** 1.5
                       for i in range(_DAYS)])
        counts = rng.poisson(per_day * dw / dw.mean())
        ls = self.geo.lsoas
        lw = ls["pop"].to_numpy(dtype=float) * (11 - ls["imd"].to_numpy(dtype=float))
        for day in range(_DAYS):
            for _ in range(int(counts[day])):
                kind = _weighted(rng, _COUNCIL_BACKGROUND_KINDS)
                lsoa = str(ls.index[int(rng.choice(len(ls), p=lw / lw.sum()))])
                pts = self.geo.points_by_lsoa.get(lsoa)
                start = self._time_on(day, _KINDS[kind]["hours"])
                parties: list[tuple[_Person, str]] = []
                reporter: _Person | None = None
                if rng.random() < 0.68:
                    lad = str(ls.at[lsoa, "lad"])
                    if rng.random() < 0.3:
                        reporter = _pick(rng, self._frequent_council[lad])
                    else:
                        reporter = self.local_person(lsoa, vulnerable=0.06)
                if kind in ("noise", "bonfire", "garden") and reporter is not None:
                    ev = self.new_event(start, kind, home=reporter.home)
                    ev.victims.append(reporter)
                elif pts is not None and rng.random() < 0.6:
                    ev = self.new_event(start, kind, point=int(_pick(rng, pts)))
                else:
                    x, y = self._random_in_lsoa(lsoa)
                    ev = self.new_event(start, kind,
                                        spot=(x, y, lsoa, self._street_in(lsoa).name))
                if kind == "graffiti" and rng.random() < 0.03:
                    ev.hate = True
                if reporter is not None:
                    parties.append((reporter, "complainant"))
                earliest = ev.end or ev.start
                if kind in ("noise", "bonfire", "garden"):
                    delay = self.report_delay()
                else:
                    delay = int(rng.integers(0, 3))
                at = self.office_time(earliest, delay, online=0.7)
                self.council_report(ev, parties, at)

    # ---------------------------------------------------------------- clean-up passes
    def finalise_reports(self) -> None:
        """Drop reports after the period and keep different incidents apart in time.

        Two reports by one person to two agencies within 24 hours are treated as one incident
        by the case review rules, so reports of *different* incidents by the same person to
        different agencies are moved (with any same-incident partners) to more than 26 hours
        apart. Reports of the same incident stay within 24 hours of each other.
        """
        by_event: dict[str, list[_Report]] = defaultdict(list)
        for r in self.reports:
            by_event[r.event.eid].append(r)
        qualifying = set(self.config["case_review"]["qualifying_roles"])
        for _ in range(30):
            moved = False
            mine: dict[str, list[_Report]] = defaultdict(list)
            for r in self.reports:
                for person, role in r.parties:
                    if role in qualifying:
                        mine[person.pid].append(r)
            for reports in mine.values():
                if len(reports) < 2:
                    continue
                reports.sort(key=lambda r: (r.reported_at, r.seq))
                clash = self._first_clash(reports)
                if clash is not None:
                    a, b = clash
                    shift = timedelta(hours=26) - (b.reported_at - a.reported_at) + timedelta(
                        hours=float(self.rng.uniform(2, 12)))
                    for r in by_event[b.event.eid]:
                        r.reported_at += shift
                    moved = True
            if not moved:
                break
        self.reports = [r for r in self.reports if r.reported_at <= _END]

    @staticmethod
    def _first_clash(reports: list[_Report]) -> tuple[_Report, _Report] | None:
        for i, a in enumerate(reports):
            for b in reports[i + 1:]:
                if b.reported_at - a.reported_at > timedelta(hours=26):
                    break
                if b.agency != a.agency and b.event.eid != a.event.eid:
                    return a, b
        return None

    def assign_refs(self) -> None:
        """Give reports their agency references in the order each agency received them."""
        rng = self.rng
        ordered = sorted(self.reports, key=lambda r: (r.reported_at, r.seq))
        police_seq: dict[int, int] = defaultdict(lambda: int(rng.integers(100, 400)))
        housing_n = 104233
        council_seq: dict[tuple[str, int], int] = defaultdict(int)
        council_cases: dict[str, str] = {}
        council_case_n: dict[tuple[str, int], int] = defaultdict(int)
        council_case_last: dict[str, datetime] = {}
        for r in ordered:
            yr = r.reported_at.year
            if r.system == "police":
                police_seq[yr] += int(rng.integers(1, 40))
                r.source_ref = f"CLE-{yr % 100:02d}-{police_seq[yr]:06d}"
            elif r.system == "housing":
                housing_n += int(rng.integers(1, 4))
                r.source_ref = f"R{housing_n:07d}"
            else:
                prefix = _COUNCIL_PREFIX[r.event.lad]
                council_seq[(prefix, yr)] += int(rng.integers(1, 9))
                r.source_ref = f"{prefix}-SR-{yr}-{council_seq[(prefix, yr)]:05d}"
                if r.case_key:
                    last = council_case_last.get(r.case_key)
                    if last is None or (r.reported_at - last).days > 90:
                        council_case_n[(prefix, yr)] += 1
                        council_cases[r.case_key] = (
                            f"{prefix}/EH/{yr % 100:02d}/{council_case_n[(prefix, yr)]:04d}")
                    council_case_last[r.case_key] = r.reported_at
                    r.case_ref = council_cases[r.case_key]


# ============================================================================================
# Housing cases, risk assessments, actions


def _build_cases(world: _World) -> list[_Case]:
    rng = world.rng
    by_key: dict[str, list[_Report]] = defaultdict(list)
    for r in sorted(world.reports, key=lambda r: (r.reported_at, r.seq)):
        if r.system == "housing":
            by_key[r.case_key].append(r)
    cases: list[_Case] = []
    for key, reports in by_key.items():
        perp = next((p for p, role in reports[0].parties if role == "perpetrator"), None)
        episode: list[_Report] = []
        for r in reports:
            if episode and (r.reported_at - episode[-1].reported_at).days > 75:
                cases.append(_Case(key, perp, episode))
                episode = []
            episode.append(r)
        cases.append(_Case(key, perp, episode))
    cases.sort(key=lambda c: (c.reports[0].reported_at, c.reports[0].seq))
    per_year: dict[int, int] = defaultdict(int)
    for c in cases:
        c.opened = c.reports[0].reported_at.date()
        per_year[c.opened.year] += 1
        c.ref = f"ASB/{c.opened.year % 100:02d}/{per_year[c.opened.year]:04d}"
        for r in c.reports:
            r.case_ref = c.ref
        fc = int(rng.integers(0, 4)) if rng.random() < 0.8 else int(rng.integers(4, 15))
        contact = c.opened + timedelta(days=fc)
        c.first_contact = contact if contact <= PERIOD_END else None  # not yet contacted
    # Closing dates: after the last report (and before the same key's next case opens).
    by_key_cases: dict[str, list[_Case]] = defaultdict(list)
    for c in cases:
        by_key_cases[c.key].append(c)
    for group in by_key_cases.values():
        for i, c in enumerate(group):
            last = c.reports[-1].reported_at.date()
            closed = last + timedelta(days=int(rng.integers(21, 101)))
            if i + 1 < len(group):
                nxt = group[i + 1].opened
                assert nxt is not None
                closed = min(closed, nxt - timedelta(days=int(rng.integers(1, 6))))
                closed = max(closed, last)
            c.closed = closed if closed <= PERIOD_END else None
    return cases


def _housing_actions(world: _World, cases: list[_Case]) -> list[dict[str, Any]]:
    """Escalation steps the housing provider took, attached to the case of their report."""
    case_of = {id(r): c for c in cases for r in c.reports}
    out = []
    for perp in world.perps:
        for iv in perp.interventions:
            if iv.system != "housing" or iv.when > PERIOD_END:
                continue
            case = case_of.get(id(iv.trigger))
            if case is None:
                continue
            out.append({"case": case, "person": perp.person, "report": iv.trigger,
                        "native": iv.native, "when": iv.when})
    return out


def _ram_score(answers: dict[str, str], matrix: dict[str, Any]) -> int:
    score = 0
    for q in matrix["questions"]:
        given = answers.get(q["key"], "")
        for part in given.split("; ") if given else ():
            score += int(q["answers"][part])
    return score


def _band(score: int, matrix: dict[str, Any]) -> str:
    for b in matrix["bands"]:
        if score >= b["min"]:
            return str(b["band"])
    return str(matrix["bands"][-1]["band"])


def _ram_answers(world: _World, person: _Person, case: _Case, when: date,
                 victim_events: dict[str, list[_Event]], reported_elsewhere: bool) -> dict:
    rng = world.rng
    evs = [e for e in victim_events.get(person.pid, []) if e.start.date() <= when]
    cum = len(evs)
    recent = sum(1 for e in evs if (when - e.start.date()).days <= 60)
    before = sum(1 for e in evs if 60 < (when - e.start.date()).days <= 120)
    personal = any(_KINDS[e.kind]["cat"] == "personal" for e in evs[-3:])
    hate = any(e.hate for e in evs)
    perp_rate = 0.15
    if case.perp is not None and case.perp.pid in world.perp_by_pid:
        perp_rate = world.perp_by_pid[case.perp.pid].monthly_rate[
            min(_month_index(when), _MONTHS - 1)]
    levels = ("only occasionally", "most months", "most weeks", "most days", "daily")
    lvl = 0 if perp_rate < 0.08 else 1 if perp_rate < 0.25 else 2 if perp_rate < 0.6 else 3
    lvl = int(np.clip(lvl + (1 if recent >= 3 else 0) + _pick(rng, (-1, 0, 0, 1)), 0, 4))
    affected = ("not at all", "a little", "moderately", "a lot", "extremely")
    aff = int(np.clip((2 if person.vulnerable else 1) + cum // 4 + _pick(rng, (-1, 0, 0, 1)),
                      0, 4))
    health = []
    if person.vulnerable and rng.random() < 0.5 or cum >= 5 and rng.random() < 0.6:
        health.append("mental")
    if (person.vulnerable or cum >= 8) and rng.random() < 0.3:
        health.insert(0, "physical")
    others = []
    if rng.random() < 0.35:
        others.append("family")
    if not personal and rng.random() < 0.12:
        others.append("local community")
    if rng.random() < 0.05:
        others.append("other")
    if person.vulnerable and person.isolated:
        network = "lives alone and isolated"
    elif person.isolated:
        network = "isolated from support"
    else:
        network = _pick(rng, ("a few people", "close network", "close network"))
    if personal:
        harass = "currently harassing you" if recent >= 2 else "harassed you in the past"
        targeted = _pick(rng, ("you", "you", "your family"))
    else:
        harass = _pick(rng, ("none", "none", "none", "history of harassing others"))
        targeted = _pick(rng, ("your community", "your community", "none", "you"))
    known = ("known to each other", "know each other well", "do not know each other")
    return {
        "q_frequency": levels[lvl],
        "q_linked": "yes" if cum >= 2 else "no",
        "q_worsening": "yes" if recent > before and cum >= 2 else "no",
        "q_know_offender": known[int(rng.choice(3, p=(0.6, 0.3, 0.1)))]
        if case.perp is not None else "do not know each other",
        "q_harassment_history": harass,
        "q_agencies_informed": "yes" if reported_elsewhere else "no",
        "q_targeted": targeted,
        "q_hate": "yes" if hate else "no",
        "q_other_risk": "yes" if (person.vulnerable and rng.random() < 0.8)
        or rng.random() < 0.08 else "no",
        "q_affected": affected[aff],
        "q_health": "; ".join(health) if health else "none",
        "q_professional_support": "yes" if (person.vulnerable and rng.random() < 0.6)
        or rng.random() < 0.08 else "no",
        "q_support_network": network,
        "q_others_affected": "; ".join(others) if others else "none",
    }


def _assessments(world: _World, cases: list[_Case]) -> list[dict[str, Any]]:
    """Risk Assessment Matrix assessments: at the outset and at reviews while a case is open."""
    rng = world.rng
    matrix = world.config["risk_matrix"]
    review_days = matrix["review_days"]
    victim_events: dict[str, list[_Event]] = defaultdict(list)
    for ev in sorted(world.events, key=lambda e: e.start):
        for v in ev.victims:
            victim_events[v.pid].append(ev)
    systems_of: dict[str, set[str]] = defaultdict(set)
    for r in world.reports:
        for p, _role in r.parties:
            systems_of[p.pid].add(r.system)
    out: list[dict[str, Any]] = []
    for case in cases:
        complainants: list[tuple[_Person, _Report]] = []
        for r in case.reports:
            for p, role in r.parties:
                if role == "complainant" and all(p is not q for q, _ in complainants):
                    complainants.append((p, r))
        for person, first in complainants:
            if rng.random() < 0.12:
                continue  # never assessed
            delay = int(rng.integers(0, 3)) if rng.random() < 0.8 else int(rng.integers(3, 13))
            when = first.reported_at.date() + timedelta(days=delay)
            stop = min(case.closed or PERIOD_END, PERIOD_END)
            mode = rng.random()
            n = 0
            while when <= stop and n < 8:
                answers = _ram_answers(world, person, case, when, victim_events,
                                       len(systems_of[person.pid]) > 1)
                score = _ram_score(answers, matrix)
                recorded = score
                if rng.random() < 0.02:
                    recorded = max(0, score + _pick(rng, (-2, -1, 1, 2)))
                band = _band(recorded, matrix)
                override = ""
                reason = ""
                if band != "high" and rng.random() < 0.05:
                    override = "high" if band == "medium" else "medium"
                    reason = _pick(rng, _OVERRIDE_REASONS)
                effective = override or band
                next_review = when + timedelta(days=int(review_days[effective]))
                out.append({"case": case, "person": person, "report": first, "when": when,
                            "answers": answers, "score": recorded, "band": band,
                            "override": override, "reason": reason, "next": next_review,
                            "true_score": score})
                n += 1
                if mode < 0.25:
                    break  # not reviewed again
                f = rng.uniform(0.8, 1.3) if mode < 0.70 else (
                    rng.uniform(1.5, 3.0) if mode < 0.85 else rng.uniform(4.0, 10.0))
                when = when + timedelta(days=max(1, int(review_days[effective] * f)))
    out.sort(key=lambda a: (a["when"], a["case"].ref, a["person"].pid))
    return out


# ============================================================================================
# Person records as each agency holds them


@dataclass
class _View:
    first: str
    last: str
    dob: str
    address: str
    postcode: str
    labels: list[str]


def _apostrophe(last: str, system: str, rng: np.random.Generator) -> tuple[str, bool]:
    if "’" not in last:
        return last, False
    if system == "housing":
        return last, False
    if system == "police":
        return last.replace("’", "'"), True
    return last.replace("’", _pick(rng, ("'", "", " "))), True


def _make_view(world: _World, person: _Person, system: str, fmt_dob: Any) -> _View:
    rng = world.rng
    labels: list[str] = []
    p_nick = {"police": 0.15, "housing": 0.1, "council": 0.4}[system]
    first = person.first
    if person.nicks and rng.random() < p_nick:
        first = _pick(rng, person.nicks)
        labels.append("nickname")
    last, changed = _apostrophe(person.last, system, rng)
    if changed:
        labels.append("apostrophe")
    if rng.random() < 0.025:
        last = _typo(rng, last)
        labels.append("surname_typo")
    dob: date | None = person.dob
    p_swap, p_typo, p_missing = {"police": (0.0, 0.01, 0.0), "housing": (0.03, 0.02, 0.02),
                                 "council": (0.04, 0.03, 0.55)}[system]
    r = rng.random()
    if r < p_missing:
        dob = None
        labels.append("dob_missing")
    elif r < p_missing + p_swap and person.dob.day <= 12 and person.dob.day != person.dob.month:
        dob = person.dob.replace(day=person.dob.month, month=person.dob.day)
        labels.append("dob_day_month_swapped")
    elif r < p_missing + p_swap + p_typo:
        dob = _dob_digit_typo(rng, person.dob)
        labels.append("dob_digit_typo")
    p_drop, p_abbr, p_nopc = {"police": (0.1, 0.15, 0.05), "housing": (0.0, 0.0, 0.01),
                              "council": (0.5, 0.45, 0.3)}[system]
    home = person.home
    has_flat = home.flat is not None
    drop = has_flat and rng.random() < p_drop
    abbr = rng.random() < p_abbr
    nopc = rng.random() < p_nopc
    if person.force_variation and len([x for x in labels if x != "apostrophe"]) == 0 \
            and not (drop or abbr or nopc):
        choice = _pick(rng, ("name", "dob", "address"))
        if choice == "name":
            if person.nicks and "nickname" not in labels:
                first = _pick(rng, person.nicks)
                labels.append("nickname")
            else:
                last = _typo(rng, last)
                labels.append("surname_typo")
        elif choice == "dob" and dob is not None:
            if person.dob.day <= 12 and person.dob.day != person.dob.month:
                dob = person.dob.replace(day=person.dob.month, month=person.dob.day)
                labels.append("dob_day_month_swapped")
            else:
                dob = _dob_digit_typo(rng, person.dob)
                labels.append("dob_digit_typo")
        elif has_flat:
            drop = True
        else:
            abbr = True
    if drop:
        labels.append("no_flat_number")
    if abbr and home.street.abbrev != home.street.name:
        labels.append("street_abbreviated")
    else:
        abbr = False
    if nopc:
        labels.append("postcode_missing")
    address = home.line(abbreviate=abbr, drop_flat=drop)
    if system in ("police", "housing"):
        address = f"{address}, {home.street.town}"
    if system == "police":
        last = last.upper()
    if system == "council" and rng.random() < 0.05:
        first, last = first.lower(), last.lower()
        labels.append("lower_case")
    if system != "housing" and rng.random() < 0.01:
        first, last = last, first
        labels.append("name_swapped")
    return _View(first, last, fmt_dob(dob), address, "" if nopc else home.postcode, labels)


class _Registry:
    """Agency person references and the record each agency holds for them."""

    def __init__(self, world: _World) -> None:
        self.world = world
        self.refs: dict[tuple[str, str], str] = {}
        self.views: dict[tuple[str, str], _View] = {}
        self.used: set[str] = set()
        self.second_ref: dict[str, int] = {}  # housing: pid -> report count after which a new ref
        self.housing_count: dict[str, int] = defaultdict(int)

    def _unique(self, make: Any) -> str:
        while True:
            ref = make()
            if ref not in self.used:
                self.used.add(ref)
                return ref

    def police(self, person: _Person) -> tuple[str, _View]:
        key = ("police", person.pid)
        if key not in self.refs:
            rng = self.world.rng
            self.refs[key] = self._unique(lambda: f"NOM{int(rng.integers(1_000_000, 9_999_999))}")
            self.views[(POLICE_AGENCY, self.refs[key])] = _make_view(
                self.world, person, "police", _ukd)
        ref = self.refs[key]
        return ref, self.views[(POLICE_AGENCY, ref)]

    def housing(self, person: _Person) -> tuple[str, _View]:
        rng = self.world.rng
        self.housing_count[person.pid] += 1
        n = self.housing_count[person.pid]
        key = ("housing", person.pid)
        if key not in self.refs:
            prefix = "T" if person.tenant else "C"
            self.refs[key] = self._unique(
                lambda: f"{prefix}{int(rng.integers(100_000, 999_999))}")
            self.views[(HOUSING_AGENCY, self.refs[key])] = _make_view(
                self.world, person, "housing", _ukd)
            if rng.random() < 0.06:
                self.second_ref[person.pid] = int(rng.integers(2, 5))
        ref = self.refs[key]
        if person.pid in self.second_ref and n >= self.second_ref[person.pid]:
            key2 = ("housing2", person.pid)
            if key2 not in self.refs:
                prefix = "T" if person.tenant else "C"
                self.refs[key2] = self._unique(
                    lambda: f"{prefix}{int(rng.integers(100_000, 999_999))}")
                view = _make_view(self.world, person, "housing", _ukd)
                view.labels.append("second_tenant_ref")
                self.views[(HOUSING_AGENCY, self.refs[key2])] = view
            ref = self.refs[key2]
        return ref, self.views[(HOUSING_AGENCY, ref)]

    def council(self, person: _Person, agency: str) -> tuple[str, _View]:
        key = (agency, person.pid)
        if key not in self.refs:
            rng = self.world.rng
            prefix = {v: _COUNCIL_PREFIX[k] for k, v in COUNCILS.items()}[agency]
            self.refs[key] = self._unique(
                lambda: f"{prefix}-P{int(rng.integers(100_000, 999_999))}")
            self.views[(agency, self.refs[key])] = _make_view(
                self.world, person, "council", _isod)
        ref = self.refs[key]
        return ref, self.views[(agency, ref)]


# ============================================================================================
# Writing


def _write(df: pd.DataFrame, path: Path, *, sep: str = ",", encoding: str = "utf-8",
           crlf: bool = False) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, sep=sep, encoding=encoding,
              lineterminator="\r\n" if crlf else "\n")
    return len(df)


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=object).fillna("")


def _fmt_coord(v: float | None, digits: int) -> str:
    return "" if v is None else f"{v:.{digits}f}"


_POLICE_INVOLVEMENT = {"victim": "Victim", "complainant": "Caller", "suspect": "Suspect",
                       "witness": "Witness"}
_HOUSING_PARTY = {"complainant": "Complainant", "perpetrator": "Alleged Perpetrator",
                  "witness": "Witness"}


class _Emitter:
    """Writes each agency's files, giving people their agency refs as they first appear."""

    def __init__(self, world: _World, out_dir: Path) -> None:
        self.world = world
        self.rng = world.rng
        self.out_dir = out_dir
        self.reg = _Registry(world)
        self.manifest: dict[str, int] = {}
        self.reports = sorted(world.reports, key=lambda r: (r.reported_at, r.seq))
        self.person_rows: list[dict[str, Any]] = []

    def _record(self, file: str, row: int, r: _Report, role: str, ref: str, person: _Person,
                view: _View) -> None:
        self.person_rows.append({
            "agency": r.agency, "file": file, "row": row, "source_ref": r.source_ref,
            "role": role, "person_ref": ref, "true_person_id": person.pid,
            "variations": "; ".join(view.labels)})

    def _write(self, name: str, rows: list[dict[str, Any]], columns: list[str], **kw: Any
               ) -> None:
        self.manifest[name] = _write(_frame(rows, columns), self.out_dir / name, **kw)

    # ---------------------------------------------------------------- police
    def police(self) -> None:
        rng = self.rng
        police = [r for r in self.reports if r.system == "police"]
        beats = _beats(self.world.geo, np.array([r.event.x for r in police]),
                       np.array([r.event.y for r in police]))
        incidents, people = [], []
        for r, beat in zip(police, beats, strict=True):
            k = r.kind
            incidents.append({
                "Incident Number": r.source_ref, "Date Reported": _uk(r.reported_at),
                "Date From": _uk(r.occ_from), "Date To": _uk(r.occ_to),
                "ASB Category": k["code"], "Incident Type": k["ptype"],
                "X": _fmt_coord(r.x, 0), "Y": _fmt_coord(r.y, 0), "Location": r.address,
                "Beat": beat, "Hate Flag": _yes(r.event.hate), "Result": r.result})
            for person, role in r.parties:
                ref, view = self.reg.police(person)
                vulnerable = person.vulnerable if rng.random() < 0.85 else rng.random() < 0.03
                people.append({
                    "Incident Number": r.source_ref, "Involvement": _POLICE_INVOLVEMENT[role],
                    "Nominal ID": ref, "Forename": view.first, "Surname": view.last,
                    "DOB": view.dob, "Home Address": view.address, "Postcode": view.postcode,
                    "Vulnerable": _yes(bool(vulnerable)), "Sex": person.sex,
                    "Ethnicity": person.ethnicity})
                self._record(_F_POLICE_PEOPLE, len(people), r, role, ref, person, view)
        native = {"encoding": "utf-8-sig", "crlf": True}
        self._write(_F_POLICE_INCIDENTS, incidents, list(incidents[0]), **native)
        self._write(_F_POLICE_PEOPLE, people, list(people[0]), **native)

    # ---------------------------------------------------------------- housing
    def housing(self) -> None:
        rng = self.rng
        cases = _build_cases(self.world)
        reports, parties = [], []
        ref_on: dict[tuple[int, str], str] = {}  # (report, person) -> Tenant Ref used there
        for r in (r for r in self.reports if r.system == "housing"):
            reports.append({
                "Report ID": r.source_ref, "Case No": r.case_ref,
                "Date Reported": _uk(r.reported_at), "Incident Date": _ukd(r.occ_from),
                "Category": r.hcat, "Sub Category": r.hsub, "UPRN": r.uprn,
                "Property Address": r.address, "Postcode": r.postcode,
                "Hate Related": "Yes" if r.event.hate else "No"})
            for person, role in r.parties:
                ref, view = self.reg.housing(person)
                ref_on[(id(r), person.pid)] = ref
                vulnerable = person.vulnerable and rng.random() < 0.9
                gender = {"F": "Female", "M": "Male"}[person.sex]
                parties.append({
                    "Report ID": r.source_ref, "Party Type": _HOUSING_PARTY[role],
                    "Tenant Ref": ref, "First Name": view.first, "Surname": view.last,
                    "Date of Birth": view.dob, "Address": view.address,
                    "Postcode": view.postcode,
                    "UPRN": person.home.uprn if person.tenant or rng.random() < 0.5 else "",
                    "Vulnerability": _yes(vulnerable),
                    "Gender": gender if rng.random() < 0.96 else "Prefer not to say"})
                self._record(_F_HOUSING_PARTIES, len(parties), r, role, ref, person, view)
        native = {"sep": ";", "encoding": "cp1252", "crlf": True}
        self._write(_F_HOUSING_REPORTS, reports, list(reports[0]), **native)
        self._write(_F_HOUSING_PARTIES, parties, list(parties[0]), **native)

        actions = _housing_actions(self.world, cases)
        assessments = _assessments(self.world, cases)
        referred: set[tuple[str, str]] = set()
        for a in assessments:
            # A support referral for some complainants assessed medium or high (once a case).
            pair = (a["case"].ref, a["person"].pid)
            if (a["override"] or a["band"]) in ("medium", "high") and pair not in referred \
                    and rng.random() < 0.35:
                referred.add(pair)
                when = a["when"] + timedelta(days=int(rng.integers(0, 8)))
                if when <= PERIOD_END:
                    actions.append({"case": a["case"], "person": a["person"],
                                    "report": a["report"], "native": "Support Referral",
                                    "when": when})
        actions.sort(key=lambda a: (a["when"], a["case"].ref, a["person"].pid, a["native"]))
        action_rows = []
        for a in actions:
            case = a["case"]
            if case.closed is not None and case.closed < a["when"]:
                case.closed = min(a["when"] + timedelta(days=int(rng.integers(7, 30))),
                                  PERIOD_END)
            action_rows.append({
                "Case No": case.ref, "Tenant Ref": ref_on[(id(a["report"]), a["person"].pid)],
                "Action": a["native"], "Action Date": _ukd(a["when"]),
                "Outcome": _pick(rng, _ACTION_OUTCOMES[a["native"]])})
        ram_rows = []
        latest: dict[int, dict[str, Any]] = {}
        for i, a in enumerate(assessments, start=1):
            row = {"Assessment ID": f"RAM{10000 + i}", "Case No": a["case"].ref,
                   "Tenant Ref": ref_on[(id(a["report"]), a["person"].pid)],
                   "Assessed On": _ukd(a["when"])}
            for qkey, (column, answers) in _RAM_NATIVE.items():
                row[column] = answers[a["answers"][qkey]]
            row.update({"Total Score": str(a["score"]), "Band": a["band"].capitalize(),
                        "Officer Override": a["override"].capitalize(),
                        "Override Reason": a["reason"], "Next Review": _ukd(a["next"])})
            ram_rows.append(row)
            latest[id(a["case"])] = a
        evicted = {iv.perp.pid for p in self.world.perps for iv in p.interventions
                   if iv.native == "Possession Order" and iv.when <= PERIOD_END}
        case_rows = []
        for c in cases:
            reason = satisfaction = ""
            if c.closed is not None:
                if c.perp is not None and c.perp.pid in evicted:
                    reason = "Tenancy ended"
                else:
                    reason = _weighted(rng, _CLOSURE_REASONS)
                if rng.random() < 0.65:
                    mean = 4 if reason == "Resolved" else 2.2
                    satisfaction = str(int(np.clip(round(rng.normal(mean, 1.0)), 1, 5)))
            last = latest.get(id(c))
            case_rows.append({
                "Case No": c.ref, "Opened": _ukd(c.opened), "Closed": _ukd(c.closed),
                "Closure Reason": reason, "Satisfaction (1-5)": satisfaction,
                "First Contact": _ukd(c.first_contact),
                "RAM Score": str(last["score"]) if last else "",
                "RAM Band": (last["override"] or last["band"]).capitalize() if last else ""})
        self._write(_F_HOUSING_CASES, case_rows, list(case_rows[0]), **native)
        self._write(_F_HOUSING_ACTIONS, action_rows,
                    ["Case No", "Tenant Ref", "Action", "Action Date", "Outcome"], **native)
        self._write(_F_HOUSING_RAM, ram_rows, list(ram_rows[0]), **native)

    # ---------------------------------------------------------------- councils
    def councils(self) -> None:
        rng = self.rng
        council = [r for r in self.reports if r.system == "council"]
        lon, lat = _TO_WGS.transform(np.array([r.x for r in council]),
                                     np.array([r.y for r in council]))
        incidents, people = [], []
        ref_on: dict[tuple[int, str], str] = {}
        for r, lo, la in zip(council, lon, lat, strict=True):
            k = r.kind
            fmt = _isod if r.date_only else _iso
            incidents.append({
                "source_ref": r.source_ref, "agency": r.agency,
                "reported_at": _iso(r.reported_at), "occurred_at": fmt(r.occ_from),
                "occurred_to": fmt(r.occ_to) if r.occ_to else "", "category": k["cat"],
                "subtype": k["council"] or "noise", "latitude": f"{la:.6f}",
                "longitude": f"{lo:.6f}", "address": r.address, "postcode": r.postcode,
                "uprn": r.uprn, "case_ref": r.case_ref,
                "hate_related": "yes" if r.event.hate else "no", "description": r.description})
            for person, role in r.parties:
                ref, view = self.reg.council(person, r.agency)
                ref_on[(id(r), person.pid)] = ref
                people.append({
                    "source_ref": r.source_ref, "agency": r.agency, "role": role,
                    "person_ref": ref, "first_name": view.first, "last_name": view.last,
                    "date_of_birth": view.dob, "address": view.address,
                    "postcode": view.postcode,
                    "uprn": person.home.uprn if rng.random() < 0.3 else "",
                    "vulnerable": "yes" if person.vulnerable and rng.random() < 0.5 else "",
                    "sex": "", "ethnicity": "", "disability": ""})
                self._record(_F_COUNCIL_PEOPLE, len(people), r, role, ref, person, view)
        actions = []
        for perp in self.world.perps:
            for iv in perp.interventions:
                if iv.system != "council" or iv.when > PERIOD_END:
                    continue
                target = ref_on.get((id(iv.trigger), perp.person.pid))
                if target is None:
                    continue
                actions.append({
                    "source_ref": iv.trigger.source_ref, "case_ref": iv.trigger.case_ref,
                    "agency": iv.trigger.agency, "action": iv.action,
                    "action_date": _isod(iv.when), "person_ref": target,
                    "outcome": _pick(rng, _ACTION_OUTCOMES[iv.native])})
        actions.sort(key=lambda a: (a["action_date"], a["agency"], a["source_ref"], a["action"]))
        self._write(_F_COUNCIL_INCIDENTS, incidents, list(incidents[0]))
        self._write(_F_COUNCIL_PEOPLE, people, list(people[0]))
        self._write(_F_COUNCIL_ACTIONS, actions, ["source_ref", "case_ref", "agency", "action",
                                                 "action_date", "person_ref", "outcome"])


def _emit(world: _World, out_dir: Path) -> dict[str, int]:
    emitter = _Emitter(world, out_dir)
    emitter.police()
    emitter.housing()
    emitter.councils()
    emitter.manifest.update(_ground_truth(world, out_dir, emitter.person_rows, emitter.reports))
    return emitter.manifest


# ============================================================================================
# Ground truth


def _ground_truth(world: _World, out_dir: Path, person_rows: list[dict[str, Any]],
                  reports: list[_Report]) -> dict[str, int]:
    manifest: dict[str, int] = {}
    cols = ["agency", "file", "row", "source_ref", "role", "person_ref", "true_person_id",
            "variations"]
    rows = [{**r, "row": str(r["row"])} for r in person_rows]
    manifest[_F_GT_PERSONS] = _write(_frame(rows, cols), out_dir / _F_GT_PERSONS)

    inc = [{"agency": r.agency, "source_ref": r.source_ref, "true_incident_id": r.event.eid,
            "occurred_at": _iso(r.event.start), "kind": r.event.kind,
            "perpetrators": "; ".join(p.pid for p in r.event.perps),
            "victims": "; ".join(p.pid for p in r.event.victims)} for r in reports]
    manifest[_F_GT_INCIDENTS] = _write(_frame(inc, list(inc[0])), out_dir / _F_GT_INCIDENTS)

    by_event: dict[str, list[_Report]] = defaultdict(list)
    for r in reports:
        by_event[r.event.eid].append(r)
    dup_rows = []
    group = 0
    for eid in sorted(by_event):
        rs = by_event[eid]
        if len({r.agency for r in rs}) < 2:
            continue
        group += 1
        for r in rs:
            dup_rows.append({
                "group_id": f"D{group:04d}", "true_incident_id": eid, "agency": r.agency,
                "source_ref": r.source_ref, "reported_at": _iso(r.reported_at),
                "reporters": "; ".join(p.pid for p, role in r.parties
                                       if role in ("victim", "complainant"))})
    manifest[_F_GT_DUPLICATES] = _write(
        _frame(dup_rows, ["group_id", "true_incident_id", "agency", "source_ref", "reported_at",
                          "reporters"]), out_dir / _F_GT_DUPLICATES)

    named: dict[str, int] = defaultdict(int)
    agencies: dict[str, set[str]] = defaultdict(set)
    roles: dict[str, set[str]] = defaultdict(set)
    for r in reports:
        for p, role in r.parties:
            roles[p.pid].add(role)
            if role in ("suspect", "perpetrator"):
                named[p.pid] += 1
                agencies[p.pid].add(r.system)
    perp_rows, risk_rows, iv_rows = [], [], []
    for perp in world.perps:
        pid = perp.person.pid
        if not named.get(pid):
            continue
        perp_rows.append({
            "true_person_id": pid, "domain": perp.domain, "style": perp.style,
            "age_band": perp.age_band, "propensity": f"{perp.propensity:.4f}",
            "base_monthly_rate": f"{perp.base_rate:.4f}",
            "incidents": str(sum(perp.monthly_count)), "reports_naming": str(named[pid]),
            "agencies": "; ".join(sorted(agencies[pid])),
            "also_victim": "yes" if roles[pid] & {"victim", "complainant"} else "no"})
        season = [_SEASON[m % 12] ** _SEASON_EXPONENT[perp.domain] for m in range(_MONTHS + 12)]
        for m in range(_MONTHS):
            # P(no new incident in the next k months) = exp(-sum of the rates those months
            # would have if nothing new happened): exact for a self-exciting process, since
            # only a new incident would raise the rate (or trigger a new intervention).
            excitation = (_EXCITATION_DECAY * perp.monthly_excitation[m]
                          + _EXCITATION * perp.monthly_count[m])
            future, cumulative = 0.0, {}
            for k in range(1, 13):
                start = _month_start(m + k)
                mult = 1.0
                for iv in perp.interventions:
                    if iv.effective and iv.when < start and \
                            _month_index(iv.trigger.event.start) <= m:
                        mult *= iv.multiplier
                future += (perp.base_rate * season[m + k] + excitation) * mult
                excitation *= _EXCITATION_DECAY
                cumulative[k] = future
            observable = m + 6 < _MONTHS
            nxt = sum(perp.monthly_count[m + 1:m + 7]) if observable else None
            risk_rows.append({
                "true_person_id": pid, "month": _month_start(m).strftime("%Y-%m"),
                "monthly_rate": f"{perp.monthly_rate[m]:.5f}",
                "excitation": f"{perp.monthly_excitation[m]:.5f}",
                "incidents": str(perp.monthly_count[m]),
                "true_risk_3m": f"{1 - math.exp(-cumulative[3]):.5f}",
                "true_risk_6m": f"{1 - math.exp(-cumulative[6]):.5f}",
                "true_risk_12m": f"{1 - math.exp(-cumulative[12]):.5f}",
                "next_6m_incident": "" if nxt is None else str(int(nxt > 0))})
        for iv in perp.interventions:
            iv_rows.append({"true_person_id": pid, "system": iv.system, "action": iv.action,
                            "native_action": iv.native, "action_date": _isod(iv.when),
                            "effective": "yes" if iv.effective else "no",
                            "rate_multiplier": f"{iv.multiplier if iv.effective else 1.0:.2f}",
                            "exported": "yes" if iv.when <= PERIOD_END and
                            iv.system != "police" else "in police Result" if
                            iv.when <= PERIOD_END else "no (after the period)"})
    manifest[_F_GT_PERPS] = _write(_frame(perp_rows, list(perp_rows[0])), out_dir / _F_GT_PERPS)
    manifest[_F_GT_RISK] = _write(_frame(risk_rows, list(risk_rows[0])), out_dir / _F_GT_RISK)
    manifest[_F_GT_INTERVENTIONS] = _write(_frame(iv_rows, list(iv_rows[0])),
                                          out_dir / _F_GT_INTERVENTIONS)

    truth = _case_review_truth(world, reports)
    manifest[_F_GT_CASE_REVIEW] = _write(_frame(truth, list(truth[0])),
                                        out_dir / _F_GT_CASE_REVIEW)
    readme = out_dir / _GT / "README.md"
    readme.write_text(_GROUND_TRUTH_README, encoding="utf-8", newline="\n")
    return manifest


def _case_review_truth(world: _World, reports: list[_Report]) -> list[dict[str, Any]]:
    """Who meets the case review threshold, or has made a second report, at each as-of date."""
    rules = world.config["case_review"]
    qualifying_roles = set(rules["qualifying_roles"])
    max_days = int(rules["qualifying_report_days"])
    threshold = int(rules["threshold"])
    second = int(rules["second_report"])
    hate_trigger = bool((rules.get("local_triggers") or {}).get("hate_incident"))
    months = int(rules["window_months"])
    mine: dict[str, list[_Report]] = defaultdict(list)
    for r in reports:
        for p, role in r.parties:
            if role in qualifying_roles:
                mine[p.pid].append(r)
    out = []
    for as_of in AS_OF_DATES:
        start = (pd.Timestamp(as_of) - pd.DateOffset(months=months)).date()
        for pid in sorted(mine):
            inside = [r for r in mine[pid] if start < r.reported_at.date() <= as_of]
            if not inside:
                continue
            good, late = [], []
            for r in inside:
                behaviour = r.occ_to or r.occ_from
                if behaviour is not None and (r.reported_at.date() - behaviour.date()).days \
                        > max_days:
                    late.append(r)
                else:
                    good.append(r)
            events = sorted({r.event.eid for r in good})
            hate = sorted({r.event.eid for r in good if r.event.hate})
            if len(events) >= threshold or (hate_trigger and hate):
                status = "threshold_met"
            elif len(events) >= second:
                status = "second_report"
            else:
                continue
            reason = (f"{len(events)} qualifying incidents" if len(events) >= threshold
                      else "hate incident (local trigger)" if status == "threshold_met"
                      else f"{len(events)} qualifying incidents")
            out.append({
                "as_of": _isod(as_of), "window_start": _isod(start + timedelta(days=1)),
                "window_end": _isod(as_of), "true_person_id": pid, "status": status,
                "reason": reason, "qualifying_incidents": str(len(events)),
                "qualifying_reports": str(len(good)), "hate_incidents": str(len(hate)),
                "late_reports_excluded": str(len(late)),
                "storyline": world.storyline_of.get(pid, ""),
                "records": "; ".join(f"{r.agency}|{r.source_ref}" for r in
                                     sorted(good, key=lambda r: (r.reported_at, r.seq)))})
    return out


_GROUND_TRUTH_README = """\
# Ground truth for the synthetic sample (SYNTHETIC DATA)

Everything in `../synthetic/` and in this folder is **synthetic**: generated by
`pipelines/sample.py` (`asb sample --out data/sample`, seed 20220101 by default). No row
describes a real person. Places are real (police.uk anonymous map points for Cleveland, ONS
LSOAs and wards); names, dates of birth, house numbers, streets, postcodes and UPRNs are
invented. UPRNs all start `9000` and are not real UPRNs.

These files say what the exports do not, so that record linkage, cross-agency de-duplication,
case review flags and reoffending models can be scored. Never load them into the warehouse as
if they were agency data.

## person_records.csv
One row per people row in any export (police people, housing parties, council people).
`agency` (exactly as in the export), `file`, `row` (1-based data row in that file),
`source_ref`, `role` (template role: victim, complainant, witness, suspect, perpetrator),
`person_ref` (Nominal ID, Tenant Ref or council person_ref) and `true_person_id`.
`(agency, person_ref)` always maps to one `true_person_id`; one true person can have several
refs (one per agency, and occasionally a second Tenant Ref at the housing provider: label
`second_tenant_ref`). `variations` lists how that agency's record differs from the person's
real details: `nickname`, `surname_typo`, `name_swapped` (first and last name swapped),
`apostrophe` (O'Brien written without the curly apostrophe), `lower_case`,
`dob_day_month_swapped`, `dob_digit_typo`, `dob_missing`, `no_flat_number`,
`street_abbreviated` (St, Rd, ...), `postcode_missing`. Police surnames are always upper case.

## incident_records.csv
Every incident record: `agency`, `source_ref` -> `true_incident_id`, when the behaviour
happened, an internal `kind`, and the true perpetrators and victims (true_person_id lists).

## cross_agency_duplicates.csv
Groups (`group_id`) of incident records held by two or more agencies that are the same real
incident (`true_incident_id`), with `reporters` (the true victim/complainant ids on each record).
Every group holds all records of its incident, so it can also hold a second neighbour's report of
the same incident (possibly days later, to the same agency). The records one person made about
one incident to different agencies are always within 24 hours of each other and about the same
place (the victim's home, or the same map point), so the default rule
(`case_review.cross_agency_duplicate_hours: 24`) can find them. Records one person made about
*different* incidents to different agencies are always more than 24 hours apart, so the rule
never merges two real incidents.

## perpetrators.csv, perpetrator_risk.csv, perpetrator_interventions.csv
Every person named as a suspect or alleged perpetrator comes from one process, in monthly steps:

    rate(month) = (base_monthly_rate x seasonal factor + excitation(month)) x interventions
    base_monthly_rate = domain base x propensity x age multiplier
    excitation(month) = 0.7 x excitation(month before) + 0.25 x incidents(month before)

- `propensity` is a lasting, hidden trait: lognormal with sd 0.45 on the log scale (most people
  within x0.4 to x2.5 of the typical rate). Some people offend more than others year after year,
  so prior offending predicts reoffending, as it does in the criminology literature. Age
  multipliers: 10-17: 1.6, 18-24: 1.35, 25-34: 1.0, 35-49: 0.8, 50+: 0.55.
- Offending comes in bursts (a self-exciting, Hawkes-like process): each incident raises the
  person's rate by 0.25 a month in the next month, fading by x0.7 a month after that (about a
  two-month half-life). A dispute flares, then settles. This is the near-repeat pattern of the
  repeat-offending literature, and it means recent incidents say more than old ones.
- Interventions follow an escalation ladder per agency (counts of reports naming the person).
  Their effects are modest and differ between people, as published evaluations of warnings,
  ABCs and injunctions find: each step takes effect for some people and not others (words of
  advice 0.5, warning letter 0.6, ABC 0.7, civil injunction 0.75, possession order 0.95; drawn
  once and hidden from the exports) and then multiplies the whole rate by its multiplier
  (words of advice 0.97, warning letter 0.95, ABC 0.82, civil injunction 0.75, possession
  order 0.3) from the first month that starts after the action date. The expected cut of an
  ABC is 0.7 x 18% = 13%; the most prolific stay the most prolific.

Each month's count is Poisson with that rate; every incident is reported to at least one agency
and names the perpetrator there.

- `perpetrators.csv`: `domain` (police: public places; housing: tenant neighbour nuisance;
  council: noise or fly-tipping), `style`, `age_band` (age on 2021-01-01), `propensity`,
  `base_monthly_rate`, `incidents` (true count 2021-2022), `reports_naming`, `agencies`,
  `also_victim` (yes when the person is also a victim/complainant: counter-allegations).
- `perpetrator_risk.csv`: one row per perpetrator and month 2021-01..2022-12. `monthly_rate` is
  the true rate in that month and `excitation` its self-excitation part (before interventions).
  `true_risk_3m`, `true_risk_6m` and `true_risk_12m` = 1 - exp(-sum of the rates the next 3, 6
  or 12 months would have if nothing new happened): the exact probability of at least one new
  incident given everything the generator knows at the end of the month (the propensity,
  which interventions took effect, including those already decided but not yet dated). It is
  the ceiling a reoffending model can reach; a model sees only the history, so it cannot reach
  it exactly. `next_6m_incident` is what actually happened (blank when the six months run past
  2022-12).
- `perpetrator_interventions.csv`: every intervention, whether it took effect (`effective`),
  and whether it is in the exports (police steps appear only in the incident's Result text).

## case_review_truth.csv
For each as-of date (2022-03-31, 2022-06-30, 2022-09-30, 2022-12-31), every true person whose
complaints meet the case review rules in `pipelines/config/defaults.yaml`:

- a complaint is a record where the person is `victim` or `complainant`
  (`case_review.qualifying_roles`), in any agency;
- it is in the window when its reported date is between `window_start` and `window_end`
  inclusive (the six calendar months to the as-of date);
- it qualifies when reported within 31 days of the behaviour (`qualifying_report_days`); the
  behaviour date is `occurred_to` when given, else `occurred_at` (a report with neither
  qualifies). Late reports are counted in `late_reports_excluded`;
- reports of the same real incident (cross-agency duplicates) count once
  (`qualifying_incidents` counts distinct true incidents; `qualifying_reports` counts records);
- `status` is `threshold_met` with 3 or more qualifying incidents, or with one qualifying hate
  incident (`local_triggers.hate_incident`), else `second_report` with exactly 2. People with
  fewer are not listed. The place trigger (`place_reports`) is not part of this file.

`storyline` names the designed repeat-victim pattern behind the row, when there is one
(three or more reports across agencies, exactly two, a late third report, a hate incident, a
name shared with a different person); other rows arise from the simulation itself.
`records` lists the qualifying records as `agency|source_ref`.
"""


# ============================================================================================
# Entry point


def _load_config() -> dict[str, Any]:
    config = yaml.safe_load(_CONFIG_PATH.read_text(encoding="utf-8"))
    matrix = config["risk_matrix"]
    for q in matrix["questions"]:
        native = _RAM_NATIVE.get(q["key"])
        if native is None:
            raise FileProblem(str(_CONFIG_PATH), f"risk matrix question {q['key']} has no "
                                                 "native column in the sample generator")
        for answer in native[1]:
            for part in answer.split("; "):
                if part not in q["answers"]:
                    raise FileProblem(str(_CONFIG_PATH), f"{q['key']}: answer {part!r} used by "
                                                         "the sample generator is not configured")
    return config


def generate(out_dir: Path, seed: int = DEFAULT_SEED, data_dir: Path | None = None
             ) -> dict[str, int]:
    """Write the synthetic exports and their ground truth; the same seed gives the same bytes.

    Parameters
    ----------
    out_dir : Path
        Folder to write into. Files go to ``out_dir/synthetic/`` (the agency exports) and
        ``out_dir/ground_truth/`` (who is who, for evaluation); other files are left alone.
    seed : int, default 20220101
        Random seed. The shipped sample in ``data/sample`` uses the default.
    data_dir : Path, optional
        Folder holding ``police-uk/`` and ``areas/`` (real public data the places come from).
        Defaults to the repository's ``data/sample``.

    Returns
    -------
    dict of str to int
        Each CSV written (path relative to ``out_dir``, with ``/``) and its number of data rows.

    Raises
    ------
    FileProblem
        When the police.uk files or area boundaries the generator needs are missing.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     manifest = generate(Path(tmp))
    >>> manifest["synthetic/council-incidents.csv"] > 2000
    True
    >>> sorted({name.split("/")[0] for name in manifest})
    ['ground_truth', 'synthetic']
    """
    out_dir = Path(out_dir)
    data_dir = Path(data_dir) if data_dir is not None else _DEFAULT_DATA_DIR
    config = _load_config()
    geo = _load_geography(data_dir)
    world = _World(np.random.default_rng(seed), geo, config)
    world.build_streets()
    world.build_frequent_reporters()
    world.build_perpetrators()
    world.build_storylines()
    world.build_police_background()
    world.build_council_background()
    world.finalise_reports()
    world.assign_refs()
    return _emit(world, out_dir)
