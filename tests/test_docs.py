"""Docs that cannot rot: every mart column, configuration key and CLI option is documented."""

from __future__ import annotations

import re

import duckdb
import pytest
import typer.main

from pipelines.cli import app
from pipelines.config import load_config
from tests.conftest import REPO

DOCS = REPO / "docs"


def _section(text: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    return match.group(1) if match else ""


def test_every_mart_column_is_documented(sample_db):
    text = (DOCS / "warehouse.md").read_text(encoding="utf-8")
    con = duckdb.connect(str(sample_db), read_only=True)
    marts = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'mart_%'"
    ).fetchall()]
    assert marts
    missing = []
    for mart in marts:
        section = _section(text, mart)
        if not section:
            missing.append(f"{mart} (no section)")
            continue
        for (column,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [mart]
        ).fetchall():
            if f"| `{column}` |" not in section:
                missing.append(f"{mart}.{column}")
    con.close()
    assert not missing, f"undocumented in docs/warehouse.md: {missing}"


def test_every_configuration_key_is_documented():
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    missing = []
    for key, value in load_config().items():
        if isinstance(value, dict) and key not in ("action_aliases",):
            for sub in value:
                if f"`{key}.{sub}`" not in text and f"`{key}` " not in text:
                    missing.append(f"{key}.{sub}")
        elif f"`{key}`" not in text:
            missing.append(key)
    assert not missing, f"undocumented in docs/configuration.md: {missing}"


def test_every_cli_command_and_option_is_documented():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    missing = []

    def walk(command, path: str) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            full = f"{path} {name}"
            if f"`{full}" not in text:
                missing.append(full)
            for param in sub.params:
                for opt in getattr(param, "opts", []):
                    if opt.startswith("--") and f"`{opt}" not in text:
                        missing.append(f"{full} {opt}")
            walk(sub, full)

    walk(typer.main.get_command(app), "asb")
    assert not missing, f"undocumented in docs/cli.md: {missing}"


@pytest.mark.parametrize(
    "path", sorted([*(REPO / "pipelines" / "sql").glob("*.sql"),
                    *(REPO / "pipelines" / "sql").glob("*.py")]), ids=lambda p: p.name)
def test_every_build_step_has_its_header(path):
    head = path.read_text(encoding="utf-8").splitlines()[:8]
    prefix = "-- " if path.suffix == ".sql" else ""
    for field in ("purpose:", "inputs:", "output:", "grain:"):
        assert any(line.lstrip('"').startswith(prefix + field) for line in head), (
            f"{path.name} lacks {field}")
