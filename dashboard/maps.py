"""Maps that draw with no internet: plotly MapLibre maps on a blank style.

Everything on a map comes from the warehouse: area boundaries are the WKT polygons in
``mart_area`` turned into GeoJSON, grid cells are squares on the British National Grid turned
into WGS84 corners. The map style is ``"white-bg"`` (no tiles, no network). A partnership that
is online and licensed for a tile service can set ``ASB_TILES_URL`` (an XYZ template such as
``https://tile.example.org/{z}/{x}/{y}.png``, with ``ASB_TILES_ATTRIBUTION``) and the tiles are
drawn under the layers.

Exports: :func:`to_html` (one file with plotly.js inside, so it opens offline) and
:func:`to_png` (kaleido driving the system Chromium; ``BROWSER_PATH`` defaults to
``/usr/bin/chromium`` when that exists).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import shapely

from pipelines.geography import to_wgs84

__all__ = [
    "MAP_STYLE",
    "tiles_url",
    "area_geojson",
    "cell_geojson",
    "view_of",
    "new_map",
    "add_choropleth",
    "add_classes",
    "add_points",
    "add_outline",
    "chromium_path",
    "png_problem",
    "to_html",
    "to_png",
    "feature_ids",
    "GI_COLOURS",
    "EMERGING_COLOURS",
    "density_layer",
    "add_density",
    "bng_geojson",
    "bng_bounds",
    "geojson_uri",
    "geojson_bounds",
]

MAP_STYLE = "white-bg"
_HEIGHT = 620
_DEFAULT_CHROMIUM = "/usr/bin/chromium"


def tiles_url() -> str | None:
    """The tile URL template from ``ASB_TILES_URL``, or None (no basemap: the default)."""
    return os.environ.get("ASB_TILES_URL") or None


def _feature(fid: str, geometry: dict[str, Any], props: dict[str, Any] | None = None
             ) -> dict[str, Any]:
    return {"type": "Feature", "id": fid, "properties": {"id": fid, **(props or {})},
            "geometry": geometry}


def area_geojson(codes: Sequence[str], wkt: Sequence[str], *, tolerance: float = 0.0
                 ) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of WGS84 WKT polygons, each feature's ``id`` its code.

    ``tolerance`` (degrees) simplifies the outlines to lighten the map.

    Examples
    --------
    >>> gj = area_geojson(["A"], ["POLYGON ((0 0, 1 0, 1 1, 0 0))"])
    >>> gj["features"][0]["id"], gj["features"][0]["geometry"]["type"]
    ('A', 'Polygon')
    """
    geoms = shapely.from_wkt(list(wkt))
    if tolerance > 0:
        geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, 6))
    texts = shapely.to_geojson(geoms)
    return {"type": "FeatureCollection",
            "features": [_feature(str(c), json.loads(t))
                         for c, t in zip(codes, texts, strict=True)]}


def cell_geojson(cell_id: Sequence[str], x0: np.ndarray, y0: np.ndarray, cell_size: float
                 ) -> dict[str, Any]:
    """Square BNG cells (lower-left corners ``x0``, ``y0``) as WGS84 GeoJSON polygons.

    Examples
    --------
    >>> gj = cell_geojson(["E450000N520000"], np.array([450000.0]), np.array([520000.0]), 250)
    >>> ring = gj["features"][0]["geometry"]["coordinates"][0]
    >>> len(ring), ring[0] == ring[-1]
    (5, True)
    """
    x0 = np.asarray(x0, dtype=float)
    y0 = np.asarray(y0, dtype=float)
    s = float(cell_size)
    xs = np.stack([x0, x0 + s, x0 + s, x0, x0], axis=1)
    ys = np.stack([y0, y0, y0 + s, y0 + s, y0], axis=1)
    lon, lat = to_wgs84(xs.ravel(), ys.ravel())
    lon = np.round(lon.reshape(xs.shape), 6)
    lat = np.round(lat.reshape(ys.shape), 6)
    features = [
        _feature(str(cid), {"type": "Polygon",
                            "coordinates": [np.stack([lo, la], axis=1).tolist()]})
        for cid, lo, la in zip(cell_id, lon, lat, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def geojson_uri(geojson: dict[str, Any]) -> str:
    """GeoJSON as a ``data:`` URI: the map reads it without a network, and plotly copies a
    string instantly where it would deep-copy thousands of coordinate lists on every rerun.

    Examples
    --------
    >>> geojson_uri({"type": "FeatureCollection", "features": []})[:35]
    'data:application/json;base64,eyJ0e'
    """
    import base64

    text = json.dumps(geojson, separators=(",", ":"))
    return "data:application/json;base64," + base64.b64encode(text.encode()).decode("ascii")


def _bounds(geojson: dict[str, Any]) -> tuple[float, float, float, float] | None:
    coords: list[np.ndarray] = []

    def walk(c: Any) -> None:
        if isinstance(c, list) and c and isinstance(c[0], int | float):
            coords.append(np.asarray(c[:2], dtype=float))
        elif isinstance(c, list):
            for item in c:
                walk(item)

    for feat in geojson.get("features", []):
        walk(feat["geometry"]["coordinates"])
    if not coords:
        return None
    xy = np.vstack(coords)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def view_of(bounds: tuple[float, float, float, float] | None, *, width: int = 1000,
            height: int = _HEIGHT) -> dict[str, Any]:
    """Centre and zoom showing ``(min lon, min lat, max lon, max lat)``.

    Examples
    --------
    >>> v = view_of((-1.4, 54.5, -1.0, 54.7))
    >>> v["center"], round(v["zoom"], 1)
    ({'lat': 54.6, 'lon': -1.2}, 10.1)
    """
    if bounds is None:
        return {"center": {"lat": 54.57, "lon": -1.24}, "zoom": 9.0}  # Cleveland, the sample
    x0, y0, x1, y1 = bounds
    dlon = max(x1 - x0, 1e-4)
    # latitude span in Web Mercator units, approximately
    dlat = max((y1 - y0) / np.cos(np.radians((y0 + y1) / 2)), 1e-4)
    # MapLibre draws the world 512 px wide at zoom 0
    zoom = min(np.log2(width * 360.0 / (512.0 * dlon)), np.log2(height * 360.0 / (512.0 * dlat)))
    return {"center": {"lat": round((y0 + y1) / 2, 6), "lon": round((x0 + x1) / 2, 6)},
            "zoom": float(max(1.0, min(zoom - 0.2, 17.0)))}


def geojson_bounds(geojson: dict[str, Any]) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of a FeatureCollection, None when empty."""
    return _bounds(geojson)


def new_map(boundaries: dict[str, Any] | str | None = None, *, height: int = _HEIGHT,
            bounds: tuple[float, float, float, float] | None = None,
            title: str | None = None) -> go.Figure:
    """An empty map on the blank style, with ``boundaries`` (GeoJSON, or its
    :func:`geojson_uri`) drawn as grey outlines and, when ``ASB_TILES_URL`` is set, a tile
    basemap under everything. ``bounds`` (WGS84) sets the view; by default the boundaries'."""
    layers: list[dict[str, Any]] = []
    url = tiles_url()
    if url:
        layers.append({"below": "traces", "sourcetype": "raster", "type": "raster",
                       "source": [url],
                       "sourceattribution": os.environ.get("ASB_TILES_ATTRIBUTION", "")})
    if isinstance(boundaries, str) or (boundaries is not None and boundaries.get("features")):
        layers.append({"sourcetype": "geojson", "source": boundaries, "type": "line",
                       "color": "#6b6b6b", "line": {"width": 0.7}, "below": ""})
    if bounds is None and isinstance(boundaries, dict):
        bounds = _bounds(boundaries)
    view = view_of(bounds, height=height)
    fig = go.Figure()
    fig.update_layout(
        map={"style": MAP_STYLE, "layers": layers, **view},
        height=height, margin={"l": 0, "r": 0, "t": 30 if title else 0, "b": 0},
        title={"text": title} if title else None,
        legend={"orientation": "h", "yanchor": "bottom", "y": 0.0, "x": 0.0,
                "bgcolor": "rgba(255,255,255,0.85)"},
        uirevision="keep",
    )
    return fig


def add_choropleth(fig: go.Figure, geojson: dict[str, Any] | str, ids: Sequence[str],
                   values: Sequence[float], *, name: str, colorscale: str | list = "YlOrRd",
                   hover: Sequence[str] | None = None, zmin: float | None = None,
                   zmax: float | None = None, opacity: float = 0.75,
                   colorbar_title: str = "") -> go.Figure:
    """Colour the polygons of ``geojson`` whose ``id`` is in ``ids`` by ``values``."""
    fig.add_trace(go.Choroplethmap(
        geojson=geojson, locations=list(ids), z=list(values), featureidkey="id",
        colorscale=colorscale, zmin=zmin, zmax=zmax, marker={"opacity": opacity,
                                                             "line": {"width": 0.3}},
        name=name, text=list(hover) if hover is not None else None,
        hovertemplate="%{text}<extra></extra>" if hover is not None else None,
        colorbar={"title": {"text": colorbar_title}, "thickness": 12},
    ))
    return fig


def add_classes(fig: go.Figure, geojson: dict[str, Any] | str, ids: Sequence[str],
                classes: Sequence[str], colours: dict[str, str], *,
                hover: Sequence[str] | None = None, opacity: float = 0.8) -> go.Figure:
    """Colour polygons by class (one legend entry per class, in ``colours`` order)."""
    ids_a = np.asarray(list(ids), dtype=object)
    cls_a = np.asarray(list(classes), dtype=object)
    hov_a = np.asarray(list(hover), dtype=object) if hover is not None else None
    for label, colour in colours.items():
        mask = cls_a == label
        if not mask.any():
            continue
        fig.add_trace(go.Choroplethmap(
            geojson=geojson, locations=ids_a[mask].tolist(), z=[1] * int(mask.sum()),
            featureidkey="id", colorscale=[[0, colour], [1, colour]], showscale=False,
            showlegend=True, name=label, marker={"opacity": opacity, "line": {"width": 0.2}},
            text=hov_a[mask].tolist() if hov_a is not None else None,
            hovertemplate="%{text}<extra></extra>" if hov_a is not None else None,
        ))
    return fig


def add_points(fig: go.Figure, lon: np.ndarray, lat: np.ndarray, *, name: str,
               size: np.ndarray | float = 9, colour: str = "#1f3c88",
               hover: Sequence[str] | None = None, text: Sequence[str] | None = None
               ) -> go.Figure:
    """Points given in WGS84 longitude and latitude."""
    fig.add_trace(go.Scattermap(
        lat=np.round(np.asarray(lat, dtype=float), 6),
        lon=np.round(np.asarray(lon, dtype=float), 6),
        mode="markers+text" if text is not None else "markers", name=name,
        marker={"size": size, "color": colour, "opacity": 0.85},
        text=list(text) if text is not None else None, textposition="top right",
        hovertext=list(hover) if hover is not None else None,
        hoverinfo="text" if hover is not None else None,
    ))
    return fig


def add_outline(fig: go.Figure, geojson: dict[str, Any] | str, *, colour: str, width: float = 2.0
                ) -> go.Figure:
    """Draw ``geojson``'s outlines as a layer (e.g. a response area and its buffer)."""
    layers = list(fig.layout.map.layers or [])
    layers.append({"sourcetype": "geojson", "source": geojson, "type": "line",
                   "color": colour, "line": {"width": width}})
    fig.layout.map.layers = layers  # replace: update_layout would merge element by element
    return fig


# --------------------------------------------------------------------------------------------
# exports
# --------------------------------------------------------------------------------------------


def chromium_path() -> str | None:
    """The Chromium kaleido will use: ``BROWSER_PATH``, else ``/usr/bin/chromium`` if present."""
    given = os.environ.get("BROWSER_PATH")
    if given:
        return given if Path(given).exists() else None
    return _DEFAULT_CHROMIUM if Path(_DEFAULT_CHROMIUM).exists() else None


def png_problem() -> str | None:
    """Why a PNG cannot be made here, in words an analyst can act on (None when it can)."""
    if chromium_path() is None:
        where = os.environ.get("BROWSER_PATH") or _DEFAULT_CHROMIUM
        return (f"PNG export needs Chromium and none was found at {where}. Install Debian's "
                "`chromium` package (or set BROWSER_PATH to a Chromium), or download the HTML "
                "map, which opens offline, and take a screenshot of it.")
    return None


def to_html(fig: go.Figure, title: str = "ASB Insight map") -> bytes:
    """The map as one HTML file with plotly.js inside (opens offline in any browser)."""
    html = fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False})
    html = html.replace("<head>", f"<head><title>{title}</title>", 1)
    return html.encode("utf-8")


def to_png(fig: go.Figure, *, width: int = 1400, height: int = 1000, scale: float = 1.0) -> bytes:
    """The map as a PNG, rendered by kaleido in the system Chromium.

    Raises
    ------
    RuntimeError
        With :func:`png_problem`'s message when there is no Chromium, or kaleido's own.
    """
    problem = png_problem()
    if problem:
        raise RuntimeError(problem)
    os.environ.setdefault("BROWSER_PATH", chromium_path() or _DEFAULT_CHROMIUM)
    return fig.to_image(format="png", width=width, height=height, scale=scale)


def feature_ids(geojson: dict[str, Any]) -> list[str]:
    """The ids of a FeatureCollection's features (for tests and checks)."""
    return [f["id"] for f in geojson.get("features", [])]


# --------------------------------------------------------------------------------------------
# layers for the where-and-when pages


#: Gi* classes, hottest first, with the usual diverging colours.
GI_COLOURS: dict[str, str] = {
    "hot spot 99%": "#b2182b", "hot spot 95%": "#ef8a62", "hot spot 90%": "#fddbc7",
    "cold spot 90%": "#d1e5f0", "cold spot 95%": "#67a9cf", "cold spot 99%": "#2166ac",
}

#: Emerging hot spot patterns, hot then cold.
EMERGING_COLOURS: dict[str, str] = {
    "new hot spot": "#67000d", "consecutive hot spot": "#a50f15",
    "intensifying hot spot": "#d7301f", "persistent hot spot": "#ef6548",
    "diminishing hot spot": "#fc8d59", "sporadic hot spot": "#fdbb84",
    "oscillating hot spot": "#fdd49e", "historical hot spot": "#bdbdbd",
    "new cold spot": "#08306b", "consecutive cold spot": "#08519c",
    "intensifying cold spot": "#2171b5", "persistent cold spot": "#4292c6",
    "diminishing cold spot": "#6baed6", "sporadic cold spot": "#9ecae1",
    "oscillating cold spot": "#c6dbef", "historical cold spot": "#d9d9d9",
}

_YLORRD = ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c",
           "#bd0026", "#800026"]


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _png(rgba: np.ndarray) -> bytes:
    """Encode an (h, w, 4) uint8 array as a PNG (zlib and struct only)."""
    import struct
    import zlib

    h, w, _ = rgba.shape
    raw = np.concatenate([np.zeros((h, 1), dtype=np.uint8),
                          rgba.reshape(h, w * 4)], axis=1).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def density_layer(col: np.ndarray, row: np.ndarray, density: np.ndarray, cell_size: float,
                  *, floor_share: float = 0.02, opacity: float = 0.8) -> dict[str, Any]:
    """A density surface as one image layer (a PNG in the page, no tiles, no network).

    Cells under ``floor_share`` of the peak are transparent so the boundaries show through.

    Examples
    --------
    >>> layer = density_layer(np.array([0, 1]), np.array([0, 0]), np.array([1.0, 2.0]), 250)
    >>> layer["sourcetype"], len(layer["coordinates"]), layer["source"][:22]
    ('image', 4, 'data:image/png;base64,')
    """
    import base64

    col = np.asarray(col, dtype=np.int64)
    row = np.asarray(row, dtype=np.int64)
    c0, c1, r0, r1 = col.min(), col.max(), row.min(), row.max()
    grid = np.zeros((r1 - r0 + 1, c1 - c0 + 1))
    grid[r1 - row, col - c0] = density  # image rows run north to south
    peak = grid.max() if grid.size and grid.max() > 0 else 1.0
    share = grid / peak
    stops = np.array([_hex_rgb(c) for c in _YLORRD], dtype=float)
    pos = np.clip(share, 0, 1) * (len(stops) - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, len(stops) - 1)
    frac = (pos - lo)[..., None]
    rgb = stops[lo] * (1 - frac) + stops[hi] * frac
    alpha = np.where(share >= floor_share, 255 * opacity, 0)
    rgba = np.dstack([rgb, alpha]).round().astype(np.uint8)
    x0, x1 = c0 * cell_size, (c1 + 1) * cell_size
    y0, y1 = r0 * cell_size, (r1 + 1) * cell_size
    lon, lat = to_wgs84(np.array([x0, x1, x1, x0]), np.array([y1, y1, y0, y0]))
    return {
        "sourcetype": "image",
        "type": "raster",
        "source": "data:image/png;base64," + base64.b64encode(_png(rgba)).decode("ascii"),
        "coordinates": [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)],
        "below": "traces",
    }


def add_density(fig: go.Figure, layer: dict[str, Any], peak: float, *, units: str
                ) -> go.Figure:
    """Draw a density surface (a :func:`density_layer`) with a colour bar up to ``peak``."""
    layers = [existing.to_plotly_json() for existing in (fig.layout.map.layers or [])]
    layers.insert(0, layer)
    centre = fig.layout.map.center
    fig.add_trace(go.Scattermap(
        lat=[centre.lat, centre.lat], lon=[centre.lon, centre.lon], mode="markers",
        marker={"size": 0.1, "color": [0.0, float(peak)],
                "colorscale": [[i / 8, c] for i, c in enumerate(_YLORRD)],
                "showscale": True, "colorbar": {"title": {"text": units}, "thickness": 12}},
        hoverinfo="skip", showlegend=False, name="density",
    ))
    fig.layout.map.layers = layers  # replace: update_layout would merge element by element
    return fig


def bng_geojson(ids: Sequence[str], geoms: Sequence[Any]) -> dict[str, Any]:
    """Shapely geometries in British National Grid metres as WGS84 GeoJSON.

    Examples
    --------
    >>> gj = bng_geojson(["r"], [shapely.box(450000, 520000, 450250, 520250)])
    >>> gj["features"][0]["id"], gj["features"][0]["geometry"]["type"]
    ('r', 'Polygon')
    """
    wgs = shapely.transform(np.asarray(list(geoms), dtype=object),
                            lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1])))
    return area_geojson([str(i) for i in ids], shapely.to_wkt(wgs).tolist())


def bng_bounds(geom: Any, margin: float = 0.0) -> tuple[float, float, float, float]:
    """WGS84 bounds (min lon, min lat, max lon, max lat) of a BNG geometry plus a margin (m)."""
    x0, y0, x1, y1 = shapely.bounds(geom)
    lon, lat = to_wgs84(np.array([x0 - margin, x1 + margin]), np.array([y0 - margin, y1 + margin]))
    return float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1])
