"""The K-means algorithm, one step a function: the reference for the course.

K-means alternates two steps until the centroids stop moving:

1. **assignment** (E-step): give every point the label of its closest centroid,
   :func:`find_closest_centroids`;
2. **update** (M-step): move every centroid to the mean of the points labelled
   with it, :func:`compute_centroids`.

:func:`run_kmeans` runs the loop from initial centroids chosen by
:func:`init_centroids` (K distinct random points) or :func:`kmeans_plusplus`.
Names follow the course: ``X`` is (N, n) points (pixels: n = 3), ``centroids``
is (K, n), ``labels`` is (N,).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import (
    as_float_matrix,
    check_int,
    check_K,
    check_labels,
    check_real,
    check_rng,
    check_same_features,
)

__all__ = [
    "init_centroids",
    "kmeans_plusplus",
    "find_closest_centroids",
    "compute_centroids",
    "run_kmeans",
    "KMeansHistory",
    "INIT_METHODS",
]

#: Budget, in float64 entries, of the (rows, K) distance block computed at once.
_CHUNK_ENTRIES = 1 << 15


def init_centroids(X: ArrayLike, K: int, rng: np.random.Generator | int) -> NDArray[np.float64]:
    """Choose K rows of X, at K distinct positions, as initial centroids.

    Parameters
    ----------
    X : array-like of shape (N, n)
        The points (for an image: its pixels, one RGB row each).
    K : int
        Number of centroids, ``1 <= K <= N``.
    rng : numpy.random.Generator or int
        Source of randomness (an int is used as a seed). The same seed gives
        the same centroids.

    Returns
    -------
    centroids : ndarray of shape (K, n), float64
        Copies of K rows of ``X``; ``X`` itself is not modified.

    Notes
    -----
    The *positions* are distinct; if ``X`` has repeated rows (an image with
    large flat areas) two centroids can still share a colour. K-means then
    leaves the second one without points, and :func:`compute_centroids`
    keeps it where it is. :func:`kmeans_plusplus` avoids this whenever X has
    at least K distinct rows.

    See Also
    --------
    kmeans_plusplus : spread-out seeding, usually a lower final distortion.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(12.0).reshape(6, 2)
    >>> init_centroids(X, 2, np.random.default_rng(0)).shape
    (2, 2)
    """
    X = as_float_matrix(X, "X")
    K = check_K(K, X.shape[0])
    rng = check_rng(rng)
    positions = rng.choice(X.shape[0], size=K, replace=False)
    return X[positions].copy()


def kmeans_plusplus(
    X: ArrayLike,
    K: int,
    rng: np.random.Generator | int,
    *,
    n_local_trials: int = 1,
) -> NDArray[np.float64]:
    """Choose K initial centroids with k-means++ seeding.

    The first centroid is a uniformly random row of X; each next one is a row
    drawn with probability proportional to its squared distance to the
    closest centroid chosen so far (Arthur & Vassilvitskii, 2007), so the
    centroids spread over the data.

    Parameters
    ----------
    X : array-like of shape (N, n)
        The points.
    K : int
        Number of centroids, ``1 <= K <= N``.
    rng : numpy.random.Generator or int
        Source of randomness (an int is used as a seed).
    n_local_trials : int, default=1
        Candidates drawn at each step; the one that lowers the total squared
        distance most is kept ("greedy" k-means++, as scikit-learn does with
        ``2 + int(log(K))`` trials). 1 is the classic algorithm.

    Returns
    -------
    centroids : ndarray of shape (K, n), float64
        Copies of K rows of X. They are distinct whenever X has at least K
        distinct rows; once every distinct row has been chosen the remaining
        centroids are drawn uniformly (duplicates).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0], [0, 0.1], [5, 5], [5, 5.1]])
    >>> C = kmeans_plusplus(X, 2, np.random.default_rng(0))
    >>> bool(abs(C[0, 0] - C[1, 0]) == 5)
    True
    """
    X = as_float_matrix(X, "X")
    N = X.shape[0]
    K = check_K(K, N)
    rng = check_rng(rng)
    n_local_trials = check_int(n_local_trials, "n_local_trials", minimum=1)

    positions = np.empty(K, dtype=np.intp)
    positions[0] = rng.integers(N)
    closest_sq = _squared_distances_to(X, X[positions[0]])
    for k in range(1, K):
        total = closest_sq.sum()
        if total <= 0.0:
            # every distinct row is already a centroid: fall back to uniform
            candidates = rng.integers(N, size=n_local_trials)
        else:
            cumulative = np.cumsum(closest_sq)
            draws = rng.random(n_local_trials) * cumulative[-1]
            candidates = np.searchsorted(cumulative, draws, side="right")
            np.minimum(candidates, N - 1, out=candidates)
        best_pot, best_sq, best_candidate = None, None, None
        for c in candidates:
            new_sq = np.minimum(closest_sq, _squared_distances_to(X, X[c]))
            pot = new_sq.sum()
            if best_pot is None or pot < best_pot:
                best_pot, best_sq, best_candidate = pot, new_sq, c
        positions[k] = best_candidate
        closest_sq = best_sq
    return X[positions].copy()


#: The ways to choose initial centroids, by name: the one list the library,
#: the explorer and the command line offer (like scipy.cluster.vq's
#: ``_valid_init_meth``). Each takes ``(X, K, rng)`` and returns (K, n) centroids.
INIT_METHODS = {"k-means++": kmeans_plusplus, "random": init_centroids}


def _squared_distances_to(X: NDArray, c: NDArray) -> NDArray[np.float64]:
    diff = X - c
    return np.einsum("ij,ij->i", diff, diff)


def find_closest_centroids(X: ArrayLike, centroids: ArrayLike) -> NDArray[np.intp]:
    """Label every point with the index of its closest centroid.

    .. math:: c^{(i)} = \\arg\\min_k \\lVert x^{(i)} - \\mu_k \\rVert^2

    Parameters
    ----------
    X : array-like of shape (N, n)
        The points.
    centroids : array-like of shape (K, n)
        The centroids.

    Returns
    -------
    labels : ndarray of shape (N,), integer (``numpy.intp``)
        ``labels[i]`` in ``[0, K)``; a tie goes to the lowest index.

    Notes
    -----
    Vectorized over an (N, K) matrix of squared distances, built one feature
    at a time (:math:`\\sum_j (x_{ij} - \\mu_{kj})^2`) rather than through the
    expansion :math:`\\lVert x\\rVert^2 - 2 x \\cdot \\mu + \\lVert \\mu\\rVert^2`:
    the result is the exact distance, so ties and near-ties resolve exactly
    as a brute-force loop would. Rows are processed in chunks so memory stays
    bounded (a 256 KB block whatever the image size, small enough to stay in cache). For speed on large photos,
    see :func:`kmeans_lab.quantize`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0], [0.9, 0.8]])
    >>> find_closest_centroids(X, np.array([[0.0, 0.0], [1.0, 1.0]]))
    array([0, 1, 1])
    """
    X = as_float_matrix(X, "X")
    C = as_float_matrix(centroids, "centroids")
    check_same_features(X, C)
    N, K = X.shape[0], C.shape[0]
    labels = np.empty(N, dtype=np.intp)
    rows = max(1, _CHUNK_ENTRIES // K)
    for start in range(0, N, rows):
        chunk = X[start : start + rows]
        dist = np.zeros((chunk.shape[0], K))
        for j in range(X.shape[1]):
            diff = chunk[:, j, None] - C[None, :, j]
            diff *= diff
            dist += diff
        labels[start : start + rows] = np.argmin(dist, axis=1)
    return labels


def compute_centroids(X: ArrayLike, labels: ArrayLike, centroids: ArrayLike) -> NDArray[np.float64]:
    """Move every centroid to the mean of the points labelled with it.

    .. math:: \\mu_k = \\frac{1}{|C_k|} \\sum_{i \\in C_k} x^{(i)}

    Parameters
    ----------
    X : array-like of shape (N, n)
        The points.
    labels : array-like of shape (N,), integer
        Cluster of each point, values in ``[0, K)``.
    centroids : array-like of shape (K, n)
        The current centroids; gives K and the row kept by an empty cluster.

    Returns
    -------
    new_centroids : ndarray of shape (K, n), float64
        Row k is the mean of the points labelled k. A cluster with no points
        keeps its row of ``centroids``, so the result never contains NaN.
        The inputs are not modified.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [2.0, 2.0], [10.0, 10.0]])
    >>> compute_centroids(X, np.array([0, 0, 1]), np.zeros((3, 2)))
    array([[ 1.,  1.],
           [10., 10.],
           [ 0.,  0.]])
    """
    X = as_float_matrix(X, "X")
    C = as_float_matrix(centroids, "centroids")
    check_same_features(X, C)
    K = C.shape[0]
    labels = check_labels(labels, X.shape[0], K)
    counts = np.bincount(labels, minlength=K)
    new = C.copy()
    filled = counts > 0
    for j in range(X.shape[1]):
        sums = np.bincount(labels, weights=X[:, j], minlength=K)
        new[filled, j] = sums[filled] / counts[filled]
    return new


@dataclass
class KMeansHistory:
    """What :func:`run_kmeans` saw at every round, for plots and widgets.

    Attributes
    ----------
    centroids : list of ndarray of shape (K, n)
        ``centroids[0]`` is the initial state, ``centroids[i]`` after i rounds.
    labels : list of ndarray of shape (N,)
        ``labels[i]`` is the assignment to ``centroids[i]``.
    distortion : list of float
        ``distortion[i]``: mean squared distance of the points to their
        centroid in ``centroids[i]``. It never increases.
    """

    centroids: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    distortion: list = field(default_factory=list)

    @property
    def n_iter(self) -> int:
        """Number of rounds run (``len(centroids) - 1``)."""
        return len(self.centroids) - 1

    def _record(self, X: NDArray, centroids: NDArray, labels: NDArray) -> None:
        diff = X - centroids[labels]
        self.centroids.append(centroids.copy())
        small = np.uint8 if centroids.shape[0] <= 256 else np.intp
        self.labels.append(labels.astype(small))
        self.distortion.append(float(np.einsum("ij,ij->", diff, diff) / X.shape[0]))


def run_kmeans(
    X: ArrayLike,
    initial_centroids: ArrayLike,
    max_iters: int,
    *,
    tol: float | None = None,
    return_history: bool = False,
):
    """Run K-means: ``max_iters`` rounds of assignment then update.

    Parameters
    ----------
    X : array-like of shape (N, n)
        The points.
    initial_centroids : array-like of shape (K, n)
        Where the centroids start (see :func:`init_centroids`).
    max_iters : int
        Number of rounds, ``>= 0``. 0 returns the initial centroids.
    tol : float, optional
        Stop early once no centroid moves by more than ``tol`` (Euclidean
        distance) in a round. ``None`` (default) always runs ``max_iters``
        rounds; ``0.0`` stops at exact convergence, which changes nothing but
        the time taken.
    return_history : bool, default=False
        Also return a :class:`KMeansHistory` of every round.

    Returns
    -------
    centroids : ndarray of shape (K, n), float64
        The final centroids. A cluster that empties keeps its last position.
    labels : ndarray of shape (N,), integer
        The assignment of every point to the returned ``centroids``.
    history : KMeansHistory
        Only if ``return_history`` is true.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> centroids, labels = run_kmeans(X, X[[0, 1]], max_iters=5)
    >>> centroids.ravel(), labels
    (array([ 0.5, 10.5]), array([0, 0, 1, 1]))
    """
    X = as_float_matrix(X, "X")
    C = as_float_matrix(initial_centroids, "initial_centroids")
    check_same_features(X, C)
    check_K(C.shape[0], X.shape[0])
    max_iters = check_int(max_iters, "max_iters", minimum=0)
    if tol is not None:
        tol = check_real(tol, "tol", minimum=0.0)
    history = KMeansHistory() if return_history else None

    labels = find_closest_centroids(X, C)
    for _ in range(max_iters):
        if history is not None:
            history._record(X, C, labels)
        new = compute_centroids(X, labels, C)
        shift = np.sqrt(np.max(np.sum((new - C) ** 2, axis=1)))
        C = new
        labels = find_closest_centroids(X, C)
        if tol is not None and shift <= tol:
            break
    if history is not None:
        history._record(X, C, labels)
        return C, labels, history
    return C, labels
