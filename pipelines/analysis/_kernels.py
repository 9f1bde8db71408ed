"""Kernel functions and sparse kernel matrices shared by density maps and forecasts."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from ._common import AnalysisProblem

__all__ = ["KERNELS", "GAUSSIAN_REACH", "kernel_values", "kernel_reach", "kernel_matrix"]

KERNELS = ("quartic", "gaussian")

#: The Gaussian kernel is cut off at this many bandwidths (it keeps 99.97% of each point's mass).
GAUSSIAN_REACH = 4.0


def _check(kernel: str, bandwidth: float) -> None:
    if kernel not in KERNELS:
        raise AnalysisProblem(f"kernel must be one of {', '.join(KERNELS)} (got {kernel!r})")
    if not np.isfinite(bandwidth) or bandwidth <= 0:
        raise AnalysisProblem(f"bandwidth must be a positive number of metres (got {bandwidth!r})")


def kernel_reach(kernel: str, bandwidth: float) -> float:
    """Distance beyond which the kernel is zero (quartic) or ignored (Gaussian).

    Examples
    --------
    >>> kernel_reach("quartic", 100.0), kernel_reach("gaussian", 100.0)
    (100.0, 400.0)
    """
    _check(kernel, bandwidth)
    return float(bandwidth) if kernel == "quartic" else GAUSSIAN_REACH * float(bandwidth)


def kernel_values(distance: np.ndarray, bandwidth: float, kernel: str = "quartic") -> np.ndarray:
    """Two-dimensional kernel density (per square metre) at the given distances.

    Quartic: ``3 / (pi h^2) * (1 - (d/h)^2)^2`` for ``d < h``, else 0.
    Gaussian: ``1 / (2 pi h^2) * exp(-d^2 / (2 h^2))`` (``h`` is the standard deviation).
    Both integrate to 1 over the plane.

    Examples
    --------
    >>> v = kernel_values(np.array([0.0, 50.0, 100.0]), 100.0, "quartic")
    >>> np.round(v * np.pi * 100.0**2 / 3, 4).tolist()
    [1.0, 0.5625, 0.0]
    """
    _check(kernel, bandwidth)
    d = np.asarray(distance, dtype=float)
    h = float(bandwidth)
    if kernel == "quartic":
        u2 = (d / h) ** 2
        return np.where(u2 < 1.0, 3.0 / (np.pi * h * h) * (1.0 - u2) ** 2, 0.0)
    return np.exp(-0.5 * (d / h) ** 2) / (2.0 * np.pi * h * h)


def kernel_matrix(
    targets: np.ndarray, sources: np.ndarray, bandwidth: float, kernel: str = "quartic"
) -> sp.csr_matrix:
    """Sparse matrix ``K[i, j]`` = kernel density at target ``i`` from a unit mass at source ``j``.

    Only pairs closer than :func:`kernel_reach` are stored, found with a KD-tree.

    Examples
    --------
    >>> K = kernel_matrix(np.array([[0.0, 0.0]]), np.array([[0.0, 0.0], [500.0, 0.0]]), 100.0)
    >>> K.shape, K.nnz
    ((1, 2), 1)
    """
    reach = kernel_reach(kernel, bandwidth)
    targets = np.asarray(targets, dtype=float).reshape(-1, 2)
    sources = np.asarray(sources, dtype=float).reshape(-1, 2)
    if len(targets) == 0 or len(sources) == 0:
        return sp.csr_matrix((len(targets), len(sources)))
    pairs = cKDTree(targets).sparse_distance_matrix(cKDTree(sources), reach, output_type="ndarray")
    rows, cols, d = pairs["i"], pairs["j"], pairs["v"]
    if kernel == "quartic":
        keep = d < reach
        rows, cols, d = rows[keep], cols[keep], d[keep]
    vals = kernel_values(d, bandwidth, kernel)
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(targets), len(sources)))
