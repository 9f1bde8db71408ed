"""Benchmark: the where-and-when pages on a warehouse of 1,000,000 incidents.

Builds (once; ``--work DIR`` keeps it for the next run) a warehouse of ``--rows`` incidents
written through the product's own ingest and build, resampled from the sample:

- 40% police.uk street-level rows (month only, snapped points), lines of the real Cleveland
  files in data/sample/police-uk spread over the months from ``--first-year`` to 2022-11 (one
  file per month, as police.uk publishes);
- 60% timestamped incidents in the ``incidents`` template, resampled from the sample's
  synthetic police and council incidents: places moved by a few tens of metres, dates moved
  back a whole number of years, so that places, months and times are realistically varied.

Then, in one process, times each page with Streamlit's AppTest (the script run the server
does for a browser, without the network and the drawing in the browser):

- first paint: the page's first run with every cache empty (the warehouse connection is
  opened again too);
- warm interactions: changing a widget, to a value not seen before (the analysis runs) and
  back to one seen before (cached);

and a baseline in the same run: a bare query fetching the located ASB incidents' coordinates
and month from the same warehouse (the least any map of them must read). Prints the medians
and their ratio to the baseline. Usage::

    python benchmarks/dashboard.py [--rows 1000000] [--work DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.areas import load_areas, sample_area_files
from pipelines.config import load_config
from pipelines.ingest import ingest_file
from pipelines.sample_load import SAMPLE_DIR, load_sample
from pipelines.sources import resolve_source
from pipelines.warehouse import build, connect

# Run as a script, this file's folder comes first on the path, where this file would hide the
# ``dashboard`` package the app imports: take the folder off.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
TEMPLATE_COLUMNS = ["source_ref", "agency", "reported_at", "occurred_at", "occurred_to",
                    "category", "subtype", "easting", "northing", "address", "postcode", "uprn",
                    "hate_related"]


# --------------------------------------------------------------------------------------------
# the warehouse


def _police_files(out: Path, rows: int, first_year: int, rng: np.random.Generator) -> list[Path]:
    header = ""
    lines: list[str] = []
    for path in sorted((SAMPLE_DIR / "police-uk").glob("*.csv")):
        text = path.read_text(encoding="utf-8").splitlines()
        header = text[0]
        lines.extend(t for t in text[1:] if ",Anti-social behaviour," in t)
    months = pd.period_range(f"{first_year}-01", "2022-11", freq="M")
    per_month = np.bincount(rng.integers(0, len(months), rows), minlength=len(months))
    files = []
    for month, n in zip(months, per_month, strict=True):
        picks = rng.integers(0, len(lines), n)
        path = out / f"{month}-bench-street.csv"
        body = []
        for i in picks:
            parts = lines[i].split(",", 2)  # Crime ID, Month, rest
            body.append(f"{parts[0]},{month},{parts[2]}")
        path.write_text(header + "\r\n" + "\r\n".join(body) + "\r\n", encoding="utf-8")
        files.append(path)
    return files


def _sample_timestamped(db: Path) -> Path:
    """The sample's timestamped incident sources (not police.uk) in a small warehouse."""
    con = connect(db)
    con.execute("BEGIN TRANSACTION")
    load_sample(con, load_config(), police_months=0)
    con.execute("COMMIT")
    con.close()
    return db


def _incident_file(out: Path, rows: int, first_year: int, rng: np.random.Generator) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        sample = _sample_timestamped(Path(tmp) / "sample.duckdb")
        con = duckdb.connect(str(sample), read_only=True)
        base = con.execute(
            "SELECT agency, reported_at, occurred_at, occurred_to, category, subtype, easting, "
            "northing, location_text FROM mart_incident WHERE is_asb AND time_precision <> "
            "'month' AND easting IS NOT NULL AND reported_at IS NOT NULL").df()
        con.close()
    picks = rng.integers(0, len(base), rows)
    frame = base.iloc[picks].reset_index(drop=True)
    years = rng.integers(0, 2022 - first_year + 1, rows)
    shift = pd.to_timedelta(np.round(years * 365.25), unit="D")
    for column in ("reported_at", "occurred_at", "occurred_to"):
        frame[column] = frame[column] - shift
    e = frame["easting"].to_numpy() + rng.normal(0, 40, rows)
    n = frame["northing"].to_numpy() + rng.normal(0, 40, rows)
    out_frame = pd.DataFrame({
        "source_ref": [f"BENCH-{i:07d}" for i in range(rows)],
        "agency": frame["agency"],
        "reported_at": frame["reported_at"].dt.strftime("%Y-%m-%d %H:%M"),
        "occurred_at": frame["occurred_at"].dt.strftime("%Y-%m-%d %H:%M"),
        "occurred_to": frame["occurred_to"].dt.strftime("%Y-%m-%d %H:%M").fillna(""),
        "category": frame["category"], "subtype": frame["subtype"],
        "easting": np.round(e, 1), "northing": np.round(n, 1),
        "address": frame["location_text"].fillna(""), "postcode": "", "uprn": "",
        "hate_related": "no",
    })
    path = out / "bench-incidents.csv"
    out_frame.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
    return path


def build_warehouse(db: Path, rows: int, first_year: int = 2018, seed: int = 7) -> float:
    """Write the exports and load them through the product's ingest and build (seconds)."""
    rng = np.random.default_rng(seed)
    files_dir = db.parent / "exports"
    files_dir.mkdir(parents=True, exist_ok=True)
    n_police = int(rows * 0.4)
    police = _police_files(files_dir, n_police, first_year, rng)
    incidents = _incident_file(files_dir, rows - n_police, first_year, rng)
    started = time.perf_counter()
    con = connect(db)
    config = load_config()
    con.execute("BEGIN TRANSACTION")
    load_areas(con, sample_area_files(SAMPLE_DIR))
    source = resolve_source("police-uk")
    for path in police:
        ingest_file(con, source, path, config=config)
    ingest_file(con, resolve_source("incidents"), incidents, config=config)
    build(con, config=config)
    con.execute("COMMIT")
    con.close()
    return time.perf_counter() - started


# --------------------------------------------------------------------------------------------
# timing


def _baseline(db: Path) -> float:
    con = duckdb.connect(str(db), read_only=True)
    started = time.perf_counter()
    con.execute("SELECT easting, northing, month FROM mart_incident WHERE is_asb AND "
                "easting IS NOT NULL").df()
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def _timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _fresh_app():  # type: ignore[no-untyped-def]
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=600)
    return at


def _check(at, what: str) -> None:  # type: ignore[no-untyped-def]
    if at.exception:
        raise RuntimeError(f"{what}: {at.exception[0].value}")


# page: [(label, set-up widgets, (widget kind, key, new value, previous value))]
_AREAS = [("radio", "hs_layer", "areas")]
_GRID = [("radio", "hs_layer", "grid")]
INTERACTIONS = {
    "views/hotspots.py": [
        ("areas: LSOA -> ward", _AREAS, ("radio", "hs_level", "ward", "lsoa")),
        ("areas: colour by count", _AREAS, ("radio", "hs_measure", "count", "rate")),
        ("areas: harm weighting by category", _AREAS,
         ("selectbox", "hs_harm", "category", "none")),
        ("layer: grid counts", [], ("radio", "hs_layer", "grid", "areas")),
        ("grid: cell size 500 m", _GRID, ("number_input", "hs_cell_size", 500, 250)),
        ("layer: Gi* hot spots", [], ("radio", "hs_layer", "gi", "areas")),
        ("layer: density", [], ("radio", "hs_layer", "density", "areas")),
        ("layer: hot dots", [], ("radio", "hs_layer", "dots", "areas")),
        ("layer: emerging hot spots", [], ("radio", "hs_layer", "emerging", "areas")),
        ("layer: forecast", [], ("radio", "hs_layer", "forecast", "areas")),
    ],
    "views/peak_times.py": [
        ("harm weighting by category", [], ("selectbox", "pt_harm", "category", "none")),
        ("category: nuisance", [], ("multiselect", "pt_category", ["nuisance"], [])),
    ],
    "views/before_after.py": [
        ("pick an LSOA", [], ("multiselect", "ba_lsoas", ["E01012071"], [])),
        ("buffer 500 m", [("multiselect", "ba_lsoas", ["E01012071"])],
         ("number_input", "ba_buffer", 500, 250)),
        ("6 -> 3 months", [("multiselect", "ba_lsoas", ["E01012071"])],
         ("number_input", "ba_months", 3, 6)),
    ],
}

#: Widgets put back after each interaction.
RESET = {"views/hotspots.py": _AREAS}


def _set(at, kind: str, key: str, value) -> None:  # type: ignore[no-untyped-def]
    getattr(at, kind)(key=key).set_value(value)


def time_pages(db: Path, repeat: int) -> list[tuple[str, str, float, float]]:
    """(page, what, median seconds, worst seconds) for first paint and each interaction."""
    os.environ["ASB_DB"] = str(db)
    results: list[tuple[str, str, list[float]]] = []
    for page, steps in INTERACTIONS.items():
        cold: list[float] = []
        fresh: dict[str, list[float]] = {s[0]: [] for s in steps}
        back: dict[str, list[float]] = {s[0]: [] for s in steps}
        for _ in range(repeat):
            at = _fresh_app()
            at.run()  # sign-in and the default page (Overview), then empty every cache
            _check(at, "overview")
            import streamlit as st

            st.cache_data.clear()
            st.cache_resource.clear()
            at.switch_page(page)
            cold.append(_timed(at.run))
            _check(at, page)
            for label, setup, (kind, key, new, old) in steps:
                for s_kind, s_key, s_value in setup:
                    _set(at, s_kind, s_key, s_value)
                if setup:
                    at.run()
                _set(at, kind, key, new)
                fresh[label].append(_timed(at.run))
                _check(at, f"{page} {label}")
                _set(at, kind, key, old)
                at.run()
                _set(at, kind, key, new)
                back[label].append(_timed(at.run))  # seen before: cached
                _set(at, kind, key, old)
                for r_kind, r_key, r_value in RESET.get(page, []):
                    _set(at, r_kind, r_key, r_value)
                at.run()
        results.append((page, "first paint (cold caches)", cold))
        for label, *_ in steps:
            results.append((page, f"{label} (first time)", fresh[label]))
            results.append((page, f"{label} (again, warm)", back[label]))
    return [(p, w, statistics.median(t), max(t)) for p, w, t in results]


_FRESH = """
import os, sys, time
from streamlit.testing.v1 import AppTest
os.environ["ASB_DB"] = sys.argv[1]
started = time.perf_counter()
at = AppTest.from_file(sys.argv[2], default_timeout=600)
at.run()
opened = time.perf_counter()
at.switch_page(sys.argv[3]).run()
done = time.perf_counter()
assert not at.exception, at.exception
print(opened - started, done - opened)
"""


def fresh_process(db: Path, page: str) -> tuple[float, float]:
    """A new Python process: (sign-in and the default page, then ``page``) in seconds. The
    first includes importing everything and opening the warehouse."""
    import subprocess

    done = subprocess.run([sys.executable, "-c", _FRESH, str(db), str(APP), page],
                          capture_output=True, text=True, check=True)
    first, second = done.stdout.split()[-2:]
    return float(first), float(second)


_MAP_DRAWN = ("() => { const g = document.querySelector('.js-plotly-plot');"
              " return g && g._fullData && g._fullData.length > 0"
              " && g._fullData[0]._length > 0; }")


def browser_times(db: Path) -> list[tuple[str, float]]:
    """A real server and Chromium (Playwright): seconds until the map is drawn."""
    import gc
    import signal
    import socket
    import subprocess
    import urllib.request

    import streamlit as st
    from playwright.sync_api import sync_playwright

    st.cache_resource.clear()  # the app under AppTest held the warehouse open for writing
    gc.collect()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "ASB_USERS_FILE"}
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "dashboard", "--db", str(db),
                             "--port", str(port), "--address", "127.0.0.1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    out: list[tuple[str, float]] = []
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("the dashboard did not start (is the warehouse open elsewhere?)")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=os.environ.get("ASB_CHROMIUM", "/usr/bin/chromium"),
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            started = time.perf_counter()
            page.goto(url)
            # the app's own menu (its "Explore" section), not Streamlit's page-folder list
            page.get_by_test_id("stSidebarNav").get_by_text("Explore", exact=True).wait_for(
                timeout=120_000)
            out.append(("Overview, new server process (browser)", time.perf_counter() - started))
            started = time.perf_counter()
            page.get_by_role("link", name="Hotspots", exact=True).click()
            try:
                page.wait_for_function(_MAP_DRAWN, timeout=120_000)
            except Exception:
                page.screenshot(path=str(db.with_suffix(".failed.png")))
                raise
            out.append(("Hotspots map drawn (browser)", time.perf_counter() - started))
            for label in ("Grid counts", "Areas", "Grid counts"):
                started = time.perf_counter()
                page.get_by_text(label, exact=True).first.click()
                page.wait_for_function(
                    "(want) => { const g = document.querySelector('.js-plotly-plot');"
                    " const t = g && g._fullData && g._fullData[0];"
                    " const grid = t && t.locations && String(t.locations[0]).startsWith('E4');"
                    " return want === 'Grid counts' ? grid : (t && !grid); }",
                    arg=label, timeout=120_000)
                page.wait_for_function(
                    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                    timeout=120_000)
                out.append((f"switch to {label} (browser)", time.perf_counter() - started))
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the warehouse (kept and reused when given)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--first-year", type=int, default=2018)
    parser.add_argument("--browser", action="store_true",
                        help="also time a real server in Chromium (Playwright)")
    args = parser.parse_args()
    tmp = None
    if args.work is None:
        tmp = tempfile.TemporaryDirectory()
        work = Path(tmp.name)
    else:
        work = args.work
        work.mkdir(parents=True, exist_ok=True)
    db = work / f"bench-{args.rows}.duckdb"
    if not db.exists():
        print(f"building a warehouse of {args.rows:,} incidents in {db} ...", flush=True)
        seconds = build_warehouse(db, args.rows, args.first_year)
        print(f"  ingest + build: {seconds:.1f} s")
    con = duckdb.connect(str(db), read_only=True)
    total, asb, located, timed = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE is_asb), count(*) FILTER (WHERE is_asb AND "
        "easting IS NOT NULL), count(*) FILTER (WHERE is_asb AND time_precision <> 'month') "
        "FROM mart_incident").fetchall()[0]
    first, last = con.execute("SELECT min(month), max(month) FROM mart_incident").fetchall()[0]
    con.close()
    print(f"warehouse: {total:,} incidents ({asb:,} ASB, {located:,} located, {timed:,} with "
          f"a day and time), {first:%Y-%m} to {last:%Y-%m}")
    base = statistics.median(_baseline(db) for _ in range(max(3, args.repeat)))
    print(f"baseline: bare query of located ASB coordinates and month: {base * 1000:.0f} ms")
    new_process = {page: fresh_process(db, page) for page in INTERACTIONS}
    rows = time_pages(db, args.repeat)
    print(f"\n{'page':24} {'what':44} {'median':>8} {'worst':>8} {'/ baseline':>10}")
    for page, what, median, worst in rows:
        print(f"{page.split('/')[-1]:24} {what:44} {median * 1000:6.0f}ms {worst * 1000:6.0f}ms "
              f"{median / base:9.1f}x")
    warm = [m for _, w, m, _ in rows if w.endswith("(again, warm)")]
    fresh = [m for _, w, m, _ in rows if w.endswith("(first time)")]
    cold = [m for _, w, m, _ in rows if w.startswith("first paint")]
    print(f"\nwarm interactions: median {statistics.median(warm) * 1000:.0f} ms, worst "
          f"{max(warm) * 1000:.0f} ms (goal < 300 ms)")
    print(f"interactions that compute: median {statistics.median(fresh) * 1000:.0f} ms, worst "
          f"{max(fresh) * 1000:.0f} ms")
    worst_cold = max(w for _, what, _, w in rows if what.startswith("first paint"))
    print(f"first paint: slowest page {max(cold):.2f} s median, {worst_cold:.2f} s worst "
          "(goal < 5 s)")
    for page, (opening, paint) in new_process.items():
        print(f"in a new server process: sign-in and Overview {opening:.2f} s (imports, "
              f"warehouse opened), then {page.split('/')[-1]} {paint:.2f} s")
    print("(AppTest: the server-side script run; a browser adds the network and drawing)")
    if args.browser:
        for what, seconds in browser_times(db):
            print(f"{what:44} {seconds * 1000:6.0f}ms")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
