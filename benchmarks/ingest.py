"""Benchmark: the product's ingest against DuckDB's own CSV read, on the same file, same run.

Generates a police.uk-format file of N rows (default 1,000,000) by sampling rows of the real
Cleveland files in data/sample/police-uk (so values, lengths and quoting are realistic), then
times, each in a fresh warehouse file:

- baseline: ``CREATE TABLE t AS SELECT * FROM read_csv(file)`` (DuckDB's own parallel reader);
- ingest:   the product's ``ingest_file`` (read, validate every value, raw layer with lineage,
            rejects, staging) without the core/mart rebuild;
- ingest + rebuild: the same followed by the core and mart rebuild, as ``asb ingest`` does.

Prints the timings and their ratios to the baseline. Usage::

    python benchmarks/ingest.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

from pipelines.areas import load_areas, sample_area_files
from pipelines.ingest import ingest_file
from pipelines.sample_load import SAMPLE_DIR
from pipelines.sources import resolve_source
from pipelines.warehouse import build, connect


def make_file(path: Path, rows: int, seed: int = 1) -> None:
    lines: list[str] = []
    header = ""
    for f in sorted((SAMPLE_DIR / "police-uk").glob("*.csv")):
        text = f.read_text(encoding="utf-8").splitlines()
        header = text[0]
        lines.extend(text[1:])
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(lines), size=rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(header + "\r\n")
        chunk = 100_000
        for start in range(0, rows, chunk):
            fh.write("\r\n".join(lines[i] for i in picks[start:start + chunk]) + "\r\n")


def time_baseline(csv: Path, work: Path) -> float:
    db = work / "baseline.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    start = time.perf_counter()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(csv)])
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def time_product(csv: Path, work: Path, rebuild: bool) -> tuple[float, int]:
    db = work / "product.duckdb"
    db.unlink(missing_ok=True)
    con = connect(db)
    con.execute("BEGIN TRANSACTION")
    load_areas(con, sample_area_files(SAMPLE_DIR))
    con.execute("COMMIT")
    source = resolve_source("police-uk")
    start = time.perf_counter()
    con.execute("BEGIN TRANSACTION")
    report = ingest_file(con, source, csv)
    if rebuild:
        build(con)
    con.execute("COMMIT")
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed, report.rows_loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv = work / "police-uk-large.csv"
        make_file(csv, args.rows)
        size = csv.stat().st_size / 1e6
        print(f"file: {args.rows:,} rows, {size:.0f} MB")
        base, ingest, full = [], [], []
        loaded = 0
        for _ in range(args.repeat):
            base.append(time_baseline(csv, work))
            t, loaded = time_product(csv, work, rebuild=False)
            ingest.append(t)
            t, _ = time_product(csv, work, rebuild=True)
            full.append(t)
        b, i, f = (statistics.median(x) for x in (base, ingest, full))
        print(f"rows loaded by the product: {loaded:,}")
        print(f"baseline read_csv CTAS     : {b:6.2f} s")
        print(f"product ingest             : {i:6.2f} s   ratio {i / b:4.2f}x")
        print(f"product ingest + rebuild   : {f:6.2f} s   ratio {f / b:4.2f}x")
        print(f"(median of {args.repeat}; goal: ingest within 2x of the baseline)")


if __name__ == "__main__":
    main()
