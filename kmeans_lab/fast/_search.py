"""Closest and second-closest centroid of points (private).

Distances are computed in float32 through the expansion
:math:`\\lVert x - \\mu \\rVert^2 = \\lVert x \\rVert^2 - 2 x \\cdot \\mu +
\\lVert \\mu \\rVert^2` (a matrix product), one block of points at a time so
that memory stays bounded and OpenBLAS stays single-threaded for the tiny
(K x 3) @ (3 x rows) products (its threads would spin and slow the rest of the
loop); or, for points with a guessed centroid, as float32 differences to the
few centroids the triangle inequality leaves (:func:`nearest_two_near`).
Points within float32 rounding of a tie between their two closest centroids
are decided again in float64, so the labels are those of the float64
reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .. import _threads

#: Entries of the (rows, K) float32 distance block computed at once (256 KB).
_BLOCK_ENTRIES = 1 << 16

#
# Points are kept transposed, XT of shape (3, n), so that a block of
# distances is (K, m) and the minimum over the K centroids is K - 1
# vectorized np.minimum calls over m values, much faster than a per-row
# argmin over (m, K) for small K. Larger K use the (m, K) layout.

#: Largest K for the transposed (K, m) layout.
_TRANSPOSED_MAX_K = 32
#: Bound on the float32 rounding error of a squared distance computed by the
#: expansion (values in [0, 1]: |x|^2 <= 3, |2 x.c| <= 6, so about 2e-6).
_SQ_EPS = 1e-5

Exact = Callable[[NDArray], NDArray[np.float64]]


def _block_rows(K: int) -> int:
    # rows * K * 3 stays below OpenBLAS's threshold for threading a product
    return max(64, _BLOCK_ENTRIES // max(K, 1))


def nearest_two(
    XT: NDArray[np.float32],
    xx: NDArray[np.float32],
    centroids: NDArray,
    exact: Exact | None = None,
):
    """Closest centroid of every point, and squared distances to the two closest.

    Distances come from float32 matrix products. Points whose two closest
    centroids are within float32 rounding error of a tie are decided again
    with exact float64 differences, computed like
    :func:`kmeans_lab.find_closest_centroids`, so the labels are those of
    the float64 reference.

    Parameters
    ----------
    XT : (3, n) float32, the points transposed
    xx : (n,) float32, their squared norms
    centroids : (K, 3) float64
    exact : callable, optional
        ``exact(i)`` gives the exact float64 rows (m, 3) of the points
        ``i`` (indices into the columns of XT), for near ties.

    Returns
    -------
    labels : (n,) intp, ties to the lowest index
    d1 : (n,) float32, squared distance to the closest centroid (>= 0)
    d2 : (n,) float32, squared distance to the second closest (inf if K = 1)
    """
    labels, d1, d2 = _nearest_two_f32(XT, xx, centroids)
    if exact is not None and centroids.shape[0] > 1:
        near = np.flatnonzero(d2 - d1 <= 2 * _SQ_EPS)
        if near.size:
            labels[near] = _closest_exact(exact(near), centroids)
    return labels, d1, d2


def _closest_exact(rows: NDArray[np.float64], centroids: NDArray) -> NDArray[np.intp]:
    """Closest centroid in float64, summed like find_closest_centroids."""
    C = np.asarray(centroids, dtype=np.float64)
    out = np.empty(rows.shape[0], dtype=np.intp)
    step = max(1, (1 << 15) // C.shape[0])
    for a in range(0, rows.shape[0], step):
        r = rows[a : a + step]
        dist = np.zeros((r.shape[0], C.shape[0]))
        for j in range(3):
            diff = r[:, j, None] - C[None, :, j]
            diff *= diff
            dist += diff
        out[a : a + step] = np.argmin(dist, axis=1)
    return out


def centroid_gaps(C: NDArray[np.float64]) -> NDArray[np.float64]:
    """(K, K) float64 distances between the centroids, a coordinate at a time
    (a sixth of the time of one (K, K, 3) array of differences at K = 256)."""
    square = np.zeros((C.shape[0], C.shape[0]))
    for j in range(3):
        diff = np.subtract.outer(C[:, j], C[:, j])
        diff *= diff
        square += diff
    return np.sqrt(square, out=square)


class Neighbours:
    """The centroids seen from each centroid, for :func:`nearest_two_near`.

    Row a of ``order``: the centroids by distance from centroid a (a itself
    first); ``by_gap[a, w]``: the distance from a of the (w+1)-th of them;
    ``coords(w)[j]``: coordinate j of the w nearest, (w, K) float32. Made
    once per set of centroids (a K x K matrix), shared by every call.
    """

    def __init__(self, centroids: NDArray, gaps: NDArray | None = None):
        """``gaps``: the (K, K) :func:`centroid_gaps`, when already known."""
        C = np.asarray(centroids, dtype=np.float64)
        K = C.shape[0]
        self.C, self.K = C, K
        self.C32T = np.ascontiguousarray(C.T, dtype=np.float32)
        gap = (centroid_gaps(C) if gaps is None else gaps).astype(np.float32)
        # (any order among equal gaps will do: ties are decided exactly later)
        self.order = np.argsort(gap, axis=1)
        # the gaps in that order: each row sorted (a sort is 3x faster than
        # gathering through `order` at K = 256), then inf (no centroid beyond)
        self.by_gap = np.empty((K, K + 1), dtype=np.float32)
        self.by_gap[:, :K] = gap
        self.by_gap[:, :K].sort(axis=1)
        self.by_gap[:, K] = np.inf
        self.widths = []
        w = min(8, K)
        while True:
            self.widths.append(w)
            if w == K:
                break
            w = min(2 * w, K)
        self._coords = {}

    def coords(self, w: int) -> list:
        """Coordinate j of the w centroids nearest each centroid, (w, K) float32
        each, made when first needed (large w are rare)."""
        found = self._coords.get(w)
        if found is None:
            found = [np.ascontiguousarray(self.C32T[j][self.order[:, :w]].T) for j in range(3)]
            self._coords[w] = found  # threads may both make it: the same arrays
        return found


def nearest_two_near(
    XT: NDArray[np.float32],
    neighbours: Neighbours,
    guess: NDArray,
    exact: Exact | None = None,
    d_guess: NDArray[np.float32] | None = None,
):
    """:func:`nearest_two` for points that each come with a guessed centroid.

    If a point is at distance ``u`` from its guess ``a``, no centroid ``j``
    with ``||c_a - c_j|| >= 2 u`` can be closer (the triangle inequality,
    Elkan 2003), so only the centroids nearer to ``a`` than ``2 u`` are
    measured: a handful for a good guess, instead of K. The others still
    bound the distance to the second closest from below, by
    ``||c_a - c_j|| - u``. Distances are float32 differences; near ties are
    decided in float64 as in :func:`nearest_two`. ``d_guess`` is the
    squared distance to the guess when already known.

    Parameters and returns as :func:`nearest_two`, but ``neighbours`` (the
    centroids seen from each centroid) for the centroids, and ``guess`` (n,)
    a centroid index per point. ``d2`` is a lower bound on the squared
    distance to the second closest centroid (exact when it was measured).
    """
    search = _NearSearch(XT, neighbours, np.asarray(guess), exact, d_guess)
    if search.n:
        _threads.in_parts(search.n, search.part)
    return search.labels, search.d1, search.d2


@dataclass
class _Part:
    """The points ``start:start + m`` of one :func:`nearest_two_near` call."""

    start: int
    guess: NDArray[np.intp]  # (m,) each point's guessed centroid
    x: NDArray[np.float32]  # (3, m) the points
    u: NDArray[np.float32]  # (m,) upper bound on the distance to the guess
    radius: NDArray[np.float32]  # (m,) 2 u: no centroid farther from the guess is closer


class _NearSearch:
    """One :func:`nearest_two_near` call: its inputs, and its outputs
    ``labels``, ``d1``, ``d2`` (n,), filled a part at a time by :meth:`part`."""

    def __init__(self, XT, neighbours: Neighbours, guess, exact: Exact | None, d_guess):
        self.XT, self.near, self.guess = XT, neighbours, guess
        self.exact, self.d_guess = exact, d_guess
        self.n = n = XT.shape[1]
        self.labels = np.empty(n, dtype=np.intp)
        self.d1 = np.empty(n, dtype=np.float32)
        self.d2 = np.empty(n, dtype=np.float32)

    def part(self, a: int, b: int) -> None:
        """Search the points ``a:b``: measure the 8 centroids nearest to the
        guess; the points with more centroids within their radius go on to
        16, 32, ... (at most K)."""
        part = self._start(a, b)
        pending = np.arange(b - a)
        for w in self.near.widths:
            step = max(64, (1 << 18) // w)  # at most 2**18 distances at once, whatever K
            pending = np.concatenate(
                [
                    pending[s : s + step][self._measure(part, pending[s : s + step], w)]
                    for s in range(0, pending.size, step)
                ]
            )
            if not pending.size:
                break

    def _start(self, a: int, b: int) -> _Part:
        """The points ``a:b``, their distance to their guess and their radius."""
        g = self.guess[a:b].astype(np.intp)
        x = self.XT[:, a:b]
        if self.d_guess is None:
            u = np.zeros(b - a, dtype=np.float32)
            for j in range(3):
                diff = x[j] - self.near.C32T[j, g]
                diff *= diff
                u += diff
        else:
            u = self.d_guess[a:b].copy()
        np.sqrt(u, out=u)
        u *= np.float32(1 + 1e-5)
        u += np.float32(1e-6)
        return _Part(a, g, x, u, 2 * u + np.float32(1e-6))

    def _measure(self, part: _Part, pending: NDArray[np.intp], w: int) -> NDArray[np.intp]:
        """Label the points ``pending`` (of ``part``) whose candidates are all
        among the ``w`` centroids nearest their guess; return the positions
        in ``pending`` of the others."""
        near = self.near
        gp = part.guess[pending]
        col, first, second = _two_smallest(self._distances(part, pending, gp, w))
        beyond = near.by_gap[gp, w]  # the nearest centroid not measured
        rest = np.zeros(0, dtype=np.intp)
        if w < near.K:
            done = beyond >= part.radius[pending]
            rows = np.flatnonzero(done)
            if rows.size < pending.size:
                pending, gp, col, first, second, beyond = (
                    v[rows] for v in (pending, gp, col, first, second, beyond)
                )
                rest = np.flatnonzero(~done)
            else:
                rest = rows[:0]
        self._store(part, pending, gp, w, col, first, second, beyond)
        return rest

    def _distances(self, part: _Part, pending, gp, w: int) -> NDArray[np.float32]:
        """(w, m) squared distances of the points ``pending`` to the ``w``
        centroids nearest their guesses ``gp``: one row per candidate, so the
        minimum over the candidates is a vectorized reduction over rows."""
        D = np.empty((w, pending.size), dtype=np.float32)
        diff = np.empty((w, pending.size), dtype=np.float32)
        for j in range(3):
            np.take(self.near.coords(w)[j], gp, axis=1, out=diff)
            diff -= part.x[j, pending]
            diff *= diff
            if j:
                D += diff
            else:
                D, diff = diff, D
        return D

    def _store(self, part: _Part, pending, gp, w, col, first, second, beyond) -> None:
        """Write the labels and distances of the points ``pending``: their
        closest candidate is column ``col`` of the ``w`` nearest to ``gp``."""
        near, exact = self.near, self.exact
        out = pending + part.start
        self.labels[out] = near.order[gp, col]
        self.d1[out] = first
        # a near tie can only be with a measured centroid: the others are
        # farther than 2 u - u = u from the point, strictly (the margins),
        # so it is decided among the measured ones, in float64
        if exact is not None and near.K > 1:
            ties = np.flatnonzero(second - first <= 2 * _SQ_EPS)
            if ties.size:
                self.labels[out[ties]] = _closest_exact_among(
                    exact(out[ties]), near.C, near.order[gp[ties], :w]
                )
        # centroids not measured are at least gap - u away
        bound = beyond - part.u[pending]
        np.maximum(bound, 0.0, out=bound)
        bound *= bound
        self.d2[out] = np.minimum(second, bound)


#: :func:`_two_smallest` takes np.argmin over the rows of a (w, m) block when
#: m is at most this times w (w = 256, m = 100: 12 us against 900 us for a
#: compare per row; w = 8, m = 90,000: 15 ms against 11 ms).
_ARGMIN_MAX_COLUMNS = 16


def _two_smallest(D: NDArray[np.float32]):
    """Row of the smallest value of each column of ``D`` (w, m) (the lowest
    row on ties), the smallest value and the second smallest (inf if w = 1).
    Overwrites the smallest with inf."""
    w, m = D.shape
    first = np.minimum.reduce(D, axis=0)
    if m <= _ARGMIN_MAX_COLUMNS * w:
        # few points for many candidates (the wide searches): one strided
        # argmin (its first minimum: the lowest row) instead of w calls
        col = np.argmin(D, axis=0)
    else:
        col = np.zeros(m, dtype=np.intp)
        for k in range(w - 1, 0, -1):
            np.copyto(col, k, where=D[k] == first)
        np.copyto(col, 0, where=D[0] == first)
    D[col, np.arange(m)] = np.inf
    second = np.minimum.reduce(D, axis=0) if w > 1 else np.full(m, np.inf, np.float32)
    return col, first, second


def _closest_exact_among(
    rows: NDArray[np.float64], C: NDArray, candidates: NDArray
) -> NDArray[np.intp]:
    """:func:`_closest_exact` among the (m, w) ``candidates`` of each row
    (centroid indices, lowest index on ties): the same labels when every
    other centroid is farther."""
    dist = np.zeros(candidates.shape)
    for j in range(3):
        diff = rows[:, j, None] - C[candidates, j]
        diff *= diff
        dist += diff
    best = dist.min(axis=1)
    return np.where(dist == best[:, None], candidates, C.shape[0]).min(axis=1)


def _nearest_two_f32(XT, xx, centroids):
    C = np.asarray(centroids, dtype=np.float32)
    K = C.shape[0]
    n = XT.shape[1]
    labels = np.empty(n, dtype=np.intp)
    d1 = np.empty(n, dtype=np.float32)
    d2 = np.empty(n, dtype=np.float32)
    M = np.ascontiguousarray(-2.0 * C)
    MT = np.ascontiguousarray(M.T)
    cc = np.einsum("ij,ij->i", C, C)
    rows = _block_rows(K)
    # (K, m) blocks of about 2 MB: few NumPy calls per point; the product is
    # still computed `rows` columns at a time (single-threaded BLAS)
    wide = min(max(rows, (1 << 19) // max(K, 1)), 1 << 16)

    def transposed(a, b):
        # the minimum over K is K - 1 vectorized np.minimum calls
        m0 = min(wide, b - a)
        D = np.empty((K, m0), dtype=np.float32)
        mask = np.empty(m0, dtype=bool)
        cols = np.arange(m0)
        for start in range(a, b, wide):
            stop = min(start + wide, b)
            m = stop - start
            Dm = D[:, :m]
            for s in range(0, m, rows):
                np.matmul(M, XT[:, start + s : start + min(s + rows, m)], out=Dm[:, s : s + rows])
            Dm += cc[:, None]
            best = d1[start:stop]
            np.minimum.reduce(Dm, axis=0, out=best)
            lab = labels[start:stop]
            msk = mask[:m]
            for k in range(K - 1, -1, -1):
                np.equal(Dm[k], best, out=msk)
                np.copyto(lab, k, where=msk)
            if K > 1:
                Dm[lab, cols[:m]] = np.inf
                np.minimum.reduce(Dm, axis=0, out=d2[start:stop])

    def by_rows(a, b):
        cols = np.arange(min(rows, b - a))
        for start in range(a, b, rows):
            stop = min(start + rows, b)
            m = stop - start
            D = XT[:, start:stop].T @ MT
            D += cc
            lab = labels[start:stop]
            np.argmin(D, axis=1, out=lab)
            d1[start:stop] = D[cols[:m], lab]
            D[cols[:m], lab] = np.inf
            np.min(D, axis=1, out=d2[start:stop])

    if n:
        _threads.in_parts(n, transposed if K <= _TRANSPOSED_MAX_K else by_rows)
    d1 += xx
    np.maximum(d1, 0.0, out=d1)
    if K > 1:
        d2 += xx
        np.maximum(d2, 0.0, out=d2)
    else:
        d2.fill(np.inf)
    return labels, d1, d2


def _distances_to_one(XT, xx, c) -> NDArray[np.float32]:
    """(n,) float32 squared distances to one point, clipped at 0."""
    c = np.asarray(c, dtype=np.float32)
    # x.c as three multiply-adds, not a BLAS matrix-vector product: OpenBLAS
    # would run that on several threads, which then spin and slow what follows
    out = XT[0] * (-2.0 * c[0])
    out += XT[1] * (-2.0 * c[1])
    out += XT[2] * (-2.0 * c[2])
    out += xx
    out += np.float32(c @ c)
    np.maximum(out, 0.0, out=out)
    return out
