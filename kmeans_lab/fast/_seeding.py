"""Seeding of :func:`kmeans_lab.quantize`: weighted k-means++ and random (private).

Greedy k-means++ on the distinct colours weighted by their pixel counts is
the same random process as k-means++ on all pixels. On photos with many
distinct colours it runs on a coarse histogram (cubes of 8 levels a side)
and a few Lloyd rounds refine it there, so that its cost grows with the
number of cubes, not with the image.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .. import _threads
from ._colours import _CELL_BITS, coarse_cells
from ._lloyd import _SEED_MAX_POINTS, Points, weighted_lloyd
from ._search import _block_rows, _distances_to_one

__all__ = ["kmeans_plusplus_weighted", "seed_kmeans_plusplus", "seed_random"]


def kmeans_plusplus_weighted(
    X: NDArray,
    weights: NDArray | None,
    K: int,
    rng: np.random.Generator,
    n_local_trials: int | None = None,
) -> NDArray[np.float64]:
    """Greedy k-means++ on weighted points, as scikit-learn does it.

    The first centroid is drawn with probability proportional to the
    weights; each next one among ``n_local_trials`` candidates drawn with
    probability proportional to ``weight * D(x)^2``, keeping the candidate
    that lowers the weighted potential most (default ``2 + int(log K)``
    candidates). On the distinct colours of an image weighted by their pixel
    counts, this is the same random process as k-means++ on all pixels.

    Distances are float32. Returns copies of K rows of X as float64. If every
    point is already a centroid (the potential is 0), seeding stops early:
    fewer than K centroids, all distinct, are returned.
    """
    N = X.shape[0]
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(K))
    XT = np.ascontiguousarray(np.asarray(X).T, dtype=np.float32)
    xx = np.einsum("ij,ij->j", XT, XT)
    w = np.ones(N) if weights is None else np.asarray(weights, dtype=np.float64)
    w32 = w.astype(np.float32)
    first = int(np.searchsorted(np.cumsum(w), rng.random() * w.sum(), side="right"))
    chosen = np.empty(K, dtype=np.intp)
    chosen[0] = min(first, N - 1)
    closest = _distances_to_one(XT, xx, XT[:, chosen[0]])
    weighted = np.empty(N, dtype=np.float64)
    cumulative = np.empty(N, dtype=np.float64)
    rows = _block_rows(n_local_trials)
    wide = 1 << 16
    # min(closest, distance to each candidate), kept whole so that the best
    # candidate's row becomes the new `closest` (scikit-learn keeps the same)
    G = np.empty((n_local_trials, N), dtype=np.float32)
    for k in range(1, K):
        np.multiply(w, closest, out=weighted)
        np.cumsum(weighted, out=cumulative)
        pot = cumulative[-1]
        if pot <= 0.0:
            return np.array(X[chosen[:k]], dtype=np.float64)
        cand = np.searchsorted(cumulative, rng.random(n_local_trials) * pot, side="right")
        np.minimum(cand, N - 1, out=cand)
        Cand = np.ascontiguousarray(XT[:, cand].T)
        M = np.ascontiguousarray(-2.0 * Cand)
        cc = np.einsum("ij,ij->i", Cand, Cand)[:, None]

        def work(a, b, M=M, cc=cc):
            pots = np.zeros(n_local_trials, dtype=np.float64)
            for start in range(a, b, wide):
                stop = min(start + wide, b)
                g = G[:, start:stop]
                for s in range(start, stop, rows):
                    np.matmul(M, XT[:, s : min(s + rows, stop)], out=G[:, s : min(s + rows, stop)])
                g += xx[start:stop]
                g += cc
                np.minimum(g, closest[start:stop], out=g)
                pots += np.einsum("ij,j->i", g, w32[start:stop])  # no BLAS threads
            return pots

        pots = np.sum(_threads.in_parts(N, work), axis=0)
        best = int(np.argmin(pots))
        chosen[k] = cand[best]
        np.maximum(G[best], 0.0, out=closest)
    return np.array(X[chosen], dtype=np.float64)


#: Lloyd rounds on the coarse histogram after k-means++ (part of the seeding).
_SEED_ROUNDS = 10


def seed_kmeans_plusplus(
    points: Points,
    K: int,
    rng: np.random.Generator,
    n_starts: int = 1,
    probe_rounds: int = 0,
) -> NDArray[np.float64]:
    """The "k-means++" initialisation of :func:`kmeans_lab.quantize`.

    Up to :data:`_SEED_MAX_POINTS` points: greedy k-means++ on the points
    (:func:`kmeans_plusplus_weighted`). More distinct colours: greedy
    k-means++ on the colours binned into cubes of 8 levels a side (the mean
    colour of each cube, weighted by its pixels), refined by a few Lloyd
    rounds on those cubes; its cost grows with the number of cubes (a few
    thousand to a few tens of thousands on photos), not with the image.

    With ``n_starts > 1``, that many starts are made one after the other
    (from ``rng``) and the one with the lowest inertia is returned: on the
    cubes, after their Lloyd rounds; on the points, after ``probe_rounds``
    Lloyd rounds on them (the centroids after those rounds are returned). A
    local minimum of K-means depends on its start; the best of a few is
    scikit-learn's ``n_init``, here made cheap by judging each start early.
    """
    if points.keys is not None and points.n > _SEED_MAX_POINTS:
        for bits in (_CELL_BITS, _CELL_BITS + 1):
            cells, cell_weights, _ = coarse_cells(points.keys, points.w, bits)
            if cells.shape[0] >= 8 * K:
                coarse = Points(X64=cells, weights=cell_weights)
                return _best_start(coarse, K, rng, n_starts, _SEED_ROUNDS)
        # colours too concentrated for cubes to help: on the points
    if n_starts == 1:
        return kmeans_plusplus_weighted(points.rows64(), points.w, K, rng)
    return _best_start(points, K, rng, n_starts, probe_rounds)


def _best_start(points: Points, K: int, rng, n_starts: int, rounds: int):
    """Greedy k-means++ on the weighted ``points``, then ``rounds`` Lloyd
    rounds on them, ``n_starts`` times: the centroids with the lowest inertia
    after the rounds (the first of equals)."""
    best_inertia, best = np.inf, None
    for _ in range(n_starts):
        initial = kmeans_plusplus_weighted(points.rows64(), points.w, K, rng)
        centroids, _, _, inertia, _ = weighted_lloyd(points, initial, rounds, 0.0)
        if best is None or inertia < best_inertia:
            best_inertia, best = inertia, centroids
    return best


def seed_random(points: Points, K: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """K points at distinct positions, drawn without replacement with
    probability proportional to their weight."""
    if points.n < K:  # a sample with fewer distinct colours than K
        return points.rows64().copy()
    p = points.w / points.w.sum()
    idx = rng.choice(points.n, size=K, replace=False, p=p)
    return np.array(points.rows64(np.sort(idx)), dtype=np.float64)
