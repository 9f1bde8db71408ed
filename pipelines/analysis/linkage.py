"""Record linkage: which person records, held by different agencies, are the same person.

The method (docs/methods.md, "Record linkage") is a Fellegi-Sunter model fitted with splink on
its DuckDB backend:

1. **Standardise** every record (:func:`prepare_records`): names without accents, case or
   punctuation, each given name with the formal names it may be short for (:mod:`.nicknames`),
   the date of birth and its day/month-swapped reading, the home address split into flat,
   number, street and town (:mod:`.addresses`), the postcode and the UPRN.
2. **Block**: only pairs that share a date of birth, a surname and postcode, an address, a full
   name (either way round) or a UPRN are scored, so the work grows with the records, not their
   square.
3. **Compare** three fields, each at graded levels (:data:`LEVELS`): name (exact, swapped,
   nickname, typo...), date of birth (exact, day and month swapped, one digit mistyped, two of
   day, month and year agree) and home (same UPRN, same address, flat number missing, same
   postcode, same street). A missing value is no evidence either way.
4. **Train** without labels: u probabilities from random pairs (fixed seed), m probabilities
   by expectation maximisation on blocked pairs, the prior from a strict deterministic rule.
5. **Score** every blocked pair (match weight, probability, and each field's level and weight:
   the explanation an analyst sees) and **cluster**: pairs at or above the threshold join, the
   strongest first, unless the join would put two records an analyst has split into one
   person. Pairs an analyst has confirmed join first, whatever their score.

Everything runs in a private in-memory DuckDB database on one thread with a fixed seed, so the
same records and decisions give the same people on every rebuild.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator
from splink.blocking_rule_library import CustomRule
from splink.internals.duckdb.database_api import DuckDBAPI
from splink.internals.exceptions import SplinkException

from ._common import AnalysisProblem, require_columns
from .addresses import parse_address, standard_postcode
from .nicknames import name_forms, standard_name

__all__ = [
    "LEVELS",
    "FIELDS",
    "DEFAULT_MODEL",
    "MIN_RECORDS_TO_TRAIN",
    "PersonLinkage",
    "prepare_records",
    "link_people",
    "cluster_pairs",
    "explain",
]

#: The compared fields (splink comparisons) in the order they are shown.
FIELDS = ("name", "date_of_birth", "home")

_NOT_CONFLICTING_POSTCODE = (
    "(postcode_l IS NULL OR postcode_r IS NULL OR postcode_l = postcode_r)")
_NOT_CONFLICTING_TOWN = "(town_l IS NULL OR town_r IS NULL OR town_l = town_r)"

#: Each field's levels, most specific first: (key, label an analyst reads, SQL condition).
#: The first level of each field is its "no evidence" (missing value) level.
LEVELS: dict[str, list[tuple[str, str, str]]] = {
    "name": [
        ("missing", "name missing",
         "(first_name_std_l IS NULL AND surname_std_l IS NULL) OR "
         "(first_name_std_r IS NULL AND surname_std_r IS NULL)"),
        ("exact", "same name",
         "first_name_std_l = first_name_std_r AND surname_std_l = surname_std_r"),
        ("swapped", "same name, first and last swapped",
         "(first_name_std_l = surname_std_r AND list_has_any(surname_forms_l, name_forms_r)) "
         "OR (surname_std_l = first_name_std_r AND list_has_any(name_forms_l, surname_forms_r))"),
        ("nickname", "same surname, given name a short form of the other",
         "surname_std_l = surname_std_r AND list_has_any(name_forms_l, name_forms_r)"),
        ("surname_typo", "surname one typing slip apart, same given name",
         "damerau_levenshtein(surname_std_l, surname_std_r) <= 1 "
         "AND list_has_any(name_forms_l, name_forms_r)"),
        ("given_similar", "same surname, similar given name",
         "surname_std_l = surname_std_r "
         "AND jaro_winkler_similarity(first_name_std_l, first_name_std_r) >= 0.88"),
        ("names_similar", "similar surname and given name",
         "jaro_winkler_similarity(surname_std_l, surname_std_r) >= 0.9 "
         "AND jaro_winkler_similarity(first_name_std_l, first_name_std_r) >= 0.88"),
        ("surname_only", "same surname only", "surname_std_l = surname_std_r"),
        ("different", "different names", "ELSE"),
    ],
    "date_of_birth": [
        ("missing", "date of birth missing", "dob_l IS NULL OR dob_r IS NULL"),
        ("exact", "same date of birth", "dob_l = dob_r"),
        ("day_month_swapped", "day and month swapped", "dob_l = dob_swapped_r"),
        ("one_digit", "one digit different", "levenshtein(dob_l, dob_r) <= 1"),
        ("two_parts", "two of day, month and year agree",
         "(substr(dob_l, 1, 4) = substr(dob_r, 1, 4) "
         "AND substr(dob_l, 6, 2) = substr(dob_r, 6, 2)) "
         "OR (substr(dob_l, 1, 4) = substr(dob_r, 1, 4) "
         "AND substr(dob_l, 9, 2) = substr(dob_r, 9, 2)) "
         "OR substr(dob_l, 6, 5) = substr(dob_r, 6, 5)"),
        ("different", "different dates of birth", "ELSE"),
    ],
    "home": [
        ("missing", "home address missing",
         "(uprn_l IS NULL AND premises_l IS NULL AND postcode_l IS NULL) OR "
         "(uprn_r IS NULL AND premises_r IS NULL AND postcode_r IS NULL)"),
        ("uprn", "same UPRN", "uprn_l = uprn_r"),
        ("address_postcode", "same address and postcode",
         "premises_l = premises_r AND coalesce(flat_l, '') = coalesce(flat_r, '') "
         "AND postcode_l = postcode_r"),
        ("address", "same address (postcode not given on one)",
         "premises_l = premises_r AND coalesce(flat_l, '') = coalesce(flat_r, '') "
         f"AND {_NOT_CONFLICTING_POSTCODE} AND {_NOT_CONFLICTING_TOWN}"),
        ("address_no_flat", "same address, flat number missing on one",
         "premises_l = premises_r AND (flat_l IS NULL) <> (flat_r IS NULL) "
         f"AND {_NOT_CONFLICTING_POSTCODE} AND {_NOT_CONFLICTING_TOWN}"),
        ("postcode", "same postcode, different address", "postcode_l = postcode_r"),
        ("street", "same street, different house",
         f"street_l = street_r AND {_NOT_CONFLICTING_POSTCODE} AND {_NOT_CONFLICTING_TOWN}"),
        ("different", "different homes", "ELSE"),
    ],
}

_LABELS = {"name": "name", "date_of_birth": "date of birth", "home": "home"}

#: Pairs scored: those sharing any of these (plus names either way round).
_BLOCKING = [
    "l.dob = r.dob",
    "l.surname_std = r.surname_std AND l.postcode = r.postcode",
    "l.premises = r.premises",
    "l.first_name_std = r.first_name_std AND l.surname_std = r.surname_std",
    "l.first_name_std = r.surname_std AND l.surname_std = r.first_name_std",
    "l.uprn = r.uprn",
]
#: EM training: each blocking rule estimates the m probabilities of the fields it leaves free.
_TRAINING = ["l.dob = r.dob", "l.premises = r.premises AND l.postcode = r.postcode",
             "l.surname_std = r.surname_std AND l.first_name_std = r.first_name_std"]
#: The prior (probability two random records match) is estimated from this near-certain rule,
#: assumed to find this share of true matches.
_DETERMINISTIC = ["l.first_name_std = r.first_name_std AND l.surname_std = r.surname_std "
                  "AND l.dob = r.dob"]
_DETERMINISTIC_RECALL = 0.6
_COLUMNS = ["person_record_id", "agency", "first_name", "last_name", "date_of_birth",
            "address", "postcode", "uprn"]


@dataclass(frozen=True)
class PersonLinkage:
    """The result of :func:`link_people`.

    Attributes
    ----------
    links
        One row per record: ``person_record_id``, ``person_id`` (the smallest record id in its
        cluster), ``link_method`` (``agency reference`` for a person of one record,
        ``probabilistic``, ``analyst confirmed``), and for linked records the strongest link
        inside the cluster: ``linked_to``, ``match_probability``, ``match_weight``,
        ``agreeing_fields``.
    pairs
        One row per scored candidate pair (``person_record_id_l < person_record_id_r``) with
        ``match_weight``, ``match_probability``, each field's level (``name_level`` ...),
        label and weight, ``agreeing_fields``, ``decision`` and ``linked``.
    parameters
        The model: one row per field and level with m, u, the level's weight and ``source``
        (``trained`` on these records, or ``default`` when they are too few).
    threshold
        The match probability at or above which a pair joins.
    prior
        The trained probability that two random records match.
    """

    links: pd.DataFrame
    pairs: pd.DataFrame
    parameters: pd.DataFrame
    threshold: float
    prior: float = field(default=0.0)


def _iso(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return None
    if pd.isna(stamp):
        return None
    return stamp.strftime("%Y-%m-%d")


def _swapped(iso: str | None) -> str | None:
    if iso is None:
        return None
    year, month, day = (int(p) for p in iso.split("-"))
    if day == month or day > 12:
        return None
    return date(year, day, month).isoformat()


def _blank(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def prepare_records(records: pd.DataFrame) -> pd.DataFrame:
    """The standardised fields record linkage compares, one row per person record.

    ``records`` needs ``person_record_id``, ``agency``, ``first_name``, ``last_name``,
    ``date_of_birth``, ``address``, ``postcode`` and ``uprn``.

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "person_record_id": ["a:1"], "agency": ["a"], "first_name": ["Jon"],
    ...     "last_name": ["O'Brien"], "date_of_birth": [date(1980, 3, 7)],
    ...     "address": ["Flat 2, 14 High St, Redcar"], "postcode": ["ts10 1aa"],
    ...     "uprn": [None]})
    >>> row = prepare_records(frame).iloc[0]
    >>> row.first_name_std, row.surname_std, list(row.name_forms)
    ('jon', 'obrien', ['john', 'jon', 'jonathan'])
    >>> row.dob, row.dob_swapped, row.flat, row.premises, row.postcode
    ('1980-03-07', '1980-07-03', '2', '14 high street', 'TS10 1AA')
    """
    require_columns(records, _COLUMNS, "record linkage")
    rows = []
    for rec in records[_COLUMNS].itertuples(index=False):
        first = _blank(rec.first_name)
        address = parse_address(rec.address)
        dob = _iso(rec.date_of_birth)
        rows.append({
            "person_record_id": rec.person_record_id,
            "agency": rec.agency,
            "first_name_std": standard_name(first.split()[0]) if first else None,
            "surname_std": standard_name(rec.last_name),
            "name_forms": name_forms(first),
            "surname_forms": name_forms(_blank(rec.last_name)),
            "dob": dob,
            "dob_swapped": _swapped(dob),
            "flat": address.flat,
            "premises": address.premises if address.is_premises or address.number else None,
            "street": address.street,
            "town": address.town,
            "postcode": standard_postcode(rec.postcode),
            "uprn": _blank(rec.uprn),
        })
    out = pd.DataFrame(rows, columns=[
        "person_record_id", "agency", "first_name_std", "surname_std", "name_forms",
        "surname_forms", "dob",
        "dob_swapped", "flat", "premises", "street", "town", "postcode", "uprn"])
    return out.sort_values("person_record_id", kind="stable").reset_index(drop=True)


def _settings(prior: float, parameters: pd.DataFrame | None = None) -> SettingsCreator:
    """splink settings: the three fields' levels, blocking rules, and fixed m/u if given."""
    fixed = {} if parameters is None else {
        (r.field, r.level): (float(r.m_probability), float(r.u_probability))
        for r in parameters.itertuples(index=False)}
    comparisons: list[Any] = []
    for name, levels in LEVELS.items():
        built: list[Any] = []
        for i, (key, label, sql) in enumerate(levels):
            level = (cll.ElseLevel() if sql == "ELSE" else cll.CustomLevel(sql)).configure(
                label_for_charts=label)
            if i == 0:
                level.configure(is_null_level=True)
            elif (name, key) in fixed:
                m, u = fixed[(name, key)]
                level.configure(m_probability=m, u_probability=u)
            built.append(level)
        comparisons.append(cl.CustomComparison(built, output_column_name=name,
                                               comparison_description=_LABELS[name]))
    blocking: list[Any] = [CustomRule(rule) for rule in _BLOCKING]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="person_record_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        probability_two_random_records_match=prior,
        retain_matching_columns=True,  # keeps each field's level (gamma_) too
        retain_intermediate_calculation_columns=True,
        max_iterations=50,
        em_convergence=1e-5,
        linker_uid="asb",
    )


def _fit_and_score(prepared: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame,
                                                              float]:
    """Train the model (or take the default one), bound it, and score every blocked pair.

    splink runs in a private in-memory DuckDB database on one thread (DuckDB's sampling with a
    seed repeats only on one thread), so a rebuild gives the same weights. splink's progress
    messages are silenced while it runs.
    """
    quiet = logging.getLogger("splink")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET threads = 1")
        db = DuckDBAPI(con)
        frame = db.register(prepared, table_name="person_records")
        trained: tuple[pd.DataFrame, float] | None = None
        if len(prepared) >= MIN_RECORDS_TO_TRAIN:
            try:
                trained = _train(Linker(frame, _settings(1e-4), log_level=None), seed)
            except (SplinkException, ArithmeticError, ValueError):
                trained = None  # too few pairs for some rule: use the default model
        if trained is None:
            parameters = _default_parameters()
            prior = min(0.5, 2 * _MATCHED_PAIRS_PER_RECORD / max(len(prepared) - 1, 1))
        else:
            parameters, prior = trained
        scorer = Linker(frame, _settings(prior, parameters), log_level=None)
        scored = scorer.inference.predict(warning_mode="never").as_pandas_dataframe()
    finally:
        con.close()
        quiet.setLevel(level)
    return scored, parameters, prior


def _train(linker: Linker, seed: int) -> tuple[pd.DataFrame, float]:
    """u from random pairs, the prior from a strict rule, m by expectation maximisation."""
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [CustomRule(rule) for rule in _DETERMINISTIC], recall=_DETERMINISTIC_RECALL)
    training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    for rule in _TRAINING:
        training.estimate_parameters_using_expectation_maximisation(
            CustomRule(rule), estimate_without_term_frequencies=True)
    prior = float(linker._settings_obj._probability_two_random_records_match)
    parameters = _parameters(linker)
    default = _default_parameters().set_index(["field", "level"])
    for column in ("m_probability", "u_probability"):
        values = pd.to_numeric(parameters[column], errors="coerce")
        missing = ~(values > 0)  # a level never seen: its default value
        fallback = [default.loc[(f, lv), column] for f, lv in
                    parameters.loc[missing, ["field", "level"]].itertuples(index=False)]
        values[missing] = fallback
        parameters[column] = values
    if not 0 < prior < 1:
        raise ValueError("no pair met the deterministic rule")
    return _bounded(parameters.assign(source="trained")), prior


def _default_parameters() -> pd.DataFrame:
    labels = {(f, k): label for f, levels in LEVELS.items() for k, label, _sql in levels}
    rows = [{"field": f, "level": k, "label": labels[(f, k)], "m_probability": m,
             "u_probability": u, "source": "default"} for (f, k), (m, u) in DEFAULT_MODEL.items()]
    return _bounded(pd.DataFrame(rows))


def _parameters(linker: Linker) -> pd.DataFrame:
    """The trained m and u probability of every level (except "missing")."""
    rows = []
    settings = linker._settings_obj
    for comparison in settings.comparisons:
        name = comparison.output_column_name
        keys = [k for k, _label, _sql in LEVELS[name]]
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            rows.append({
                "field": name,
                "level": keys[len(keys) - 1 - level.comparison_vector_value],
                "label": level.label_for_charts,
                "m_probability": level.m_probability,
                "u_probability": level.u_probability,
            })
    return pd.DataFrame(rows)


#: Fewer person records than this are not enough to train a model (expectation maximisation
#: needs a few hundred true matches): the default model is used instead, as it is when training
#: fails for want of pairs.
MIN_RECORDS_TO_TRAIN = 2000

#: The default model: (m, u) per field and level, as trained on the synthetic sample (8,936
#: records, 568 true pairs). Its prior assumes this many matched pairs per record.
DEFAULT_MODEL: dict[tuple[str, str], tuple[float, float]] = {
    ("name", "exact"): (0.785, 0.000247),
    ("name", "swapped"): (0.00958, 3.44e-06),
    ("name", "nickname"): (0.12, 5.65e-05),
    ("name", "surname_typo"): (0.0474, 2.36e-05),
    ("name", "given_similar"): (0.00958, 4.96e-05),
    ("name", "names_similar"): (0.00958, 1.47e-05),
    ("name", "surname_only"): (0.00958, 0.0148),
    ("name", "different"): (0.00958, 0.985),
    ("date_of_birth", "exact"): (0.893, 5.04e-05),
    ("date_of_birth", "day_month_swapped"): (0.0237, 1.23e-05),
    ("date_of_birth", "one_digit"): (0.0685, 0.00122),
    ("date_of_birth", "two_parts"): (0.012, 0.0031),
    ("date_of_birth", "different"): (0.00241, 0.996),
    ("home", "uprn"): (0.0623, 2.45e-06),
    ("home", "address_postcode"): (0.781, 1.03e-05),
    ("home", "address"): (0.104, 2.45e-06),
    ("home", "address_no_flat"): (0.0241, 2.95e-06),
    ("home", "postcode"): (0.00971, 0.000217),
    ("home", "street"): (0.00971, 0.000244),
    ("home", "different"): (0.00971, 0.9995),
}
_MATCHED_PAIRS_PER_RECORD = 0.064

#: No level's m probability is taken below this: at least this share of true matches is
#: assumed to disagree in any way a field can disagree (people move and change names; a date
#: of birth is recorded wrongly beyond the typing slips the levels catch far less often).
#: Without it, expectation maximisation on a few hundred matches can make one field a veto.
M_FLOOR = {"name": 0.01, "date_of_birth": 0.002, "home": 0.01}


def _bounded(parameters: pd.DataFrame) -> pd.DataFrame:
    """m probabilities floored at :data:`M_FLOOR` and renormalised; weights recomputed."""
    out = parameters.copy()
    floor = out["field"].map(M_FLOOR).astype(float)
    out["m_probability"] = np.maximum(out["m_probability"].astype(float), floor)
    out["m_probability"] /= out.groupby("field")["m_probability"].transform("sum")
    out["u_probability"] = out["u_probability"].astype(float)
    out["match_weight"] = np.log2(out["m_probability"] / out["u_probability"])
    return out.round({"m_probability": 9, "u_probability": 12, "match_weight": 6})


def _tidy_pairs(scored: pd.DataFrame) -> pd.DataFrame:
    """Scored pairs with one level key, label and weight per field."""
    out = pd.DataFrame({
        "person_record_id_l": scored["person_record_id_l"].astype(str),
        "person_record_id_r": scored["person_record_id_r"].astype(str),
        "match_weight": scored["match_weight"].astype(float).round(6),
        "match_probability": scored["match_probability"].astype(float).round(6),
    })
    for name, levels in LEVELS.items():
        keys = [k for k, _label, _sql in levels]
        labels = dict((k, label) for k, label, _sql in levels)
        gamma = scored[f"gamma_{name}"].astype(int)
        # splink numbers levels from the least specific (0) up; -1 is the null level
        key = gamma.map(lambda g, keys=keys: "missing" if g < 0 else keys[len(keys) - 1 - g])
        out[f"{name}_level"] = key
        out[f"{name}_label"] = key.map(labels)
        out[f"{name}_weight"] = scored[f"mw_{name}"].astype(float).round(6)
    flip = out["person_record_id_l"] > out["person_record_id_r"]
    left = out.loc[flip, "person_record_id_l"].copy()
    out.loc[flip, "person_record_id_l"] = out.loc[flip, "person_record_id_r"]
    out.loc[flip, "person_record_id_r"] = left
    out["agreeing_fields"] = explain(out)
    return out.sort_values(["person_record_id_l", "person_record_id_r"]).reset_index(drop=True)


def explain(pairs: pd.DataFrame) -> pd.Series:
    """Which fields count for a link, in words: each field whose level adds weight.

    Examples
    --------
    >>> pairs = pd.DataFrame({
    ...     "name_label": ["same name"], "name_weight": [9.1],
    ...     "date_of_birth_label": ["date of birth missing"], "date_of_birth_weight": [0.0],
    ...     "home_label": ["same UPRN"], "home_weight": [11.0]})
    >>> explain(pairs).iloc[0]
    'name: same name; home: same UPRN'
    """
    def one(row: pd.Series) -> str:
        parts = [f"{_LABELS[f]}: {row[f'{f}_label']}" for f in FIELDS
                 if row[f"{f}_weight"] > 0]
        return "; ".join(parts) if parts else "no field agrees"

    if pairs.empty:
        return pd.Series([], dtype=object)
    return pairs.apply(one, axis=1)


class _Groups:
    """Union-find over record ids that refuses joins forbidden by ``split`` pairs."""

    def __init__(self, ids: Iterable[str], split: Iterable[tuple[str, str]]) -> None:
        self.parent = {i: i for i in ids}
        self.members = {i: {i} for i in self.parent}
        self.apart: dict[str, set[str]] = {}
        for a, b in split:
            if a in self.parent and b in self.parent:
                self.apart.setdefault(a, set()).add(b)
                self.apart.setdefault(b, set()).add(a)

    def find(self, i: str) -> str:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        small, large = sorted((ra, rb), key=lambda r: (len(self.members[r]), r))
        if any(self.apart.get(m, set()) & self.members[large] for m in self.members[small]):
            return False
        self.parent[small] = large
        self.members[large] |= self.members.pop(small)
        return True


def cluster_pairs(
    ids: Iterable[str],
    pairs: pd.DataFrame,
    threshold: float,
    decisions: pd.DataFrame | None = None,
) -> pd.Series:
    """People from scored pairs: each record id's person id (the smallest id in its cluster).

    Confirmed pairs join first; then pairs at or above ``threshold``, strongest first; a join
    that would put two records of a split pair into one person is refused, so a split holds
    even when other links connect the two records.

    Examples
    --------
    >>> pairs = pd.DataFrame({"person_record_id_l": ["a", "b", "a"],
    ...                       "person_record_id_r": ["b", "c", "c"],
    ...                       "match_probability": [0.99, 0.95, 0.5],
    ...                       "match_weight": [9.0, 6.0, 0.0]})
    >>> cluster_pairs("abcd", pairs, 0.9).tolist()
    ['a', 'a', 'a', 'd']
    >>> split = pd.DataFrame({"record_a": ["a"], "record_b": ["c"], "decision": ["split"]})
    >>> cluster_pairs("abcd", pairs, 0.9, split).tolist()
    ['a', 'a', 'c', 'd']
    >>> confirm = pd.DataFrame({"record_a": ["d"], "record_b": ["c"], "decision": ["confirm"]})
    >>> cluster_pairs("abcd", pairs, 0.9, confirm).tolist()
    ['a', 'a', 'a', 'a']
    """
    ids = sorted(set(ids))
    decisions = decisions if decisions is not None else pd.DataFrame(
        columns=["record_a", "record_b", "decision"])
    split = [(a, b) for a, b, d in decisions[["record_a", "record_b", "decision"]]
             .itertuples(index=False) if d == "split"]
    confirmed = [(a, b) for a, b, d in decisions[["record_a", "record_b", "decision"]]
                 .itertuples(index=False) if d == "confirm"]
    groups = _Groups(ids, split)
    for a, b in sorted(confirmed):
        if a in groups.parent and b in groups.parent:
            groups.join(a, b)
    strong = pairs[pairs["match_probability"] >= threshold].sort_values(
        ["match_weight", "person_record_id_l", "person_record_id_r"],
        ascending=[False, True, True], kind="stable")
    for a, b in strong[["person_record_id_l", "person_record_id_r"]].itertuples(index=False):
        groups.join(a, b)
    root_min: dict[str, str] = {}
    for i in ids:
        root = groups.find(i)
        root_min[root] = min(root_min.get(root, i), i)
    return pd.Series([root_min[groups.find(i)] for i in ids], index=ids, name="person_id")


def _latest_decisions(decisions: pd.DataFrame | None) -> pd.DataFrame:
    """One decision per pair (the latest), with the pair's ids in sorted order."""
    columns = ["record_a", "record_b", "decision", "decided_by", "decided_at", "reason"]
    if decisions is None or decisions.empty:
        return pd.DataFrame(columns=columns)
    frame = decisions.copy()
    bad = ~frame["decision"].isin(["confirm", "split"])
    if bad.any():
        raise AnalysisProblem(
            f"app_link_decision holds decision(s) {sorted(frame.loc[bad, 'decision'].unique())}"
            "; each decision must be 'confirm' or 'split'")
    a = frame[["record_a", "record_b"]].min(axis=1)
    b = frame[["record_a", "record_b"]].max(axis=1)
    frame["record_a"], frame["record_b"] = a, b
    frame = frame.sort_values(["record_a", "record_b", "decided_at"], kind="stable")
    return frame.groupby(["record_a", "record_b"], as_index=False).tail(1)[columns]


def link_people(
    records: pd.DataFrame,
    decisions: pd.DataFrame | None = None,
    *,
    threshold: float = 0.9,
    seed: int = 20220101,
) -> PersonLinkage:
    """Resolve person records into people (see the module docstring for the method).

    Parameters
    ----------
    records
        One row per person record with ``person_record_id``, ``agency``, ``first_name``,
        ``last_name``, ``date_of_birth``, ``address``, ``postcode``, ``uprn``.
    decisions
        Analysts' decisions: ``record_a``, ``record_b``, ``decision`` (``confirm`` or
        ``split``) and ``decided_at``; the latest decision on a pair applies.
    threshold
        Match probability at or above which two records are linked.
    seed
        Seed for the random pairs that estimate u probabilities.
    """
    if not 0 < threshold < 1:
        raise AnalysisProblem(
            f"linkage.match_threshold is {threshold}; it must be a probability between 0 and 1")
    prepared = prepare_records(records)
    latest = _latest_decisions(decisions)
    pair_columns = ["person_record_id_l", "person_record_id_r", "match_weight",
                    "match_probability"] + [f"{f}_{s}" for f in FIELDS
                                            for s in ("level", "label", "weight")]
    if len(prepared) >= 2:
        scored, parameters, prior = _fit_and_score(prepared, seed)
        pairs = _tidy_pairs(scored) if len(scored) else pd.DataFrame(
            columns=[*pair_columns, "agreeing_fields"])
    else:
        parameters = _default_parameters()
        pairs, prior = pd.DataFrame(columns=[*pair_columns, "agreeing_fields"]), 0.0
    ids = prepared["person_record_id"].tolist()
    person = cluster_pairs(ids, pairs, threshold, latest)
    pairs = pairs.merge(
        latest[["record_a", "record_b", "decision"]].rename(
            columns={"record_a": "person_record_id_l", "record_b": "person_record_id_r"}),
        how="left", on=["person_record_id_l", "person_record_id_r"])
    pairs["linked"] = (pairs["person_record_id_l"].map(person)
                       == pairs["person_record_id_r"].map(person))
    links = _links(ids, person, pairs, latest)
    return PersonLinkage(links=links, pairs=pairs, parameters=parameters,
                         threshold=threshold, prior=prior)


def _links(ids: list[str], person: pd.Series, pairs: pd.DataFrame,
           decisions: pd.DataFrame) -> pd.DataFrame:
    """Each record's person and its strongest link inside that person."""
    inside = pairs[pairs["linked"]]
    both = pd.concat([
        inside.rename(columns={"person_record_id_l": "rec", "person_record_id_r": "other"}),
        inside.rename(columns={"person_record_id_r": "rec", "person_record_id_l": "other"}),
    ])
    confirmed = decisions[decisions["decision"] == "confirm"]
    confirmed = confirmed[confirmed["record_a"].map(person) == confirmed["record_b"].map(person)]
    conf = pd.concat([
        confirmed.rename(columns={"record_a": "rec", "record_b": "other"}),
        confirmed.rename(columns={"record_b": "rec", "record_a": "other"}),
    ])[["rec", "other"]].assign(confirmed=True)
    both = both.merge(conf, how="outer", on=["rec", "other"])
    both["confirmed"] = both["confirmed"].eq(True)
    both = both.sort_values(["rec", "confirmed", "match_weight", "other"],
                            ascending=[True, False, False, True], na_position="last")
    best = both.groupby("rec").head(1).set_index("rec")
    sizes = person.value_counts()
    rows: list[tuple] = []
    for rec in ids:
        pid = person[rec]
        if sizes[pid] == 1:
            rows.append((rec, pid, "agency reference", None, None, None, None))
            continue
        if rec not in best.index:  # joined only through a confirmed chain
            rows.append((rec, pid, "analyst confirmed", None, None, None, None))
            continue
        b = best.loc[rec]
        method = "analyst confirmed" if b["confirmed"] else "probabilistic"
        prob = None if pd.isna(b.get("match_probability")) else float(b["match_probability"])
        weight = None if pd.isna(b.get("match_weight")) else float(b["match_weight"])
        agree = b.get("agreeing_fields")
        agree = None if not isinstance(agree, str) else agree
        if method == "analyst confirmed":
            agree = f"confirmed by an analyst{'; ' + agree if agree else ''}"
        rows.append((rec, pid, method, prob, weight, agree, b["other"]))
    return pd.DataFrame(rows, columns=["person_record_id", "person_id", "link_method",
                                       "match_probability", "match_weight",
                                       "agreeing_fields", "linked_to"])
