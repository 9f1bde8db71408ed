"""``asb case-review``: who has met the ASB case review threshold, or made a second report."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from ..errors import ConfigProblem, WarehouseProblem

__all__ = ["case_review_app", "case_review_command"]

case_review_app = typer.Typer(help="The ASB case review ledger on a date.", add_completion=False)


def _day(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise ConfigProblem(f"--as-of {value!r} is not a date: give it as YYYY-MM-DD") from None


@case_review_app.callback(invoke_without_command=True)
def case_review_command(
    db: Annotated[Path, typer.Option("--db", help="The warehouse file.", envvar="ASB_DB")],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The date to apply the rules on (YYYY-MM-DD; default today).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    config: Annotated[Path | None, typer.Option(
        "--config", help="A YAML file overriding the default configuration (the case review "
        "rules are under case_review).", envvar="ASB_CONFIG")] = None,
) -> None:
    """Every person at the case review threshold or the second report on a date, once each,
    with all their agency references and the reasons in plain words."""
    from ..analysis.case_review import assess, rules_from_config
    from ..case_reviews import load_complaints
    from ..config import load_config
    from ..db import scalar
    from ..warehouse import connect

    day = _day(as_of)
    rules = rules_from_config(load_config(config))
    con = connect(db, read_only=True)
    try:
        if not scalar(con, "SELECT count(*) FROM information_schema.tables "
                           "WHERE table_name = 'mart_person_incident'"):
            raise WarehouseProblem(f"{db}: this warehouse was built before case reviews were "
                                   f"added; rebuild it with `asb build --db {db}`")
        complaints = load_complaints(con, rules.qualifying_roles)
    finally:
        con.close()
    review = assess(complaints, day, rules)
    result = review.to_json()
    if as_json:
        typer.echo(json.dumps(result))
        return
    counts = review.counts()
    typer.echo(f"ASB case review on {day:%d/%m/%Y} (reports {review.window_start:%d/%m/%Y} to "
               f"{review.window_end:%d/%m/%Y}): {counts['threshold_met']:,} threshold met, "
               f"{counts['second_report']:,} at the second report")
    for person in result["people"]:
        typer.echo(f"{person['status']:14} {person['qualifying_incidents']:3}  "
                   f"{', '.join(person['person_refs'])}")
        for reason in person["reasons"]:
            typer.echo(f"{'':19}- {reason}")
