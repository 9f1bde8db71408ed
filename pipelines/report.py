"""The governance meeting pack: one self-contained HTML document (and a PDF beside it).

The pack holds the governance figures (suppressed, never raw), charts and the LSOA map as
inline SVG drawn here (no plotting service, no browser needed for the HTML), each figure's
definition from ``docs/governance.md``, the data sources and their licences and the date it
was made. It has no external references, so it opens offline, and its CSS is written for A4
printing. The PDF is printed from the HTML by a headless Chromium (Debian's ``chromium``).
"""

from __future__ import annotations

import html
import math
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import shapely

from .config import load_config
from .errors import AsbError
from .governance import (
    PREVIOUS,
    YEAR_EARLIER,
    Figure,
    GovernanceReport,
    Period,
    governance_report,
    is_hidden,
)
from .licences import ATTRIBUTION, DATA_SOURCES

__all__ = [
    "ReportProblem",
    "PackResult",
    "DOCS_DIR",
    "doc_section",
    "markdown_html",
    "lsoa_rates",
    "map_svg",
    "governance_html",
    "governance_pack_html",
    "TABLE_TITLES",
    "table_title",
    "html_to_pdf",
    "find_chromium",
    "write_governance_pack",
]

DOCS_DIR = Path(__file__).resolve().parents[1] / "docs"
_DOC = "governance.md"


class ReportProblem(AsbError):
    """A report cannot be made (bad period, no browser for the PDF)."""


@dataclass
class PackResult:
    """What :func:`write_governance_pack` wrote, and what the command should say.

    ``problem`` says why there is no PDF; ``warnings`` are the caveats the pack prints on
    reading its figures (no source holds data for the period, no data for the period compared
    with, sources not covering both periods, the period widened to whole months), for the
    command to print too; ``period_held`` is false when no source holds data for the period.
    """

    html: Path
    pdf: Path | None
    problem: str | None = None
    warnings: tuple[str, ...] = ()
    period_held: bool = True


# --------------------------------------------------------------------------------------------
# Definitions from the docs


@lru_cache(maxsize=64)
def doc_section(filename: str, heading: str) -> str:
    """The text under ``## heading`` (or ``###``) in ``docs/filename`` (empty if not found).

    The dashboard and the pack show definitions from the same docs the README links to, so
    the two cannot drift apart.
    """
    try:
        text = (DOCS_DIR / filename).read_text(encoding="utf-8")
    except OSError:
        return ""
    match = re.search(rf"^(#{{2,3}}) {re.escape(heading)}\s*$", text, re.MULTILINE)
    if not match:
        return ""
    level = len(match.group(1))
    rest = text[match.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: end.start() if end else len(rest)].strip()


def _inline(text: str) -> str:
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", out)  # links: text only (offline document)
    return out


def markdown_html(text: str) -> str:
    """The small Markdown subset the docs use (paragraphs, lists, tables, code, bold) as HTML.

    Examples
    --------
    >>> markdown_html("A **b** `c`.\\n\\n- one\\n- two")
    '<p>A <strong>b</strong> <code>c</code>.</p>\\n<ul><li>one</li><li>two</li></ul>'
    """
    blocks = re.split(r"\n\s*\n", text.strip())
    out = []
    for block in blocks:
        lines = [ln.rstrip() for ln in block.splitlines() if ln.strip()]
        if not lines:
            continue
        if all(ln.lstrip().startswith("|") for ln in lines):
            rows = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in lines
                    if not re.fullmatch(r"\|?[\s:|-]+\|?", ln.strip())]
            head, body = rows[0], rows[1:]
            out.append("<table><thead><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head)
                       + "</tr></thead><tbody>" + "".join(
                           "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>"
                           for r in body) + "</tbody></table>")
        elif all(re.match(r"\s*[-*] |\s{2,}\S", ln) for ln in lines) and lines[0].lstrip()[:2] in (
                "- ", "* "):
            items: list[str] = []
            for ln in lines:
                if re.match(r"\s*[-*] ", ln):
                    items.append(ln.lstrip()[2:])
                else:
                    items[-1] += " " + ln.strip()
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
        else:
            out.append(f"<p>{_inline(' '.join(ln.strip() for ln in lines))}</p>")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# SVG charts (hand-built: small, offline, print-sharp)

_BLUE, _GREY, _INK = "#1f5f99", "#9fb3c8", "#222"


def _bars_svg(frame: pd.DataFrame, title: str) -> str:
    """Grouped vertical bars: one group per row, this period and a year earlier.

    ``frame`` is a *suppressed* table (text); hidden values are drawn as no bar, labelled.
    """
    rows = [r for r in frame.index if r != "Whole period"]
    series = [c for c in ("This period", YEAR_EARLIER, PREVIOUS) if c in frame.columns]
    values = {(r, s): _number(frame.at[r, s]) for r in rows for s in series}
    top = max([v for v in values.values() if v is not None] + [1])
    width, height, left, bottom, topm = max(360, 70 * len(rows) + 80), 240, 48, 40, 26
    plot_w, plot_h = width - left - 10, height - bottom - topm
    group = plot_w / max(len(rows), 1)
    bar = min(26.0, group / (len(series) + 1))
    parts = [f'<svg role="img" viewBox="0 0 {width} {height}"'
             f' width="{width}" height="{height}" class="chart"><title>{html.escape(title)}</title>']
    for k in range(5):
        tick = top * k / 4
        y = topm + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
                     f'fill="{_INK}">{tick:,.0f}</text>')
    for i, r in enumerate(rows):
        x0 = left + group * i + (group - bar * len(series)) / 2
        for j, s in enumerate(series):
            v = values[(r, s)]
            x = x0 + j * bar
            colour = _BLUE if j == 0 else _GREY
            if v is None:
                parts.append(f'<text x="{x + bar / 2:.1f}" y="{topm + plot_h - 3:.1f}" '
                             f'font-size="9" text-anchor="middle" fill="{_INK}">'
                             f'{html.escape(str(frame.at[r, s]))}</text>')
                continue
            h = plot_h * v / top
            parts.append(f'<rect x="{x:.1f}" y="{topm + plot_h - h:.1f}" width="{bar - 2:.1f}" '
                         f'height="{h:.1f}" fill="{colour}"><title>{html.escape(str(r))}, '
                         f'{html.escape(s)}: {v:,.0f}</title></rect>')
        parts.append(f'<text x="{left + group * i + group / 2:.1f}" y="{height - bottom + 14}" '
                     f'font-size="10" text-anchor="middle" fill="{_INK}">'
                     f'{html.escape(str(r))}</text>')
    for j, s in enumerate(series):
        parts.append(f'<rect x="{left + 150 * j}" y="6" width="10" height="10" '
                     f'fill="{_BLUE if j == 0 else _GREY}"/><text x="{left + 150 * j + 14}" y="15"'
                     f' font-size="11" fill="{_INK}">{html.escape(s)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _hbars_svg(frame: pd.DataFrame, column: str, title: str, skip: str) -> str:
    """Horizontal bars of one column of a suppressed table (hidden values labelled)."""
    rows = [r for r in frame.index if r != skip]
    values = {r: _number(frame.at[r, column]) for r in rows}
    top = max([v for v in values.values() if v is not None] + [1])
    label_w, bar_w, row_h = 220, 320, 20
    height = row_h * len(rows) + 10
    parts = [f'<svg role="img" viewBox="0 0 {label_w + bar_w + 60} '
             f'{height}" width="{label_w + bar_w + 60}" height="{height}" class="chart">'
             f'<title>{html.escape(title)}</title>']
    for i, r in enumerate(rows):
        y = 5 + i * row_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" font-size="11" text-anchor="end" '
                     f'fill="{_INK}">{html.escape(str(r))}</text>')
        v = values[r]
        w = 0 if v is None else bar_w * v / top
        if w:
            parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 5}" '
                         f'fill="{_BLUE}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" font-size="11" '
                     f'fill="{_INK}">{html.escape(str(frame.at[r, column]))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _number(text: Any) -> float | None:
    s = str(text).replace(",", "")
    try:
        return float(s)
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# The map

_CLASSES = ("#fde0c5", "#facba6", "#f59e72", "#e8704f", "#c23b22")


def lsoa_rates(con: duckdb.DuckDBPyConnection, period: Period, areas: tuple[str, ...] = ()
               ) -> pd.DataFrame:
    """ASB incidents and rate per 1,000 residents for every LSOA of the chosen areas."""
    where, params = ("TRUE", [])
    if areas:
        where, params = "l.csp_code IN (SELECT unnest(?))", [list(areas)]
    return con.execute(
        "SELECT l.lsoa_code, l.csp_code, l.population, l.geometry, "
        "count(i.incident_id) AS incidents FROM core_area_lsoa l "
        "LEFT JOIN mart_incident i ON i.lsoa_code = l.lsoa_code AND i.is_asb "
        f"AND i.month BETWEEN ? AND ? WHERE {where} GROUP BY ALL ORDER BY l.lsoa_code",
        [period.month_start, period.end, *params],
    ).df()


def map_svg(rates: pd.DataFrame, threshold: int, *, width: int = 640) -> str:
    """A choropleth of ASB rate per 1,000 residents by LSOA, as inline SVG.

    LSOAs with fewer than ``threshold`` incidents get their own class ("fewer than N"), so no
    small count can be read back from a rate; the others are split into five quantile classes.
    """
    if rates.empty:
        return '<p class="na">No areas are loaded, so there is no map.</p>'
    geoms = shapely.from_wkt(rates["geometry"].to_numpy())
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    kx = math.cos(math.radians((miny + maxy) / 2))
    scale = width / ((maxx - minx) * kx)
    height = int((maxy - miny) * scale) + 1
    counts = rates["incidents"].to_numpy()
    pop = rates["population"].to_numpy(dtype=float, na_value=float("nan"))
    rate = 1000 * counts / pop
    big = (counts >= threshold) & (pop > 0)
    edges = sorted({float(v) for v in pd.Series(rate[big]).quantile([0.2, 0.4, 0.6, 0.8])}) \
        if big.any() else []

    def colour(i: int) -> str:
        if counts[i] == 0:
            return "#ffffff"
        if not big[i]:
            return "#e6e6e6"
        k = sum(rate[i] > e for e in edges)
        return _CLASSES[min(k, len(_CLASSES) - 1)]

    simple = shapely.simplify(geoms, tolerance=0.6 / scale)
    paths = []
    for i, geom in enumerate(simple):
        d = _svg_path(geom, minx, maxy, kx, scale)
        paths.append(f'<path d="{d}" fill="{colour(i)}" stroke="#777" stroke-width="0.3"/>')
    legend_y = height + 12
    bounds = [0.0, *edges, float(pd.Series(rate[big]).max()) if big.any() else 0.0]
    legend = [f'<rect x="0" y="{legend_y}" width="12" height="12" fill="#ffffff" stroke="#777"/>'
              f'<text x="16" y="{legend_y + 10}" font-size="10">none</text>',
              f'<rect x="60" y="{legend_y}" width="12" height="12" fill="#e6e6e6" stroke="#777"/>'
              f'<text x="76" y="{legend_y + 10}" font-size="10">fewer than {threshold} '
              'incidents</text>']
    x = 200
    for k in range(len(bounds) - 1):
        legend.append(f'<rect x="{x}" y="{legend_y}" width="12" height="12" '
                      f'fill="{_CLASSES[min(k, 4)]}" stroke="#777"/><text x="{x + 16}" '
                      f'y="{legend_y + 10}" font-size="10">{bounds[k]:.0f}–{bounds[k + 1]:.0f}'
                      '</text>')
        x += 80
    return (f'<svg role="img" class="map" '
            f'viewBox="0 0 {width} {height + 30}" width="{width}" height="{height + 30}">'
            "<title>ASB incidents per 1,000 residents by LSOA</title>"
            + "".join(paths) + "".join(legend) + "</svg>")


def _svg_path(geom: Any, minx: float, maxy: float, kx: float, scale: float) -> str:
    polys = getattr(geom, "geoms", [geom])
    parts = []
    for poly in polys:
        if poly.is_empty or not hasattr(poly, "exterior"):
            continue
        for ring in [poly.exterior, *poly.interiors]:
            pts = [f"{(x - minx) * kx * scale:.1f},{(maxy - y) * scale:.1f}" for x, y in
                   ring.coords]
            parts.append("M" + "L".join(pts) + "Z")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# The document

_CSS = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #222; font-size: 10.5pt;
       max-width: 190mm; margin: 0 auto; line-height: 1.35; }
h1 { font-size: 18pt; margin: 0 0 4pt; } h2 { font-size: 13pt; margin: 18pt 0 6pt;
border-bottom: 1px solid #1f5f99; } h3 { font-size: 11pt; margin: 10pt 0 4pt; }
table { border-collapse: collapse; margin: 4pt 0 8pt; font-size: 9.5pt; }
th, td { border: 1px solid #bbb; padding: 2pt 6pt; text-align: left; }
td.count, td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td, tr.total th { font-weight: bold; background: #f2f5f8; }
.meta { color: #555; font-size: 9pt; } .na { color: #7a4b00; background: #fff6e0;
padding: 4pt 6pt; border-left: 3px solid #e0a800; } .note { color: #555; font-size: 9pt; }
section.figure { break-inside: avoid-page; } svg { max-width: 100%; height: auto; }
a { color: #1f5f99; } code { font-size: 9pt; }
@media print { a { color: inherit; text-decoration: none; } h2 { break-after: avoid; }
  section.figure, table, svg { break-inside: avoid; } }
"""

_TOTAL_ROWS = ("All areas", "All victims", "All cases", "All actions", "All closed cases",
               "Threshold not met", "Whole period")


def _table_html(frame: pd.DataFrame, caption: str = "") -> str:
    """A suppressed table as HTML; count cells carry ``class="count"``."""
    head = "<th></th>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for label, row in frame.iterrows():
        cls = ' class="total"' if label in _TOTAL_ROWS else ""
        cells = []
        for col, value in row.items():
            text = str(value)
            kind = "count" if _is_count(text) and not _is_measure(str(col), str(label)) else "num"
            cells.append(f'<td class="{kind}">{html.escape(text)}</td>')
        body.append(f"<tr{cls}><th>{html.escape(str(label))}</th>{''.join(cells)}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _is_count(text: str) -> bool:
    return is_hidden(text) or bool(re.fullmatch(r"[\d,]+", text))


def _is_measure(column: str, label: str) -> bool:
    """Medians and shares are not counts (tests check every count cell for small numbers)."""
    return column.startswith("Median") or label.startswith("Satisfied")


TABLE_TITLES = {
    "this_period": "This period: ASB incidents by CSP area and category",
    "year_earlier": "Same period last year",
    "change": "Change on the same period last year",
    "trend": "By month",
    "by_area": "By CSP area",
    "by_band": "By risk band",
    "statutory": "The four figures the 2014 Act requires to be published",
    "reasons": "Why the threshold was not met",
    "by_action": "Actions taken",
    "closure_reasons": "Cases closed, by closure reason",
    "satisfaction": "Complainant satisfaction (cases closed)",
}


def table_title(name: str, year_on_year: bool = True) -> str:
    """The heading of a figure's table, naming the period compared with.

    >>> table_title("change"), table_title("change", year_on_year=False)
    ('Change on the same period last year', 'Change on the previous period')
    """
    title = TABLE_TITLES.get(name, name)
    if not year_on_year:
        title = title.replace("the same period last year", "the previous period").replace(
            "Same period last year", "Previous period")
    return title


def _anchor(figure: Figure) -> str:
    return "def-" + figure.key.replace("_", "-")


def _figure_html(figure: Figure, year_on_year: bool = True) -> str:
    out = [f'<section class="figure" id="{figure.key.replace("_", "-")}">'
           f"<h2>{html.escape(figure.title)}</h2>"]
    if not figure.available:
        out.append(f'<p class="na">Not available yet: needs {html.escape(figure.needs or "")}.'
                   "</p>")
    else:
        for name, frame in figure.display.items():
            out.append(f"<h3>{html.escape(table_title(name, year_on_year))}</h3>")
            out.append(_table_html(frame))
            if name == "trend" and len(frame) > 2:
                out.append(_bars_svg(frame, "ASB incidents by month"))
            if name == "by_action":
                out.append(_hbars_svg(frame, "This period", "Actions this period",
                                      "All actions"))
        for note in figure.notes:
            out.append(f'<p class="note">{html.escape(note)}</p>')
    out.append(f'<p class="note"><a href="#{_anchor(figure)}">How this figure is defined</a>'
               "</p></section>")
    return "".join(out)


def governance_html(report: GovernanceReport, map_markup: str) -> str:
    """The whole pack as one HTML string (no external references)."""
    areas = ", ".join(report.areas.values()) if report.areas else "all areas"
    title = "ASB governance overview"
    parts = [
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">",
        f"<title>{html.escape(title)}: {html.escape(report.period.label)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{html.escape(areas)} · {html.escape(report.period.label)}, against '
        f"{html.escape(report.previous.label)} ({html.escape(report.period.comparison)})"
        f" · generated {report.generated_at:%d/%m/%Y %H:%M}</p>",
        f"<p>Aggregates only: no person is named. Counts from 1 to {report.threshold - 1} are "
        "hidden and shown as [c], as is a further cell where a total would reveal one "
        '(<a href="#def-suppression">suppression</a>).</p>',
    ]
    if not report.period.year_on_year:
        parts.append(f'<p class="note">The period is longer than 12 months, so the same period '
                     "a year earlier would overlap it: it is compared with "
                     f"{html.escape(report.period.comparison)} ("
                     f"{html.escape(report.previous.label)}) instead.</p>")
    for warning in report.warnings:  # every one that applies
        parts.append(f'<p class="na">{html.escape(warning)}</p>')
    parts.append("<nav><h2>Contents</h2><ul>" + "".join(
        f'<li><a href="#{f.key.replace("_", "-")}">{html.escape(f.title)}</a>'
        + ("" if f.available else " (not available yet)") + "</li>" for f in report.figures)
        + '<li><a href="#map">Map</a></li><li><a href="#definitions">Definitions</a></li>'
        '<li><a href="#sources">Data sources and licences</a></li></ul></nav>')
    for figure in report.figures:
        parts.append(_figure_html(figure, report.period.year_on_year))
    parts.append('<section class="figure" id="map"><h2>Where: ASB per 1,000 residents by LSOA'
                 "</h2>" + map_markup + '<p class="note">This period, by the LSOA of each '
                 'located incident (<a href="#def-map">definition</a>).</p></section>')
    parts.append('<section id="definitions"><h2>Definitions</h2>')
    for figure in report.figures:
        parts.append(f'<h3 id="{_anchor(figure)}">{html.escape(figure.title)}</h3>'
                     + markdown_html(doc_section(_DOC, figure.doc) or "See docs/governance.md."))
    for anchor, heading in (("def-map", "Map"), ("def-suppression", "Suppression")):
        parts.append(f'<h3 id="{anchor}">{heading}</h3>'
                     + markdown_html(doc_section(_DOC, heading) or "See docs/governance.md."))
    parts.append("</section>")
    parts.append('<section id="sources"><h2>Data sources and licences</h2><table><thead><tr>'
                 "<th>Source</th><th>Used for</th><th>Licence</th></tr></thead><tbody>"
                 + "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td>"
                           f"<td>{html.escape(c)}</td></tr>" for a, b, c in DATA_SOURCES)
                 + f"</tbody></table><p class=\"note\">{html.escape(ATTRIBUTION)}</p></section>")
    made = f"{report.generated_at:%d %B %Y at %H:%M}"
    parts.append(f'<p class="meta">Generated by ASB Insight on {made}. Suppression threshold '
                 f"{report.threshold}.</p></body></html>")
    return "\n".join(parts)


def governance_pack_html(con: duckdb.DuckDBPyConnection, period: Period, *,
                         areas: tuple[str, ...] = (), sources: tuple[str, ...] = (),
                         config: dict[str, Any] | None = None) -> str:
    """Compute the figures and the map and return the pack's HTML."""
    config = config or load_config()
    report = governance_report(con, period, areas=areas, sources=sources, config=config)
    markup = map_svg(lsoa_rates(con, period, areas), report.threshold)
    return governance_html(report, markup)


# --------------------------------------------------------------------------------------------
# PDF


def find_chromium() -> str | None:
    """The Chromium to print with: ``$ASB_CHROMIUM``, ``$BROWSER_PATH`` or on the PATH."""
    for candidate in (os.environ.get("ASB_CHROMIUM"), os.environ.get("BROWSER_PATH")):
        if candidate and Path(candidate).exists():
            return candidate
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html_path: Path, pdf_path: Path, *, timeout: int = 120) -> None:
    """Print an HTML file to PDF with headless Chromium (A4, no header or footer).

    Raises
    ------
    ReportProblem
        No Chromium is installed, or it failed.
    """
    browser = find_chromium()
    if browser is None:
        raise ReportProblem(
            "no Chromium found to print the PDF: install Debian's chromium package "
            "(apt-get install chromium) or set ASB_CHROMIUM; the HTML pack was written")
    with tempfile.TemporaryDirectory(prefix="asb-pdf-") as profile:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--no-first-run", "--disable-extensions",
               f"--user-data-dir={profile}", "--no-pdf-header-footer",
               f"--print-to-pdf={pdf_path.resolve()}", html_path.resolve().as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ReportProblem(f"Chromium could not print the PDF ({type(exc).__name__}); "
                                "the HTML pack was written") from None
    if done.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise ReportProblem(f"Chromium could not print the PDF (exit {done.returncode}); "
                            "the HTML pack was written")


def write_governance_pack(con: duckdb.DuckDBPyConnection, start: date, end: date, out: Path, *,
                          pdf: bool = True, config: dict[str, Any] | None = None) -> PackResult:
    """Write the pack to ``out`` (HTML) and a PDF beside it (same name, ``.pdf``).

    ASB incidents are counted by month, so the period is widened to whole months (the first
    day of ``start``'s month to the last day of ``end``'s), and the pack is labelled with the
    months counted. A missing browser is not fatal: the HTML is written and ``problem`` says
    why there is no PDF. ``warnings`` carry the pack's caveats for the command to print.
    """
    try:
        Period(start, end)
        period = Period.whole_months(start, end)
    except ValueError as exc:
        raise ReportProblem(str(exc)) from None
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    config = config or load_config()
    report = governance_report(con, period, config=config)
    markup = map_svg(lsoa_rates(con, period), report.threshold)
    out.write_text(governance_html(report, markup), encoding="utf-8")
    warnings = list(report.warnings)
    if (period.start, period.end) != (start, end):
        warnings.append(f"ASB incidents are counted by month: the period {start:%d/%m/%Y} to "
                        f"{end:%d/%m/%Y} was widened to whole months ({period.label}).")
    held = report.period_held
    if not pdf:
        return PackResult(out, None, warnings=tuple(warnings), period_held=held)
    target = out.with_suffix(".pdf")
    try:
        html_to_pdf(out, target)
    except ReportProblem as exc:
        return PackResult(out, None, str(exc), warnings=tuple(warnings), period_held=held)
    return PackResult(out, target, warnings=tuple(warnings), period_held=held)
