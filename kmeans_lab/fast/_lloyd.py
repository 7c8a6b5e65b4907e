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

import numpy as np
from numpy.typing import NDArray

from .. import _threads
from ._colours import coarse_cells, label_dtype, unpack_colors
from ._movers import Movers
from ._search import (
    _SQ_EPS,
    _TRANSPOSED_MAX_K,
    Neighbours,
    centroid_gaps,
    nearest_two,
    nearest_two_near,
)

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


def _cluster_sums(WXT: NDArray[np.float64], w: NDArray[np.float64], labels, K: int):
    """Per-cluster total weight (K,) and weighted coordinate sums (K, 3)."""
    W = np.bincount(labels, weights=w, minlength=K)
    S = np.stack([np.bincount(labels, weights=WXT[j], minlength=K) for j in range(3)], axis=1)
    return W, S


def _inertia(total_wxx: float, C: NDArray[np.float64], W, S) -> float:
    """sum_i w_i ||x_i - C[l_i]||^2 from the per-cluster sums (float64)."""
    value = total_wxx - 2.0 * np.einsum("ij,ij->", C, S) + W @ np.einsum("ij,ij->i", C, C)
    return max(float(value), 0.0)


#: Safety margin of the float32 bounds (distances in [0, 1] units).
_BOUND_EPS = np.float32(4e-6)


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

    The reassignment skips the points that provably keep their label
    (Hamerly's bounds): an upper bound ``u`` on the distance to their
    centroid and a lower bound ``l`` on the distance to any other centroid,
    loosened every round by how far the centroids moved (``u`` grows by the
    move of the point's centroid, ``l`` shrinks by the largest move of any
    other). Both loosenings depend on the label only, so they are kept per
    centroid, summed over the rounds (``T`` and ``D``): a point stores
    ``U = u - T[label]`` and its slack ``s = (l + D[label]) - U``, and a
    round only tests ``s < T[label] + D[label]``. Only points whose bounds
    overlap are measured again; the result is the same as measuring all of
    them.

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
    n = points.n
    C = np.asarray(initial_centroids, dtype=np.float64).copy()
    K = C.shape[0]
    XT, xx, w = points.XT, points.xx, points.w
    scale = points.scale
    total_wxx = points.total_wxx()
    n_total = float(w.sum()) if n_total is None else n_total
    many = K > _TRANSPOSED_MAX_K  # measure near a guess (Elkan) rather than all K

    labels = np.empty(n, dtype=label_dtype(K))
    U = np.empty(n, dtype=np.float32)
    slack = np.empty(n, dtype=np.float32)
    # the round in which each point's lower bound was last set (see _movers)
    rho = np.zeros(n, dtype=label_dtype(max_iter + 1))  # holds 0..max_iter
    movers = Movers(K)
    guess = points.guess(C) if many else None
    near = Neighbours(C) if guess is not None else None

    def first(a, b):
        exact = lambda near: points.rows64(near + a)  # noqa: E731
        if guess is not None:
            lab, d1, d2 = nearest_two_near(XT[:, a:b], near, guess[a:b], exact)
        else:
            lab, d1, d2 = nearest_two(XT[:, a:b], xx[a:b], C, exact)
        labels[a:b] = lab
        U[a:b], slack[a:b] = _bounds(d1, d2)

    # a part of the points at a time: the temporary arrays stay small
    _threads.in_parts(n, first)
    guess = None
    W, S = np.zeros(K), np.zeros((K, 3))
    for a in range(0, n, 1 << 16):  # in steps: no (3, n) float64 copy
        part = np.arange(a, min(a + (1 << 16), n))
        dW, dS = _cluster_sums(points.weighted(part), w[part], labels[part], K)
        W += dW
        S += dS
    T = np.zeros(K)  # how far each centroid moved in all
    D = np.zeros(K)  # how far the other centroids moved, the largest each round, in all

    def inertia():
        return _inertia(total_wxx, C, W, S / scale)

    if progress is not None:
        progress(0, max_iter, inertia() / n_total)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        relocated = _relocate_empty(points, C, labels, W, S, slack)
        filled = W > 0
        new = C.copy()
        new[filled] = S[filled] / W[filled, None] / scale
        delta = np.sqrt(np.sum((new - C) ** 2, axis=1))
        shift = float(delta.max())
        C = new
        drop = movers.drop(delta)
        T += delta
        D += drop
        # rounded up: a point is skipped only when float32 proves it safe
        G = np.nextafter((T + D).astype(np.float32), np.float32(np.inf))
        T32, D32 = T.astype(np.float32), D.astype(np.float32)
        C32T = np.ascontiguousarray(C.T, dtype=np.float32)
        gaps = centroid_gaps(C)
        near = Neighbours(C, gaps) if many else None
        # the distance from each centroid to its nearest other one, rounded
        # down: a point within u of its centroid is at least gap - u from any other
        gap = _round_down(near.by_gap[:, 1] if many else _nearest_gap(gaps))
        H = HB = GF = reach = left_out = None
        if movers.m:
            # the same test on the stored upper bound U + T, before it is
            # tightened: U <= gap / 2 - T keeps the label (rounded down)
            H = _round_down(0.5 * gap - T)
            # per (rho, label), rho the round of a point's last bounds (flattened):
            # the same test against the big movers since rho; Hamerly's full test
            reach = _round_down(movers.reach(gaps))
            HB = _round_down(0.5 * reach - T).ravel()
            left_out = movers.left_out_since()
            GF = np.nextafter((T + D + left_out).astype(np.float32), np.float32(np.inf)).ravel()
            left_out = np.nextafter(left_out.astype(np.float32), np.float32(np.inf)).ravel()
            reach = reach.ravel()
        round_no = rho.dtype.type(n_iter)

        def reassign(
            a, b, C=C, G=G, H=H, HB=HB, GF=GF, reach=reach, left_out=left_out, T=T, D=D,
            T32=T32, D32=D32, C32T=C32T, near=near, gap=gap, round_no=round_no,
        ):  # fmt: skip
            """Reassign the points a..b whose bounds overlap; return the
            indices, new and old labels of those that changed."""
            lab = labels[a:b]
            overlap = slack[a:b] < G[lab]
            if movers.m:
                loose = U[a:b] > H[lab]
                overlap &= loose
                # the others: are they also far enough from the recent big movers?
                check = np.flatnonzero(loose & ~overlap)
                row = _table_row(rho[a:b][check], lab[check], K)
                fail = U[a:b][check] > HB[row]
                fail &= slack[a:b][check] < GF[row]
                overlap[check[fail]] = True
            todo = np.flatnonzero(overlap)
            own = lab[todo]
            todo += a
            # tighten the upper bound: the exact distance to the own centroid
            d_own = np.zeros(todo.size, dtype=np.float32)
            for j in range(3):
                diff = XT[j].take(todo)
                diff -= C32T[j].take(own)
                diff *= diff
                d_own += diff
            u = np.sqrt(d_own) * np.float32(1 + 1e-5) + _BOUND_EPS
            lower = slack[todo] + U[todo] - D32[own] - _BOUND_EPS
            # ... for the centroids other than the big movers since rho; for all
            # of them: the nearest big mover's, or Hamerly's
            if movers.m:
                row = _table_row(rho[todo], own, K)
                np.maximum(np.minimum(lower, reach[row] - u), lower - left_out[row], out=lower)
            # Elkan's bound from the centroids' own spacing (Hamerly's s(a)/2 test)
            np.maximum(lower, gap[own] - u, out=lower)
            keep = u <= lower
            kept, ok = todo[keep], own[keep]
            U[kept] = u[keep] - T32[ok] + _BOUND_EPS
            slack[kept] = lower[keep] + D32[ok] - U[kept] - _BOUND_EPS
            rho[kept] = round_no
            rest = ~keep
            todo, own, d_own = todo[rest], own[rest], d_own[rest]
            if not todo.size:
                return todo, own, own
            exact = lambda near: points.rows64(todo[near])  # noqa: E731
            x = np.take(XT, todo, axis=1)
            if many:
                new_lab, d1, d2 = nearest_two_near(x, near, own, exact, d_own)
            else:
                new_lab, d1, d2 = nearest_two(x, xx[todo], C, exact)
            u_new, s_new = _bounds(d1, d2)
            U[todo] = u_new - T[new_lab].astype(np.float32) + _BOUND_EPS
            slack[todo] = s_new + (D[new_lab] + T[new_lab]).astype(np.float32) - _BOUND_EPS
            rho[todo] = round_no
            changed = new_lab != own
            idx = todo[changed]
            labels[idx] = new_lab[changed]
            return idx, new_lab[changed], own[changed]

        n_changed = 0
        for idx, new_lab, old_lab in _threads.in_parts(n, reassign):
            if idx.size:
                n_changed += idx.size
                # +weight into the new cluster, -weight out of the old
                wx = points.weighted(idx)
                dW, dS = _cluster_sums(wx, w[idx], new_lab, K)
                W += dW
                S += dS
                dW, dS = _cluster_sums(wx, w[idx], old_lab, K)
                W -= dW
                S -= dS
        W[np.abs(W) < 0.5] = 0.0  # weights are integers: remove rounding dust
        if progress is not None:
            progress(n_iter, max_iter, inertia() / n_total)
        if shift <= tol:
            break
        if not relocated and n_changed == 0:
            break
    return C, labels, W, inertia(), n_iter


def _nearest_gap(gaps: NDArray) -> NDArray[np.float32]:
    """(K,) distance from each centroid to the nearest other one (inf if K = 1),
    from the (K, K) distances between the centroids."""
    gap = gaps.copy()
    np.fill_diagonal(gap, np.inf)
    return gap.min(axis=1).astype(np.float32)


def _table_row(rho: NDArray, labels: NDArray, K: int) -> NDArray[np.intp]:
    """Index of (round ``rho``, label) in the flattened (rounds, K) tables of
    :class:`._movers.Movers` (``reach``, ``left_out``, ``HB``, ``GF``)."""
    row = rho.astype(np.intp)
    row *= K
    row += labels
    return row


def _round_down(x: NDArray) -> NDArray[np.float32]:
    """float32 values at most ``x`` less a margin for the rounding of float32
    distances (relative 1e-6 and :data:`_BOUND_EPS`)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):  # inf stays inf
        x = np.where(np.isfinite(x), x - np.abs(x) * 1e-6, x) - float(_BOUND_EPS)
    return np.nextafter(x.astype(np.float32), np.float32(-np.inf))


def _bounds(d1_sq, d2_sq):
    """Upper bound on the distance to the closest centroid and the slack
    (lower bound on the distance to the second closest, minus the upper
    bound), safe against float32 rounding."""
    upper = np.sqrt(d1_sq + np.float32(_SQ_EPS))
    slack = np.sqrt(np.maximum(d2_sq - np.float32(_SQ_EPS), 0.0))
    slack -= upper
    return upper, slack


def _relocate_empty(points: Points, C, labels, W, S, slack) -> bool:
    """Give every empty cluster the point farthest from its centroid.

    Updates ``W``, ``S`` and ``labels`` in place (the point and its weight
    move to the empty cluster, as scikit-learn does) and sets the point's
    slack to -inf so its label is decided afresh; returns whether anything
    moved.
    """
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
        labels[i] = k  # or the next reassignment would move its weight a second time
        slack[i] = -np.inf
        moved = True
    return moved
