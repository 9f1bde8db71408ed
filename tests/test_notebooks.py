"""The notebooks run from top to bottom on a sample warehouse, so they cannot rot, and are kept
in the repository without outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (
                f"{path.name}: clear the outputs before committing")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_the_sample_warehouse(path: Path, sample_db: Path,
                                                monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ASB_DB", str(sample_db))  # the notebook reads its warehouse from here
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    text = "\n".join(
        out.get("text", "") + str(out.get("data", {}).get("text/plain", ""))
        for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs)
    assert f"warehouse: {sample_db}" in text
    if path.name == "problem_profile.ipynb":
        assert "busiest hour of the week" in text and "hot spot 99%" in text
        assert "Traceback" not in text
