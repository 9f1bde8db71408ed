"""Real-browser tests: the dashboard served on localhost, driven by Playwright in Debian's
Chromium (``/usr/bin/chromium``; never a downloaded browser). Screenshots of each page are
saved under ``docs/screenshots/`` for the README tour.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, build_sample

CHROMIUM = os.environ.get("ASB_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = REPO / "docs" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium package (.ci/run does)")
    return {
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args() -> dict:
    return {"viewport": {"width": 1400, "height": 1000}}


@pytest.fixture(scope="session")
def e2e_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample(tmp_path_factory.mktemp("e2e") / "e2e.duckdb")


@pytest.fixture(scope="session")
def server(e2e_db: Path) -> Iterator[str]:
    """The dashboard, started the way `asb dashboard` starts it, on a free port."""
    yield from serve(e2e_db)


def serve(db: Path, **extra_env: str) -> Iterator[str]:
    """Serve the dashboard on ``db`` (with extra environment) until the generator is closed.

    Without ``ASB_USERS_FILE`` in ``extra_env`` it runs in single-user mode.
    """
    e2e_db = db
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "ASB_USERS_FILE"}
    env.update(ASB_DB=str(e2e_db), **extra_env)
    log = open(e2e_db.with_suffix(".log"), "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "dashboard", "--db", str(e2e_db),
         "--port", str(port), "--address", "127.0.0.1"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: `asb dashboard` runs streamlit as a child
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        _stop(proc)
        raise RuntimeError(f"dashboard did not start: {e2e_db.with_suffix('.log').read_text()}")
    try:
        yield url
    finally:
        _stop(proc)
        log.close()


def _stop(proc: subprocess.Popen) -> None:
    """End the dashboard and the streamlit server it started (its process group), nothing else."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def pytest_sessionstart(session: pytest.Session) -> None:
    del session
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        return
