"""How good is a compressed image? Mean squared error, PSNR and distortion."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_float_matrix, check_labels, check_real, check_same_features

__all__ = ["mse", "psnr", "distortion"]


def _pair(a: ArrayLike, b: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"images must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        raise ValueError("images must not be empty")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("images contain NaN or infinity")
    return a, b


def mse(original: ArrayLike, reconstructed: ArrayLike) -> float:
    """Mean squared error over every pixel and channel.

    Parameters
    ----------
    original, reconstructed : array-like, same shape
        Images with values in [0, 1].

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> mse(np.zeros((2, 2, 3)), np.full((2, 2, 3), 0.5))
    0.25
    """
    a, b = _pair(original, reconstructed)
    return float(np.mean((a - b) ** 2))


def psnr(original: ArrayLike, reconstructed: ArrayLike, *, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in decibels, higher is better.

    .. math:: \\mathrm{PSNR} = 10 \\log_{10} \\frac{\\text{peak}^2}{\\mathrm{MSE}}

    With images in [0, 1] and ``data_range=1`` this is the usual 8-bit PSNR
    (the same number as with [0, 255] data and peak 255).

    Parameters
    ----------
    original, reconstructed : array-like, same shape
    data_range : float, default=1.0
        The peak value.

    Returns
    -------
    float
        ``inf`` for identical images (never NaN).

    Examples
    --------
    >>> import numpy as np
    >>> round(psnr(np.zeros((4, 4, 3)), np.full((4, 4, 3), 0.1)), 2)
    20.0
    """
    data_range = check_real(data_range, "data_range")
    if data_range <= 0:
        raise ValueError(f"data_range must be a positive number, got {data_range!r}")
    for name, image in (("original", original), ("reconstructed", reconstructed)):
        dtype = np.asarray(image).dtype
        if np.issubdtype(dtype, np.integer) and data_range == 1.0:
            raise ValueError(
                f"{name} has integer dtype {dtype} (0..255 for 8-bit images) but data_range=1: "
                "pass data_range=255, or convert the images to floats in [0, 1] (image / 255)"
            )
    error = mse(original, reconstructed)
    if error == 0:
        return float("inf")
    return float(10.0 * np.log10(data_range**2 / error))


def distortion(X: ArrayLike, centroids: ArrayLike, labels: ArrayLike) -> float:
    """The K-means cost: mean squared distance of each point to its centroid.

    .. math:: J = \\frac{1}{N} \\sum_{i=1}^{N} \\lVert x^{(i)} - \\mu_{c^{(i)}} \\rVert^2

    This is the quantity K-means decreases at every step. It is
    scikit-learn's ``inertia_`` divided by N. scipy's ``kmeans`` reports as
    "distortion" the mean (non-squared) Euclidean distance instead: a
    different number.

    Parameters
    ----------
    X : array-like of shape (N, n)
    centroids : array-like of shape (K, n)
    labels : array-like of shape (N,), integer

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> distortion(np.array([[0.0], [2.0]]), np.array([[1.0]]), np.array([0, 0]))
    1.0
    """
    X = as_float_matrix(X, "X")
    C = as_float_matrix(centroids, "centroids")
    check_same_features(X, C)
    labels = check_labels(labels, X.shape[0], C.shape[0])
    diff = X - C[labels]
    return float(np.einsum("ij,ij->", diff, diff) / X.shape[0])
