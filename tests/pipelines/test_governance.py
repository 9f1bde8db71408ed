"""Governance figures, suppression, the meeting pack and its command, users and the audit table.

Figures are checked on the sample warehouse, whose synthetic people, cases, actions and risk
assessments hold names, references and addresses for the no-personal-data checks.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipelines import report as report_module
from pipelines.audit import read_audit, record
from pipelines.cli import app
from pipelines.governance import HIDDEN, Period, governance_report, is_hidden, suppress
from pipelines.report import governance_pack_html, lsoa_rates, map_svg
from pipelines.users import check_password, hash_password, load_users, save_user, verify_password
from pipelines.warehouse import build, connect

AUGUST = Period(date(2022, 8, 1), date(2022, 8, 31))
SUMMER = Period(date(2022, 6, 1), date(2022, 8, 31))
THRESHOLD = 5


@pytest.fixture(scope="session")
def gov_db(sample_db: Path) -> Path:
    """The sample warehouse: police.uk data and synthetic people, cases, actions, assessments."""
    return sample_db


@pytest.fixture(scope="session")
def gov_con(gov_db: Path):
    con = duckdb.connect(str(gov_db), read_only=True)
    yield con
    con.close()


# ---------------------------------------------------------------------------------------------
# Suppression rules on hand-made tables


def _shown(frame: pd.DataFrame) -> list[list[str]]:
    return frame.astype(str).values.tolist()


def test_primary_suppression_hides_one_to_threshold_minus_one():
    counts = pd.DataFrame({"n": [0, 1, 4, 5, 1234]}, index=list("abcde"))
    assert suppress(counts, 5)["n"].tolist() == ["0", "[c]", "[c]", "5", "1,234"]


def test_the_threshold_is_a_parameter():
    counts = pd.DataFrame({"n": [4, 7, 10]})
    assert suppress(counts, 10)["n"].tolist() == ["[c]", "[c]", "10"]
    assert suppress(counts, 3)["n"].tolist() == ["4", "7", "10"]


def test_a_total_row_forces_a_second_cell_to_be_hidden():
    counts = pd.DataFrame({"n": [3, 12, 40, 55]}, index=["a", "b", "c", "All"])
    shown = suppress(counts, 5, row_total="All")["n"].tolist()
    # 55 - 12 - 40 would give 3 back: the next smallest (12) is hidden too.
    assert shown == ["[c]", "[c]", "40", "55"]


def test_no_secondary_suppression_without_a_total():
    counts = pd.DataFrame({"n": [3, 12, 40]})
    assert suppress(counts, 5)["n"].tolist() == ["[c]", "12", "40"]


def test_small_and_protecting_cells_look_the_same():
    """Marking a cell hidden to protect another apart from a small one would give the small
    one away: here 1 + 5 = 46 - 40, so a reader told which is which (and that the other is at
    least 5) would know the small one is 1."""
    counts = pd.DataFrame({"a": [1], "b": [5], "c": [40], "T": [46]})
    shown = suppress(counts, 5, col_total="T")
    assert shown.iloc[0].tolist() == [HIDDEN, HIDDEN, "40", "46"]
    big = pd.DataFrame({"x": [2, 857, 859], "y": [97, 155, 252], "All": [99, 1012, 1111]},
                       index=["a", "b", "All"])
    shown = suppress(big, 5, row_total="All", col_total="All")
    assert set(shown.to_numpy().ravel()) <= {HIDDEN} | {f"{v:,}" for v in big.to_numpy().ravel()}
    _assert_no_line_reveals(big, shown, "All", "All")


def test_hidden_cells_adding_up_to_a_small_number_hide_one_more():
    """1 and 1 hidden beside a shown total: 24 - 7 - 6 - 9 = 2 gives both away (the sample's
    June 2022 victims table did this), so the smallest shown cell is hidden too."""
    counts = pd.DataFrame({"n": [1, 7, 6, 9, 1, 24]}, index=["a", "b", "c", "d", "e", "All"])
    shown = suppress(counts, 5, row_total="All")["n"].tolist()
    assert shown == ["[c]", "7", "[c]", "9", "[c]", "24"]  # 1 + 6 + 1 = 8: not small
    _assert_no_line_reveals(counts, suppress(counts, 5, row_total="All"), "All", None)


def test_two_small_cells_in_a_line_need_nothing_more():
    counts = pd.DataFrame({"n": [3, 2, 40, 45]}, index=["a", "b", "c", "All"])
    assert suppress(counts, 5, row_total="All")["n"].tolist() == ["[c]", "[c]", "40", "45"]


def test_secondary_suppression_follows_crossing_lines():
    counts = pd.DataFrame(
        {"x": [3, 20, 9, 32], "y": [30, 40, 8, 78], "All": [33, 60, 17, 110]},
        index=["a", "b", "c", "All"],
    )
    shown = suppress(counts, 5, row_total="All", col_total="All")
    # Row a: 3 hidden, so 30 (its only other cell) is hidden. Column x: 3 hidden, so the
    # smallest other (9) is hidden. Column y then has 30 hidden alone: 8 is hidden. Row c then
    # has two hidden cells: done.
    assert _shown(shown) == [["[c]", "[c]", "33"], ["20", "40", "60"], ["[c]", "[c]", "17"],
                             ["32", "78", "110"]]


def test_a_total_is_hidden_when_every_other_cell_is_zero():
    # Row a's 3 hides 12 (its row's other cell); column y then has 12 hidden and only zeros
    # beside it, so its total is hidden; the total row then hides a second total.
    counts = pd.DataFrame({"x": [3, 30, 33], "y": [12, 0, 12], "All": [15, 30, 45]},
                          index=["a", "b", "All"])
    shown = suppress(counts, 5, row_total="All", col_total="All")
    assert shown.at["a", "y"] == "[c]" and shown.at["All", "y"] == "[c]"
    _assert_no_line_reveals(counts, shown, "All", "All")


def test_missing_values_and_other_columns_pass_through():
    frame = pd.DataFrame({"n": [2.0, np.nan], "label": ["p", "q"]})
    shown = suppress(frame, 5, columns=["n"])
    assert shown["n"].tolist() == ["[c]", "–"] and shown["label"].tolist() == ["p", "q"]


def _assert_no_line_reveals(counts: pd.DataFrame, shown: pd.DataFrame, row_total, col_total
                            ) -> None:
    hidden = shown.map(is_hidden).to_numpy()
    rows, cols = list(counts.index), list(counts.columns)
    if col_total is not None:
        for i in range(len(rows)):
            assert hidden[i].sum() != 1, f"row {rows[i]} reveals its hidden cell"
    if row_total is not None:
        for j in range(len(cols)):
            assert hidden[:, j].sum() != 1, f"column {cols[j]} reveals its hidden cell"
    values = counts.to_numpy()
    assert not ((values >= 1) & (values < THRESHOLD) & ~hidden).any()
    # The hidden cells of a line whose total is shown add up to the total less the shown
    # cells: that sum must not be small either.
    lines = []
    if col_total is not None:
        t = cols.index(col_total)
        lines += [([(i, j) for j in range(len(cols)) if j != t], (i, t)) for i in range(len(rows))]
    if row_total is not None:
        t = rows.index(row_total)
        lines += [([(i, j) for i in range(len(rows)) if i != t], (t, j)) for j in range(len(cols))]
    for members, total in lines:
        if hidden[total]:
            continue
        held = [values[c] for c in members if hidden[c]]
        assert not held or sum(held) >= THRESHOLD, (members, held)


@pytest.mark.parametrize("seed", range(25))
def test_random_tables_never_reveal_a_small_count(seed):
    rng = np.random.default_rng(seed)
    cells = rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 40], size=(rng.integers(2, 6),
                                                             rng.integers(2, 5)))
    frame = pd.DataFrame(cells, index=[f"r{i}" for i in range(len(cells))],
                         columns=[f"c{j}" for j in range(cells.shape[1])])
    frame["All"] = frame.sum(axis=1)
    frame = pd.concat([frame, frame.sum().to_frame("All").T])
    shown = suppress(frame, THRESHOLD, row_total="All", col_total="All")
    _assert_no_line_reveals(frame, shown, "All", "All")


def test_period_compares_with_the_same_days_a_year_earlier():
    assert Period(date(2024, 2, 29), date(2024, 3, 31)).previous() == Period(
        date(2023, 2, 28), date(2023, 3, 31))
    with pytest.raises(ValueError):
        Period(date(2022, 2, 1), date(2022, 1, 1))


def test_periods_are_labelled_by_the_months_counted():
    assert Period.whole_months(date(2022, 3, 15), date(2022, 3, 20)) == Period(
        date(2022, 3, 1), date(2022, 3, 31))
    assert Period(date(2022, 3, 1), date(2022, 3, 31)).label == "Mar 2022"
    assert Period(date(2022, 1, 1), date(2022, 12, 31)).label == "Jan 2022 to Dec 2022"
    assert Period(date(2022, 3, 15), date(2022, 3, 20)).label == "15/03/2022 to 20/03/2022"


def test_a_period_longer_than_a_year_is_compared_with_the_preceding_period():
    """A year earlier would overlap it (2021 in both periods): the preceding 24 months don't."""
    two_years = Period(date(2021, 1, 1), date(2022, 12, 31))
    assert not two_years.year_on_year
    assert two_years.previous() == Period(date(2019, 1, 1), date(2020, 12, 31))
    assert two_years.comparison == "the preceding 24 months"
    year = Period(date(2022, 1, 1), date(2022, 12, 31))
    assert year.year_on_year and year.previous() == Period(date(2021, 1, 1), date(2021, 12, 31))
    assert year.comparison == "the same period last year"
    days = Period(date(2021, 1, 10), date(2022, 1, 20))
    assert days.previous().end == date(2021, 1, 9)
    assert days.previous().end - days.previous().start == days.end - days.start


def test_long_period_report_names_the_previous_period_and_every_warning(gov_con):
    two_years = Period(date(2021, 1, 1), date(2022, 12, 31))
    rep = governance_report(gov_con, two_years)
    assert rep.previous == Period(date(2019, 1, 1), date(2020, 12, 31))
    assert rep.previous_name == "Previous period"
    change = rep.figure("asb_volume").display["change"]
    assert list(change.columns) == ["This period", "Previous period", "Change"]
    assert change.at["All areas", "Previous period"] == "0"  # nothing held before 2021
    victims = rep.figure("victims").display["by_area"]
    assert "Victims in the previous period" in victims.columns
    # Each month against the same month 24 months earlier, not a year earlier (held).
    trend = rep.figure("asb_volume").tables["trend"]
    assert trend.at["Jan 2022", "Previous period"] == 0
    # Both caveats apply, and both are given.
    assert not rep.previous_held and rep.uneven_sources
    assert len(rep.warnings) == 2
    assert rep.warnings[0].startswith("The warehouse holds little or no ASB data for the "
                                      "preceding 24 months (Jan 2019 to Dec 2020)")
    assert rep.warnings[1].startswith("Not every source covers both periods")
    html = report_module.governance_html(rep, "")
    assert "against Jan 2019 to Dec 2020 (the preceding 24 months)" in html
    assert "The warehouse holds little or no ASB data" in html
    assert "Not every source covers both periods" in html
    assert "Change on the previous period" in html


def test_pack_for_a_period_without_data_says_so(gov_db, gov_con, tmp_path):
    con = duckdb.connect(str(gov_db), read_only=True)
    try:
        result = report_module.write_governance_pack(
            con, date(2030, 1, 1), date(2030, 3, 31), tmp_path / "p4.html", pdf=False)
    finally:
        con.close()
    assert not result.period_held
    assert result.warnings[0].startswith("No source holds data for Jan 2030 to Mar 2030")
    text = result.html.read_text(encoding="utf-8")
    assert "No source holds data for Jan 2030 to Mar 2030" in text
    assert "every figure is zero because nothing is loaded for the period" in text
    # A period with data has no such warning.
    rep = governance_report(gov_con, SUMMER)
    assert rep.period_held and not any(w.startswith("No source") for w in rep.warnings)


def test_pack_widens_days_to_whole_months_and_says_so(gov_db, tmp_path):
    con = duckdb.connect(str(gov_db), read_only=True)
    try:
        result = report_module.write_governance_pack(
            con, date(2022, 3, 15), date(2022, 3, 20), tmp_path / "p.html", pdf=False)
        march = _n(con, "SELECT count(*) FROM mart_incident WHERE is_asb AND month = "
                        "DATE '2022-03-01'")
    finally:
        con.close()
    text = result.html.read_text(encoding="utf-8")
    assert "Mar 2022, against Mar 2021 (the same period last year)" in text
    assert "15/03/2022" not in text
    assert f"<td class=\"count\">{march:,}</td>" in text
    assert any("widened to whole months (Mar 2022)" in w for w in result.warnings)


# ---------------------------------------------------------------------------------------------
# Figures on the sample data equal independent SQL


def _n(con, sql: str, params: list | None = None) -> int:
    return int(con.execute(sql, params or []).fetchall()[0][0])


def test_asb_volume_equals_independent_counts(gov_con):
    rep = governance_report(gov_con, SUMMER)
    fig = rep.figure("asb_volume")
    assert fig.available
    now = fig.tables["this_period"]
    assert now.at["All areas", "All categories"] == _n(
        gov_con, "SELECT count(*) FROM mart_incident WHERE is_asb AND month BETWEEN ? AND ?",
        [date(2022, 6, 1), date(2022, 8, 31)])
    assert now.at["Middlesbrough", "nuisance"] == _n(
        gov_con, "SELECT count(*) FROM mart_incident WHERE is_asb AND month BETWEEN ? AND ? "
        "AND csp_code = 'E06000002' AND category = 'nuisance'",
        [date(2022, 6, 1), date(2022, 8, 31)])
    before = fig.tables["year_earlier"]
    assert before.at["All areas", "All categories"] == _n(
        gov_con, "SELECT count(*) FROM mart_incident WHERE is_asb AND month BETWEEN ? AND ?",
        [date(2021, 6, 1), date(2021, 8, 31)])
    assert fig.tables["trend"].loc["Jul 2022", "This period"] == _n(
        gov_con, "SELECT count(*) FROM mart_incident WHERE is_asb AND month = '2022-07-01'")


def test_area_filter_restricts_every_figure(gov_con):
    rep = governance_report(gov_con, SUMMER, areas=("E06000001",))
    assert list(rep.areas) == ["E06000001"]
    now = rep.figure("asb_volume").tables["this_period"]
    assert list(now.index) == ["Hartlepool", "All areas"]
    assert now.at["All areas", "All categories"] == _n(
        gov_con, "SELECT count(*) FROM mart_incident WHERE is_asb AND csp_code = 'E06000001' "
        "AND month BETWEEN '2022-06-01' AND '2022-08-31'")


def test_victims_actions_and_cases_equal_independent_counts(gov_con):
    rep = governance_report(gov_con, SUMMER)
    victims = rep.figure("victims").tables["by_area"]
    # A person is a linked person when record linkage has run, else an agency record.
    linked = _n(gov_con, "SELECT count(*) FROM information_schema.tables WHERE table_name = "
                         "'core_person_link'")
    person = "coalesce(k.person_id, r.person_record_id)" if linked else "r.person_record_id"
    link = ("LEFT JOIN core_person_link k ON k.person_record_id = r.person_record_id"
            if linked else "")
    per_person = (
        f"SELECT {person} AS who, count(DISTINCT i.incident_id) AS n FROM core_person_role r "
        f"JOIN core_incident i USING (incident_id) {link} WHERE i.is_asb AND r.role IN "
        "('victim', 'complainant') AND i.month BETWEEN '2022-06-01' AND '2022-08-31' GROUP BY 1")
    assert victims.at["All areas", "Victims"] == _n(gov_con, f"SELECT count(*) FROM ({per_person})")
    assert victims.at["All areas", "Repeat victims"] == _n(
        gov_con, f"SELECT count(*) FROM ({per_person}) WHERE n >= 2")
    actions = rep.figure("tools_and_powers").tables["by_action"]
    assert actions.at["All actions", "This period"] == _n(
        gov_con, "SELECT count(*) FROM core_action WHERE action_date BETWEEN '2022-06-01' AND "
        "'2022-08-31'")
    cases = rep.figure("response_times").tables["counts"]
    assert cases.at["All cases", "opened"] == _n(
        gov_con, "SELECT count(*) FROM core_case WHERE case_record_held AND opened_at BETWEEN "
        "'2022-06-01' AND '2022-08-31'")
    closed = rep.figure("outcomes").tables["closure_reasons"]
    assert closed.at["All closed cases", "This period"] == _n(
        gov_con, "SELECT count(*) FROM core_case WHERE case_record_held AND closed_at BETWEEN "
        "'2022-06-01' AND '2022-08-31'")
    bands = rep.figure("high_risk_victims").tables["by_band"]
    assert bands.at["All victims", "Victims"] == victims.at["All areas", "Victims"]


def test_every_shown_table_suppresses_small_counts_and_reveals_none(gov_con):
    seen_suppressed = False
    for period in (AUGUST, SUMMER, Period(date(2022, 8, 5), date(2022, 8, 7))):
        rep = governance_report(gov_con, period, areas=())
        for fig in rep.figures:
            for name, shown in fig.display.items():
                counts = shown[[c for c in shown.columns if not str(c).startswith("Median")]]
                counts = counts.loc[[r for r in counts.index if not str(r).startswith(
                    "Satisfied")]]
                for value in counts.to_numpy().ravel():
                    text = str(value)
                    if re.fullmatch(r"[\d,]+", text):
                        assert not 1 <= int(text.replace(",", "")) < THRESHOLD, (
                            fig.key, name, text)
                    assert not text.startswith("<"), (fig.key, name, text)  # one marker only
                    seen_suppressed |= text == HIDDEN
    assert seen_suppressed, "the sample should exercise suppression"


def test_figures_without_their_data_say_what_they_need(empty_db):
    con = duckdb.connect(str(empty_db()), read_only=True)
    rep = governance_report(con, AUGUST)
    con.close()
    needs = {f.key: f.needs for f in rep.figures}
    assert all(needs.values()), needs
    assert "case review applications" in needs["case_reviews"]
    assert "people" in needs["victims"]


def test_case_review_figures_light_up_when_their_table_appears(gov_db, tmp_path):
    import shutil

    db = tmp_path / "cr.duckdb"
    shutil.copy(gov_db, db)
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE OR REPLACE TABLE mart_case_review AS SELECT * FROM (VALUES "
        + ", ".join(
            f"('A{i}', DATE '2022-08-{1 + i % 28:02d}', 'E06000002', {str(i % 3 == 0).upper()}, "
            f"{'NULL' if i % 3 == 0 else repr('fewer than three qualifying complaints' if i % 2 else 'complaint not within one month')}, "
            f"{'DATE ' + repr('2022-09-01') if i % 3 == 0 else 'NULL'}, {str(i % 6 == 0).upper()})"
            for i in range(20))
        + ") t(application_id, received_on, csp_code, threshold_met, threshold_reason, "
          "review_held_on, recommendations_made)")
    rep = governance_report(con, AUGUST)
    con.close()
    fig = rep.figure("case_reviews")
    assert fig.available
    stat = fig.tables["statutory"]["This period"].tolist()
    assert stat == [20, 13, 7, 4]
    assert fig.display["statutory"]["This period"].tolist() == ["20", "13", "7", HIDDEN]
    reasons = fig.tables["reasons"]
    assert reasons.at["Threshold not met", "Applications"] == 13


# ---------------------------------------------------------------------------------------------
# The pack: self-contained, suppressed, no personal data


def _personal_strings(con) -> dict[str, set[str]]:
    """Names, references and addresses actually held in the warehouse."""

    def col(sql: str) -> set[str]:
        return {str(r[0]).strip() for r in con.execute(sql).fetchall()
                if r[0] is not None and len(str(r[0]).strip()) >= 4}

    # A surname that is also a category the pack reports (ethnicity "White") is not a leak.
    labels = {v.lower() for v in col("SELECT ethnicity FROM core_person_record")}
    return {
        "full names": col("SELECT first_name || ' ' || last_name FROM core_person_record"),
        "surnames": {v for v in col("SELECT last_name FROM core_person_record")
                     if v.lower() not in labels},
        "person refs": col("SELECT person_ref FROM core_person_record")
        | col("SELECT person_record_id FROM core_person_record"),
        "addresses": col("SELECT address FROM core_person_record")
        | col("SELECT address FROM core_incident WHERE address IS NOT NULL"),
        "postcodes": col("SELECT postcode FROM core_person_record")
        | col("SELECT postcode FROM core_incident WHERE postcode IS NOT NULL"),
        "uprns": col("SELECT uprn FROM core_person_record") | col(
            "SELECT uprn FROM core_incident WHERE uprn IS NOT NULL"),
        "incident refs": col("SELECT source_ref FROM core_incident WHERE template <> "
                             "'police-uk' AND source_ref IS NOT NULL"),
        "case refs": col("SELECT case_ref FROM core_case"),
    }


def _tokens(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9']+", text)


def assert_no_personal_data(text: str, con) -> None:
    """No name, reference or address held in the warehouse appears in ``text``.

    Values are compared as runs of words (punctuation and spacing aside): full names,
    references and addresses in any case; surnames as whole words, as held (upper case in
    some exports) or capitalised.
    """
    words = _tokens(text)
    lower = [w.lower() for w in words]
    runs = {" ".join(lower[i:i + n]) for n in range(1, 9) for i in range(len(lower) - n + 1)}
    exact = set(words)
    found = []
    for kind, values in _personal_strings(con).items():
        assert values or kind in ("uprns",), f"the sample should hold {kind}"
        for value in values:
            if kind == "surnames":
                # as held or capitalised; a surname held in lower case (a messy council record)
                # is looked for capitalised only, since "ward" or "hall" are ordinary words too
                forms = {value.title()} | ({value} if not value.islower() else set())
                found += [(kind, form) for form in forms if form in exact]
            elif " ".join(_tokens(value.lower())) in runs:
                found.append((kind, value))
    assert not found, f"personal data in a governance output: {found[:10]}"


def test_the_personal_data_check_finds_what_it_looks_for(gov_con):
    held = _personal_strings(gov_con)
    for kind in ("full names", "addresses", "person refs", "postcodes"):
        sample = sorted(held[kind])[0]
        with pytest.raises(AssertionError, match=kind):
            assert_no_personal_data(f"<td>{sample}</td>", gov_con)


@pytest.fixture(scope="module")
def pack_html(gov_con) -> str:
    return governance_pack_html(gov_con, SUMMER)


def test_sources_not_covering_both_periods_are_named(gov_con, pack_html):
    """police.uk data in the sample start in January 2022: a summer 2022 change against summer
    2021 compares four sources with three, and the report says so; without police.uk it does
    not."""
    rep = governance_report(gov_con, SUMMER)
    assert rep.previous_held
    assert rep.uneven_sources == ("police-uk: Jan 2022 to Nov 2022",)
    assert "Not every source covers both periods (police-uk: Jan 2022 to Nov 2022)" in pack_html
    others = tuple(s for (s,) in gov_con.execute(
        "SELECT DISTINCT source_name FROM mart_incident WHERE source_name <> 'police-uk'"
    ).fetchall())
    assert governance_report(gov_con, SUMMER, sources=others).uneven_sources == ()
    # A source holding nothing in either period is not listed.
    march = governance_report(gov_con, Period(date(2021, 3, 1), date(2021, 3, 31)))
    assert not any(s.startswith("police-uk") for s in march.uneven_sources)


def test_pack_holds_no_name_reference_or_address(pack_html, gov_con):
    assert_no_personal_data(pack_html, gov_con)


def test_pack_count_cells_are_suppressed(pack_html):
    cells = re.findall(r'<td class="count">([^<]*)</td>', pack_html)
    assert len(cells) > 50
    assert HIDDEN in cells
    for cell in cells:
        if re.fullmatch(r"[\d,]+", cell):
            assert not 1 <= int(cell.replace(",", "")) < THRESHOLD, cell


def test_pack_is_self_contained_and_complete(pack_html):
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", pack_html)
    assert "url(" not in pack_html and "@import" not in pack_html and "<script" not in pack_html
    for heading in ("ASB volume by category and CSP area", "Victims and repeat victims",
                    "High-risk victims", "ASB case reviews", "Time to first contact",
                    "Actions, tools and powers used", "Outcomes and complainant satisfaction",
                    "Definitions", "Data sources and licences", "Open Government Licence"):
        assert heading in pack_html, heading
    assert "Not available yet: needs case review applications" in pack_html
    # Every figure links to its definition, and every definition has its text.
    for anchor in re.findall(r'href="#(def-[a-z-]+)"', pack_html):
        assert f'id="{anchor}"' in pack_html
    assert "See docs/governance.md" not in pack_html
    assert pack_html.count("<svg") >= 3  # trend, actions, map
    assert "Generated by ASB Insight on" in pack_html


def test_map_classes_never_show_small_counts(gov_con):
    rates = lsoa_rates(gov_con, AUGUST)
    svg = map_svg(rates, THRESHOLD)
    assert svg.count("<path") == len(rates) == _n(gov_con, "SELECT count(*) FROM core_area_lsoa")
    small = int(((rates["incidents"] > 0) & (rates["incidents"] < THRESHOLD)).sum())
    assert svg.count('fill="#e6e6e6"') == small + 1  # the LSOAs plus the legend key


def test_report_command_writes_html_and_pdf(gov_db, tmp_path):
    out = tmp_path / "pack" / "board.html"
    result = CliRunner().invoke(app, ["report", "governance", "--db", str(gov_db), "--from",
                                      "2022-08-01", "--to", "2022-08-31", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    pdf = out.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_report_command_prints_the_packs_warnings(gov_db, tmp_path, monkeypatch):
    monkeypatch.setattr(report_module, "find_chromium", lambda: None)  # the PDF is not the point
    out = tmp_path / "empty-period.html"
    result = CliRunner().invoke(app, ["report", "governance", "--db", str(gov_db), "--from",
                                      "2030-01-01", "--to", "2030-03-31", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "warning: No source holds data for Jan 2030 to Mar 2030" in result.output


def test_report_command_without_chromium_still_writes_the_html(gov_db, tmp_path, monkeypatch):
    monkeypatch.setattr(report_module, "find_chromium", lambda: None)
    out = tmp_path / "board.html"
    result = CliRunner().invoke(app, ["report", "governance", "--db", str(gov_db), "--from",
                                      "2022-08-01", "--to", "2022-08-31", "--out", str(out)])
    assert result.exit_code == 0
    assert out.exists() and not out.with_suffix(".pdf").exists()
    assert "no Chromium found to print the PDF" in result.output


def test_report_command_refuses_a_bad_period(gov_db, tmp_path, capsys):
    from pipelines.cli import main

    for args in (["--from", "2022-08-31", "--to", "2022-08-01"],
                 ["--from", "31/08/2022", "--to", "2022-09-01"]):
        with pytest.raises(SystemExit) as stop:
            import sys

            sys.argv = ["asb", "report", "governance", "--db", str(gov_db), *args, "--out",
                        str(tmp_path / "x.html")]
            main()
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------------------------------------
# Users and the audit table


def test_passwords_are_stored_only_as_salted_hashes(tmp_path):
    path = tmp_path / "users.yaml"
    save_user("asha", "analyst", "s3cret pass", name="Asha", path=path)
    save_user("gil", "governance", "s3cret pass", path=path)
    text = path.read_text()
    assert "s3cret" not in text
    hashes = re.findall(r"password: (scrypt\$\S+)", text)
    assert len(hashes) == 2 and hashes[0] != hashes[1]  # same password, different salts
    assert check_password("asha", "s3cret pass", path).role == "analyst"
    assert check_password("asha", "wrong", path) is None
    assert check_password("nobody", "s3cret pass", path) is None
    assert load_users(path)["gil"].role == "governance"
    assert not verify_password("x", "not a hash")
    assert verify_password("x", hash_password("x", n=2**10))


def test_users_command_adds_lists_and_removes(tmp_path):
    path = tmp_path / "u.yaml"
    runner = CliRunner()
    result = runner.invoke(app, ["users", "add", "pat", "--role", "panel", "--file", str(path)],
                           input="pw one two\npw one two\n")
    assert result.exit_code == 0, result.output
    assert check_password("pat", "pw one two", path).role == "panel"
    listed = runner.invoke(app, ["users", "list", "--file", str(path)]).output
    assert "pat" in listed and "panel" in listed and "scrypt" not in listed
    bad = runner.invoke(app, ["users", "add", "x", "--role", "boss", "--file", str(path),
                              "--password", "p"])
    assert bad.exit_code != 0
    short = runner.invoke(app, ["users", "add", "x", "--role", "panel", "--file", str(path),
                                "--password", "abc12"])
    assert short.exit_code != 0 and "at least 10 characters" in str(short.exception)
    assert "x" not in load_users(path)
    assert runner.invoke(app, ["users", "remove", "pat", "--file", str(path)]).exit_code == 0
    assert load_users(path) == {}


def test_the_audit_table_survives_a_warehouse_build(empty_db):
    con = connect(empty_db())
    record(con, username="asha", role="analyst", action="view", page="Victim profile",
           subject_id="Cleveland Police:NOM1", client="localhost")
    build(con)
    rows = read_audit(con)
    con.close()
    assert rows[["username", "page", "subject_id"]].values.tolist() == [
        ["asha", "Victim profile", "Cleveland Police:NOM1"]]


def test_audit_search_is_parameterised(sample_db_copy):
    con = connect(sample_db_copy)
    record(con, username="asha", role="analyst", action="view", page="Victim profile")
    for text in ("'; DROP TABLE app_audit; --", "%' OR 1=1 --", "%", "_"):
        assert read_audit(con, text).empty
    assert len(read_audit(con, "victim")) == 1
    assert _n(con, "SELECT count(*) FROM app_audit") == 1
    con.close()


def test_suppress_is_idempotent_on_its_lines():
    # Guard for the loop: every combination of small cells in a 3x3 table with margins ends.
    for cells in itertools.product([0, 2, 7], repeat=4):
        frame = pd.DataFrame(np.array(cells).reshape(2, 2), index=["a", "b"], columns=["x", "y"])
        frame["All"] = frame.sum(axis=1)
        frame = pd.concat([frame, frame.sum().to_frame("All").T])
        _assert_no_line_reveals(frame, suppress(frame, 5, row_total="All", col_total="All"),
                                "All", "All")
