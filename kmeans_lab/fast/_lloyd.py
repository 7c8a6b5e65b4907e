"""The numerical engine behind :func:`kmeans_lab.quantize` (private).

Weighted K-means on points with integer weights: the distinct colours of an
image, each weighted by the number of pixels that have it. Lloyd's algorithm
on weighted distinct colours gives exactly the same centroids and labels as
on all pixels (a colour's pixels are always in the same cluster), with far
fewer points on real photos. On 8-bit colours the cluster sums are sums of
integers (count x level), exact in float64 in any order, so they do not
depend on how the work is split. Lloyd rounds skip the points whose label
provably cannot change (Hamerly's bounds, kept relative to how far each
centroid has moved in all, so that a round touches one float32 and one
label per point unless the point has to be measured again).

This module: the points (:class:`Points`) and Lloyd's rounds; the seeding
(weighted k-means++ and random) is in :mod:`._seeding`. Its helpers:
:mod:`kmeans_lab._threads` (the pool),
:mod:`._colours` (packed colours, distinct colours, their index, the coarse
histogram), :mod:`._search` (closest centroids).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
from numpy.typing import NDArray

from .. import _threads
from ._bounds import Bounds
from ._colours import coarse_cells, unpack_colors
from ._movers import Movers
from ._round import Round
from ._search import _TRANSPOSED_MAX_K, Neighbours, nearest_two, nearest_two_near

Progress = Callable[[int, int, float], None]

# ----------------------------------------------------------------- points

#: Above this many distinct colours, the coarse histogram is used: to seed
#: k-means++ (:mod:`._seeding`) and to guess each colour's first centroid.
_SEED_MAX_POINTS = 1 << 16


class Points:
    """The points K-means runs on, in the forms the engine needs.

    Either distinct 8-bit colours (``keys``, packed 24-bit) with integer
    weights, or arbitrary float64 points (``X64``, (n, 3)) with optional
    weights. Keeps float32 coordinates transposed, ``XT`` (3, n), and their
    squared norms ``xx``; exact float64 rows are made on demand.
    """

    def __init__(
        self,
        keys: NDArray[np.uint32] | None = None,
        X64: NDArray[np.float64] | None = None,
        weights: NDArray | None = None,
    ):
        self.keys, self.X64 = keys, X64
        if keys is not None:
            n = keys.shape[0]
            XT = np.empty((3, n), dtype=np.float32)
            for j, shift in enumerate((16, 8, 0)):
                XT[j] = (keys >> shift) & 255
            XT /= np.float32(255)
            self.XT = XT
            # sums of count x level are integers: exact in float64 in any order
            self.scale = 255.0
        else:
            n = X64.shape[0]
            self.XT = np.ascontiguousarray(X64.T, dtype=np.float32)
            self.scale = 1.0
        self.n = n
        self.xx = np.einsum("ij,ij->j", self.XT, self.XT)
        self.w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)

    def guess(self, centroids: NDArray) -> NDArray[np.int32] | None:
        """A likely closest centroid of every point (the one of its coarse
        histogram cube), or None when there are too few colours to bother."""
        if self.keys is None or self.n <= _SEED_MAX_POINTS:
            return None
        cells, _, of_point = coarse_cells(self.keys, self.w)
        cells_T = np.ascontiguousarray(cells.T, dtype=np.float32)
        xx = np.einsum("ij,ij->j", cells_T, cells_T)
        cell_labels = nearest_two(cells_T, xx, centroids)[0].astype(np.int32)
        return cell_labels[of_point]

    def rows64(self, idx=None) -> NDArray[np.float64]:
        """Exact float64 coordinates in [0, 1] of the points ``idx`` (all if None)."""
        if self.keys is not None:
            return unpack_colors(self.keys if idx is None else self.keys[idx])
        return self.X64 if idx is None else self.X64[idx]

    def weighted(self, idx=None) -> NDArray[np.float64]:
        """(3, m) weight x coordinate, in units of 1/scale (integers for keys)."""
        w = self.w if idx is None else self.w[idx]
        if self.keys is not None:
            keys = self.keys if idx is None else self.keys[idx]
            out = np.empty((3, keys.shape[0]))
            for j, shift in enumerate((16, 8, 0)):
                out[j] = (keys >> shift) & 255
            out *= w
            return out
        rows = self.X64 if idx is None else self.X64[idx]
        return rows.T * w

    def total_wxx(self) -> float:
        """sum_i w_i ||x_i||^2 in [0, 1] units."""
        if self.keys is None:
            return float(np.einsum("i,ij,ij->", self.w, self.X64, self.X64))
        total = 0.0
        for shift in (16, 8, 0):
            level = ((self.keys >> shift) & 255).astype(np.float64)
            total += float(np.einsum("i,i,i->", self.w, level, level))  # integers: exact
        return total / (255.0 * 255.0)


def assign(points: Points, centroids: NDArray) -> NDArray[np.intp]:
    """Index of the closest centroid of every point, see :func:`nearest_two`."""
    return nearest_two(points.XT, points.xx, centroids, points.rows64)[0]


# ------------------------------------------------------------------ Lloyd


class ClusterSums:
    """Per-cluster total weight ``W`` (K,) and weighted coordinate sums ``S``
    (K, 3), the latter in units of ``1 / points.scale`` (integers for 8-bit
    colours: exact in any order), kept up to date as points change label.
    """

    def __init__(self, W: NDArray[np.float64], S: NDArray[np.float64]):
        self.W, self.S = W, S

    @classmethod
    def of(cls, points: Points, labels: NDArray, K: int) -> ClusterSums:
        """The sums of the ``points`` in the K clusters ``labels`` (n,)."""
        sums = cls(np.zeros(K), np.zeros((K, 3)))
        for a in range(0, points.n, 1 << 16):  # in steps: no (3, n) float64 copy
            part = np.arange(a, min(a + (1 << 16), points.n))
            dW, dS = _cluster_sums(points.weighted(part), points.w[part], labels[part], K)
            sums.W += dW
            sums.S += dS
        return sums

    def move(self, points: Points, idx: NDArray[np.intp], new: NDArray, old: NDArray) -> None:
        """The points ``idx`` left the clusters ``old`` for the clusters ``new``."""
        K = self.W.shape[0]
        wx = points.weighted(idx)
        dW, dS = _cluster_sums(wx, points.w[idx], new, K)
        self.W += dW
        self.S += dS
        dW, dS = _cluster_sums(wx, points.w[idx], old, K)
        self.W -= dW
        self.S -= dS

    def means(self, centroids: NDArray[np.float64], scale: float):
        """The new centroids, ``(K, 3)`` (each cluster's weighted mean; an
        empty cluster's centroid stays), and how far each moved ``(K,)``."""
        filled = self.W > 0
        new = centroids.copy()
        new[filled] = self.S[filled] / self.W[filled, None] / scale
        moves = np.sqrt(np.sum((new - centroids) ** 2, axis=1))
        return new, moves

    def inertia(self, total_wxx: float, centroids: NDArray[np.float64], scale: float) -> float:
        """sum_i w_i ||x_i - C[l_i]||^2 from the sums (float64)."""
        C, W, S = centroids, self.W, self.S / scale
        value = total_wxx - 2.0 * np.einsum("ij,ij->", C, S) + W @ np.einsum("ij,ij->i", C, C)
        return max(float(value), 0.0)


def _cluster_sums(WXT: NDArray[np.float64], w: NDArray[np.float64], labels, K: int):
    """Per-cluster total weight (K,) and weighted coordinate sums (K, 3)."""
    W = np.bincount(labels, weights=w, minlength=K)
    S = np.stack([np.bincount(labels, weights=WXT[j], minlength=K) for j in range(3)], axis=1)
    return W, S


def weighted_lloyd(
    points: Points,
    initial_centroids: NDArray,
    max_iter: int,
    tol: float,
    progress: Progress | None = None,
    n_total: float | None = None,
):
    """Lloyd's algorithm on weighted points, the same rounds as ``run_kmeans``.

    One round: move every centroid to the weighted mean of its points, then
    reassign every point. A centroid left without points is relocated to the
    point farthest from its own centroid (that point's weight leaves its old
    cluster), so no palette entry is wasted. Stops after ``max_iter`` rounds,
    when no centroid moved by more than ``tol``, or when the labels stopped
    changing (exact convergence: further rounds would change nothing).

    The reassignment measures only the points whose label may have changed
    (Hamerly's bounds, :mod:`._bounds`; a round's steps, :mod:`._round`); the
    result is the same as measuring all of them.

    Parameters
    ----------
    points : :class:`Points`
    initial_centroids : (K, 3)
    max_iter, tol : see :func:`kmeans_lab.quantize`
    progress : called as ``progress(iteration, max_iter, distortion)``
    n_total : what the inertia is divided by for ``distortion``

    Returns
    -------
    centroids : (K, 3) float64
    labels : (n,) integer, assignment to the returned centroids
    weights_per_cluster : (K,) float64
    inertia : float, weighted sum of squared distances
    n_iter : int, rounds run
    """
    C = np.asarray(initial_centroids, dtype=np.float64).copy()
    K = C.shape[0]
    many = K > _TRANSPOSED_MAX_K  # search near a point's own centroid (Elkan) rather than all K
    total_wxx = points.total_wxx()
    n_total = float(points.w.sum()) if n_total is None else n_total

    def report(n_iter: int) -> None:
        if progress is not None:
            progress(n_iter, max_iter, sums.inertia(total_wxx, C, points.scale) / n_total)

    bounds = _first_assignment(points, C, max_iter, many)
    sums = ClusterSums.of(points, bounds.labels, K)
    movers = Movers(K)
    report(0)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        relocated = _relocate_empty(points, C, bounds, sums)
        C, moves = sums.means(C, points.scale)
        bounds.loosen(moves, movers.drop(moves))
        this_round = Round(n_iter, points, C, bounds, movers, many)
        n_changed = 0
        for idx, new, old in _threads.in_parts(points.n, this_round.reassign):
            if idx.size:
                n_changed += idx.size
                sums.move(points, idx, new, old)
        sums.W[np.abs(sums.W) < 0.5] = 0.0  # weights are integers: remove rounding dust
        report(n_iter)
        if float(moves.max()) <= tol or (not relocated and n_changed == 0):
            break
    return C, bounds.labels, sums.W, sums.inertia(total_wxx, C, points.scale), n_iter


def _first_assignment(points: Points, C: NDArray, max_iter: int, many: bool) -> Bounds:
    """The labels and bounds of every point before the first round, a part
    of the points at a time (the temporary arrays stay small)."""
    bounds = Bounds(points.n, C.shape[0], max_iter)
    guess = points.guess(C) if many else None
    near = Neighbours(C) if guess is not None else None
    _threads.in_parts(points.n, partial(_assign_part, points, C, guess, near, bounds))
    return bounds


def _assign_part(points: Points, C, guess, near, bounds: Bounds, a: int, b: int) -> None:
    """Assign the points ``a:b``: near their ``guess`` if given, else among all of ``C``."""
    exact = partial(_rows64_from, points, a)
    if guess is not None:
        found = nearest_two_near(points.XT[:, a:b], near, guess[a:b], exact)
    else:
        found = nearest_two(points.XT[:, a:b], points.xx[a:b], C, exact)
    bounds.set_first(a, b, *found)


def _rows64_from(points: Points, a: int, idx: NDArray[np.intp]) -> NDArray[np.float64]:
    """Exact float64 rows of the points ``a + idx``."""
    return points.rows64(idx + a)


def _relocate_empty(points: Points, C, bounds: Bounds, sums: ClusterSums) -> bool:
    """Give every empty cluster the point farthest from its centroid.

    Updates ``sums`` and ``bounds.labels`` in place (the point and its weight
    move to the empty cluster, as scikit-learn does); the point's label is
    decided afresh in the next reassignment. Returns whether anything moved.
    """
    W, S, labels = sums.W, sums.S, bounds.labels
    empty = np.flatnonzero(W == 0)
    if empty.size == 0:
        return False
    n = points.n
    d = np.zeros(n)
    for a in range(0, n, 1 << 16):
        b = min(a + (1 << 16), n)
        rows = points.rows64(np.arange(a, b))
        for j in range(3):
            diff = rows[:, j] - C[labels[a:b], j]
            diff *= diff
            d[a:b] += diff
    m = min(empty.size, n)
    far = np.argpartition(-d, m - 1)[:m] if m < n else np.arange(n)
    far = far[np.argsort(-d[far], kind="stable")]
    moved = False
    for k, i in zip(empty, far):
        if d[i] <= 0:
            break
        old = labels[i]
        wx = points.weighted(np.array([i]))[:, 0]
        S[old] -= wx
        W[old] -= points.w[i]
        if W[old] < 0.5:
            W[old] = 0.0
        S[k] = wx
        W[k] = points.w[i]
        # or the next reassignment would move its weight a second time
        bounds.forget(i, k)
        moved = True
    return moved
