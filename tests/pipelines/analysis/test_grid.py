"""Square BNG grid cells: ids, alignment, counts, polygons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.analysis import AnalysisProblem
from pipelines.analysis.grid import (
    assign_cells,
    cell_ids,
    cell_index,
    cell_polygons,
    count_by_cell,
)


def test_cells_align_to_multiples_of_the_size_and_edges_go_north_east():
    col, row = cell_index(np.array([249.999, 250.0, 499.0]), np.array([0.0, 250.0, 749.9]), 250)
    assert col.tolist() == [0, 1, 1]
    assert row.tolist() == [0, 1, 2]
    assert cell_ids(col, row, 250).tolist() == ["E0N0", "E250N250", "E250N500"]


def test_cell_id_names_the_lower_left_corner_in_metres():
    df = pd.DataFrame({"easting": [451234.5], "northing": [520999.0]})
    out = assign_cells(df, 100)
    assert out["cell_id"].iloc[0] == "E451200N520900"
    assert int(out["col"].iloc[0]) == 4512 and int(out["row"].iloc[0]) == 5209


def test_counts_weights_and_unlocated_rows():
    df = pd.DataFrame(
        {
            "easting": [10.0, 20.0, 30.0, 600.0, np.nan],
            "northing": [10.0, 10.0, 10.0, 10.0, 5.0],
            "weight": [3.0, 2.0, np.nan, 1.0, 1.0],
        }
    )
    res = count_by_cell(df, 250, weight="weight")
    assert res.cells["cell_id"].tolist() == ["E0N0", "E500N0"]
    assert res.cells["count"].tolist() == [3, 1]
    assert res.cells["value"].tolist() == [6.0, 1.0]  # a missing weight counts 1
    assert (res.n_located, res.n_unlocated, res.weighted) == (4, 1, True)


def test_bbox_extent_fills_empty_cells_with_zeros():
    df = pd.DataFrame({"easting": [10.0, 610.0], "northing": [10.0, 260.0]})
    cells = count_by_cell(df, 250, extent="bbox").cells
    assert len(cells) == 3 * 2
    assert cells["count"].sum() == 2
    assert cells.set_index("cell_id").loc["E250N0", "count"] == 0
    # sorted by row, then column
    assert list(zip(cells["row"], cells["col"], strict=True)) == sorted(
        zip(cells["row"], cells["col"], strict=True)
    )


def test_polygons_are_squares_in_british_national_grid():
    gdf = count_by_cell(pd.DataFrame({"easting": [1001.0], "northing": [2001.0]}), 500).to_geodataframe()
    assert gdf.crs.to_epsg() == 27700
    assert gdf.geometry.iloc[0].bounds == (1000.0, 2000.0, 1500.0, 2500.0)
    assert gdf.geometry.iloc[0].area == pytest.approx(500.0**2)


def test_bad_cell_size_is_explained():
    with pytest.raises(AnalysisProblem, match="cell_size must be a positive"):
        count_by_cell(pd.DataFrame({"easting": [1.0], "northing": [1.0]}), 0)
    with pytest.raises(AnalysisProblem, match="needs column"):
        cell_polygons(pd.DataFrame({"x": [1]}), 100)


def test_cleveland_counts(cleveland_asb):
    res = count_by_cell(cleveland_asb, 250)
    assert res.n_located == 16_156 and res.n_unlocated == 0
    assert res.cells["count"].sum() == 16_156
    assert len(res.cells) == 2_009
    assert res.cells["cell_id"].is_unique
    # every incident lies inside its cell's square
    gdf = res.to_geodataframe()
    assert gdf.total_bounds[0] <= cleveland_asb["easting"].min()
    assert gdf.total_bounds[2] >= cleveland_asb["easting"].max()
