"""Hotspots: where ASB concentrates, by area, on a grid, as a density surface, as significant
hot and cold spots, as they emerge over time, next month's forecast and the hot dots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import maps
from dashboard import where_when_data as wwd
from dashboard.auth import require_page
from dashboard.components import about
from dashboard.where_when_filters import coverage_warning, harm_choice, page_filter
from pipelines.analysis.forecast import METHODS, default_method
from pipelines.errors import AnalysisProblem

DOC = "methods.md"
LAYERS = {
    "areas": "Areas",
    "grid": "Grid counts",
    "density": "Density",
    "gi": "Hot and cold spots (Gi*)",
    "emerging": "Emerging hot spots",
    "forecast": "Forecast",
    "dots": "Hot dots",
}
GRID_LAYERS = ("grid", "density", "gi", "emerging", "forecast")
MAX_CELLS_DRAWN = 8000

viewer = require_page(__file__)  # signed in, with a role this page is open to
st.title("Hotspots")
f = page_filter("hs")
if f is None:
    st.stop()

c1, c2, c3 = st.columns([4, 2, 1])
layer = c1.radio("Show", list(LAYERS), format_func=LAYERS.get, horizontal=True, key="hs_layer")
harm = harm_choice("hs", c2) if layer != "forecast" else None
cell_size = float(c3.number_input(
    "Cell size (m)", min_value=50, max_value=2000, value=250, step=50, key="hs_cell_size",
    disabled=layer not in GRID_LAYERS, help="Square cells on the British National Grid."))

totals = wwd.counts(f)
if totals["incidents"] == 0:
    st.info("No ASB incidents match these filters.")
    st.stop()
if totals["located"] == 0 and layer != "dots":
    st.info(f"None of the {totals['incidents']:,} incidents chosen has a location (for example "
            "housing reports without coordinates), so there is nothing to map: choose another "
            "source or period, or Show \"Hot dots\" to rank the places they name.",
            icon=":material/info:")
    st.stop()
unlocated = totals["incidents"] - totals["located"]
weighted = "harm-weighted incidents" if harm else "incidents"
notes: list[str] = []
if unlocated and layer != "areas":
    notes.append(f"{unlocated:,} of {totals['incidents']:,} incidents have no location (for "
                 "example housing reports without coordinates) and are not on this map.")
boundaries, bounds = wwd.csp_shapes(f.csp_codes)
fig = maps.new_map(boundaries, bounds=bounds)
ranked = pd.DataFrame()
about_heading = "Hotspots"
map_slot = None  # where the map goes: the page, or a column beside the forecast's backtest


def _cells_hover(frame: pd.DataFrame, columns: dict[str, str]) -> list[str]:
    if frame.empty:  # an empty column has no strings to join (numpy refuses str + float)
        return []
    parts = [frame["cell_id"].astype(str)]
    for column, label in columns.items():
        values = frame[column]
        text = values.map(lambda v: f"{v:,.2f}" if isinstance(v, float) else f"{v}")
        parts.append(label + ": " + text.astype(str))
    out = parts[0]
    for p in parts[1:]:
        out = out + "<br>" + p
    return out.tolist()


def _draw_classes(frame: pd.DataFrame, column: str, colours: dict[str, str],
                  hover: dict[str, str], empty_note: str) -> None:
    """Cells coloured by the class in ``column``, or ``empty_note`` when there are none."""
    if frame.empty:
        notes.append(empty_note)
        return
    maps.add_classes(fig, wwd.cell_shapes(frame, cell_size), frame["cell_id"], frame[column],
                     colours, hover=_cells_hover(frame, hover))


def _draw_cells(frame: pd.DataFrame, value: str, label: str) -> None:
    if frame.empty:
        notes.append("No cell holds an incident with these filters.")
        return
    shown = frame.head(MAX_CELLS_DRAWN)
    if len(frame) > MAX_CELLS_DRAWN:
        notes.append(f"The map draws the {MAX_CELLS_DRAWN:,} busiest of {len(frame):,} cells; "
                     "the CSV has them all. Use larger cells to see everything.")
    maps.add_choropleth(fig, wwd.cell_shapes(shown, cell_size), shown["cell_id"], shown[value],
                        name=label,
                        hover=_cells_hover(shown, {value: label}), colorbar_title=label)


try:
    if layer == "areas":
        a1, a2 = st.columns(2)
        level = a1.radio("Areas", ["lsoa", "ward"], horizontal=True, key="hs_level",
                         format_func={"lsoa": "LSOA", "ward": "Ward"}.get)
        measure = a2.radio(
            "Colour by", ["rate", "count", "imd"], horizontal=True, key="hs_measure",
            format_func={"rate": "Rate per 1,000 residents", "count": "Count",
                         "imd": "Deprivation (IMD decile)"}.get)
        table = wwd.area_table(f, level, harm)
        column = {"rate": "rate_per_1000", "count": "weight", "imd": "imd_decile"}[measure]
        names = {"rate_per_1000": "per 1,000", "weight": weighted, "imd_decile": "IMD decile"}
        hover = (table["area_name"] + " (" + table["area_code"] + ")<br>"
                 + table["weight"].map("{:,.0f}".format) + f" {weighted}<br>"
                 + table["rate_per_1000"].map("{:,.1f}".format) + " per 1,000 residents<br>"
                 + "IMD decile " + table["imd_decile"].map("{:g}".format))
        maps.add_choropleth(
            fig, wwd.area_shapes(level, f.csp_codes), table["area_code"], table[column],
            name=names[column], hover=hover.tolist(), colorbar_title=names[column],
            colorscale="RdYlBu" if measure == "imd" else "YlOrRd")
        ranked = table.drop(columns=["count"] if not harm else []).rename(
            columns={"weight": "harm_weighted" if harm else "incidents"})
        if table.attrs.get("outside"):
            notes.append(f"{table.attrs['outside']:,} incidents are in no {level.upper()} of the "
                         "areas shown (no location, or outside the partnership) and are not "
                         "counted here.")
        if level == "ward":
            notes.append("Ward populations are apportioned from LSOAs by area and ward IMD is "
                         "the population-weighted mean of LSOA deciles (see the methods).")
    elif layer == "grid":
        counted = wwd.cells(f, cell_size, harm)
        ranked = wwd.top_cells(counted.cells, "value")
        _draw_cells(ranked, "value", weighted)
    elif layer == "density":
        d1, d2 = st.columns(2)
        bandwidth = d1.number_input(
            "Bandwidth (m); 0 for the default rule", min_value=0, max_value=5000, value=0,
            step=50, key="hs_bandwidth")
        kernel = d2.radio("Kernel", ["quartic", "gaussian"], horizontal=True, key="hs_kernel")
        with st.spinner("Smoothing the incidents into a density surface..."):
            surface, snap, image = wwd.density(f, cell_size, float(bandwidth) or None, kernel,
                                               harm)
        st.caption(f"**Bandwidth {surface.bandwidth:g} m** ({surface.bandwidth_rule}); "
                   f"{kernel} kernel on {cell_size:g} m cells; {surface.n_incidents:,} "
                   f"incidents; density in {weighted} per km².")
        if snap:
            notes.append(f"With this many places, incidents were grouped into {snap:g} m "
                         "squares (at their centres) before smoothing: each moves at most "
                         f"{snap / 2 ** 0.5:.0f} m, small beside the bandwidth.")
        maps.add_density(fig, image, float(surface.cells["density"].max()), units="per km²")
        ranked = wwd.top_cells(surface.cells.assign(
            x0=surface.cells["col"] * cell_size, y0=surface.cells["row"] * cell_size), "density")
        ranked = ranked[ranked["density"] > 0].drop(columns=["x", "y"])
    elif layer == "gi":
        g1, g2 = st.columns(2)
        order = g1.radio("Neighbourhood", [1, 2], horizontal=True, key="hs_order",
                         format_func={1: "3 x 3 cells", 2: "5 x 5 cells"}.get)
        fdr = g2.toggle("Correct for many tests (false discovery rate)", value=True,
                        key="hs_fdr")
        with st.spinner("Testing every cell for hot and cold spots..."):
            result, labels = wwd.gi_star(f, cell_size, harm, order, fdr)
        hot = sum(v for k, v in labels.items() if k.startswith("hot"))
        cold = sum(v for k, v in labels.items() if k.startswith("cold"))
        m1, m2, m3 = st.columns(3)
        m1.metric("Cells tested", f"{labels['cells tested']:,}")
        m2.metric("Hot spot cells", f"{hot:,}")
        m3.metric("Cold spot cells", f"{cold:,}")
        sig = result.cells[result.cells["confidence"] != 0]
        value = "value" if harm else "count"
        _draw_classes(sig, "label", maps.GI_COLOURS, {value: weighted, "z": "z", "q": "q"},
                      "No cell is a significant hot or cold spot with these filters: try "
                      "larger cells, a wider neighbourhood or a longer period.")
        ranked = wwd.top_cells(result.cells, "z")
        st.caption(f"Gi* with {result.neighbourhood}; "
                   + ("significance after the Benjamini-Hochberg false discovery rate "
                      "correction." if fdr else "uncorrected p-values (expect false alarms)."))
    elif layer == "emerging":
        confidence = st.radio("Confidence for a significant month", [90, 95, 99],
                              horizontal=True, key="hs_confidence", format_func="{}%".format)
        coverage_warning(f)
        with st.spinner("Finding emerging hot spots: testing every cell month by month (this "
                        "can take a few seconds with small cells)..."):
            result = wwd.emerging(f, cell_size, harm, confidence)
        st.caption(f"{len(result.months)} months ({result.months[0]:%b %Y} to "
                   f"{result.months[-1]:%b %Y}); Gi* each month with {result.neighbourhood}; "
                   "Mann-Kendall trend on each cell's monthly z-scores.")
        summary = result.summary.drop(labels=["no pattern"], errors="ignore")
        st.dataframe(summary.rename("cells").rename_axis("pattern").reset_index(),
                     hide_index=True, key="hs_emerging_summary")
        frame = result.cells.assign(x0=result.cells["col"] * cell_size,
                                    y0=result.cells["row"] * cell_size)
        _draw_classes(frame, "pattern", maps.EMERGING_COLOURS,
                      {"pattern": "pattern", "total": weighted, "n_hot": "hot months"},
                      "No cell shows an emerging pattern with these filters: try larger "
                      "cells, a lower confidence or a longer period.")
        ranked = wwd.top_cells(frame, "total")
    elif layer == "forecast":
        about_heading = "Forecasting"
        k1, k2 = st.columns(2)
        method = k1.selectbox("Method", list(METHODS), index=list(METHODS).index(default_method),
                              key="hs_method")
        coverage = k2.select_slider("Cells flagged (share of cells with ASB)",
                                    [0.01, 0.02, 0.05, 0.1, 0.2], value=0.05,
                                    format_func="{:.0%}".format, key="hs_coverage")
        coverage_warning(f)
        with st.spinner("Forecasting and backtesting month by month..."):
            result, tested = wwd.forecast(f, cell_size, coverage, method)
        if method == "kde":
            notes.append("The kde method smooths from cell centres here (the incidents are "
                         "counted by cell first).")
        cells = result.cells
        if not cells.empty:
            maps.add_classes(fig, wwd.cell_shapes(cells, cell_size),
                             cells["cell_id"], ["flagged"] * len(cells),
                             {"flagged": "#d7301f"},
                             hover=_cells_hover(cells, {"rank": "rank", "score": "score"}))
        ranked = cells
        own, naive = tested.methods[method], tested.methods["naive"]
        st.subheader(f"Forecast for {pd.Timestamp(result.month):%B %Y}: {len(cells):,} cells",
                     anchor=False)
        map_slot, side = st.columns([3, 2])
        fig.update_layout(map=maps.view_of(bounds, width=600))  # the narrower column
        side.metric("Backtest mean PEI*", f"{own.mean_pei_star:.3f}",
                    delta=None if method == "naive" else
                    f"{own.mean_pei_star - naive.mean_pei_star:+.3f} against naive")
        b2, b3 = side.columns(2)
        b2.metric("Mean PAI", f"{own.mean_pai:.2f}")
        b3.metric("Mean hit rate", f"{own.mean_hit_rate:.1%}")
        side.caption(
            f"Backtest on these filters: each of {len(own.folds)} months forecast from the "
            f"months before it only, {tested.flagged_cells:,} of {tested.n_cells:,} cells "
            "flagged. PEI* is the share of the incidents the best possible cells would have "
            "caught; PAI the hit rate over the share of area. On months held out from tuning, "
            "the default (blend) beat naive (last three months' counts) by +0.017 to +0.026 "
            "PEI*, short of the +0.03 the project aimed for: treat it as a modest improvement "
            "on last quarter's counts, not a prediction.")
        folds = pd.DataFrame([{"month": fo.month, method: fo.pei_star,
                               "naive": fn.pei_star, "incidents": fo.incidents,
                               "hits": fo.hits}
                              for fo, fn in zip(own.folds, naive.folds, strict=True)])
        side.dataframe(folds, hide_index=True, key="hs_backtest", height=280,
                       column_config={method: st.column_config.NumberColumn(
                           f"{method} PEI*", format="%.3f"),
                           "naive": st.column_config.NumberColumn("naive PEI*", format="%.3f")})
    elif layer == "dots":
        top = st.number_input("Locations", min_value=5, max_value=200, value=20, step=5,
                              key="hs_top")
        show_text = viewer.role == "analyst"
        dots = wwd.hot_dots(f, top, harm, show_text)
        located = dots.dropna(subset=["lon", "lat"])
        if show_text:
            label = located["location_text"]
        else:
            label = located["ward"]
            notes.append("Addresses are shown to analysts only; points are placed at the "
                         "centre of their 100 m square.")
        size = 8 + 24 * np.sqrt(located["count"] / max(1, located["count"].max()))
        maps.add_points(fig, located["lon"].to_numpy(), located["lat"].to_numpy(),
                        name="hot dots", size=size.to_numpy(), colour="#b2182b",
                        text=located["rank"].astype(str).tolist(),
                        hover=("#" + located["rank"].astype(str) + " " + label.astype(str)
                               + "<br>" + located["count"].astype(str) + " incidents").tolist())
        keep = ["rank", *(["location_text", "location_key"] if show_text else []), "ward",
                "lsoa", "count", "share", "cumulative_share", *(["value"] if harm else [])]
        ranked = dots[keep]
        st.caption(f"The {len(dots)} places with most incidents hold "
                   f"{dots['share'].sum():.1%} of the {dots.attrs['n_incidents']:,} incidents "
                   f"chosen; {dots.attrs['n_without_location']:,} incidents have no usable "
                   "place (no UPRN, address, postcode, snap point or coordinates, or an "
                   "address that names only a town, a kind of place such as a supermarket "
                   "but not which one, or no place at all, such as \"Victim's home\") and "
                   "are not ranked.")
except AnalysisProblem as problem:
    st.warning(str(problem), icon=":material/info:")
    st.stop()

(map_slot or st).plotly_chart(fig, key="hs_map",
                              config={"scrollZoom": True, "displaylogo": False})
for note in notes:
    st.caption(note)

st.subheader("Ranked", anchor=False)
st.dataframe(ranked.head(500), hide_index=True, key="hs_table")
x1, x2, x3 = st.columns(3)
stem = f"asb-{layer}-{f.start:%Y%m}-{f.end:%Y%m}"
# The files are made when clicked (the map's HTML is large). A click must not rerun the page:
# a rerun drops the deferred files, so a second export clicked while the first was still
# being made would fail ("Deferred file not found").
x1.download_button("Map (HTML, opens offline)", data=lambda: maps.to_html(fig, LAYERS[layer]),
                   file_name=f"{stem}.html", mime="text/html", key="hs_export_html",
                   icon=":material/map:", on_click="ignore")
x2.download_button("Ranked table (CSV)", data=lambda: ranked.to_csv(index=False).encode(),
                   file_name=f"{stem}.csv", mime="text/csv", key="hs_export_csv",
                   icon=":material/table:", on_click="ignore")
signature = repr((f, sorted((k, repr(v)) for k, v in st.session_state.items()
                            if k.startswith("hs_") and k != "hs_png")))
problem = maps.png_problem()
if problem:
    x3.caption(problem)
elif x3.button("Make a PNG of the map", key="hs_png_make", icon=":material/image:"):
    with st.spinner("Drawing the PNG in Chromium..."):
        try:
            st.session_state["hs_png"] = (signature, maps.to_png(fig))
        except Exception as exc:  # kaleido's errors vary; say what happened
            st.session_state.pop("hs_png", None)
            x3.warning(f"The PNG could not be made: {exc}")
made = st.session_state.get("hs_png")
if made and made[0] == signature:
    x3.download_button("Download the PNG", data=made[1], file_name=f"{stem}.png",
                       mime="image/png", key="hs_export_png", on_click="ignore")
about(DOC, about_heading, "About this analysis")
