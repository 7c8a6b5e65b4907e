"""The numerical engine behind :func:`kmeans_lab.quantize` (private).

Weighted K-means on points with integer weights: the distinct colours of an
image, each weighted by the number of pixels that have it. Lloyd's algorithm
on weighted distinct colours gives exactly the same centroids and labels as
on all pixels (a colour's pixels are always in the same cluster), with far
fewer points on real photos.

Distances are computed in float32 through the expansion
:math:`\\lVert x - \\mu \\rVert^2 = \\lVert x \\rVert^2 - 2 x \\cdot \\mu +
\\lVert \\mu \\rVert^2` (a matrix product), one block of points at a time so
that memory stays bounded and OpenBLAS stays single-threaded for the tiny
(K x 3) @ (3 x rows) products (its threads would spin and slow the rest of the
loop). Points within float32 rounding of a tie between their two closest
centroids are decided again in float64, so the labels are those of the
float64 reference; sums for the centroids are accumulated in float64. Lloyd
rounds skip the points whose label provably cannot change (Hamerly's bounds).
Long passes are cut into fixed-size parts run on a small thread pool.

Sections, in order: threads (the pool), colours (packing 8-bit colours into
24-bit keys, distinct colours, labels back to pixels), distances, seeding
(weighted k-means++ and random), Lloyd. The only module of the package over
400 lines: the sections share the thread pool and the block sizes, and the
tests patch them in one place.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

#: Entries of the (rows, K) float32 distance block computed at once (256 KB).
_BLOCK_ENTRIES = 1 << 16
#: Rows of the image converted to packed 24-bit keys at once.
_PACK_ROWS = 1 << 15
#: A float value is taken as 8-bit data when ``|255 x - round(255 x)|`` is at
#: most this (in 8-bit levels; 1e-3 level = 4e-6 in [0, 1] units).
GRID_TOLERANCE = 1e-3

#: Images up to this many pixels find each pixel's colour by binary search.
_SEARCH_MAX_PIXELS = 1 << 20

Progress = Callable[[int, int, float], None]

# ------------------------------------------------------------------ threads
#
# NumPy releases the GIL inside its loops and BLAS calls, so the blocks of a
# long pass can run on several cores from plain Python threads. Work is cut
# into parts of a fixed size (not one part per thread), so the result,
# including the order of floating-point sums, does not depend on the number
# of cores.

#: Points per part of a parallel pass; shorter passes run in the calling thread.
_PART = 1 << 17
_pool = None


def _n_threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def _in_parts(n: int, work: Callable[[int, int], object]) -> list:
    """``[work(start, stop) for each part of range(n)]``, parts in parallel."""
    bounds = list(range(0, n, _PART)) + [n]
    parts = [(a, b) for a, b in zip(bounds[:-1], bounds[1:])] or [(0, 0)]
    if len(parts) == 1 or _n_threads() == 1:
        return [work(a, b) for a, b in parts]
    global _pool
    if _pool is None:
        from concurrent.futures import ThreadPoolExecutor

        _pool = ThreadPoolExecutor(max_workers=_n_threads(), thread_name_prefix="kmeans_lab")
    return list(_pool.map(lambda ab: work(*ab), parts))


# ---------------------------------------------------------------- colours


def pack_colors(image: NDArray) -> NDArray[np.uint32] | None:
    """Pack an (H, W, 3) image into 24-bit integers ``r << 16 | g << 8 | b``.

    Returns keys of shape (H*W,) when the image is uint8 or a float image
    whose values all lie on the 8-bit grid (multiples of 1/255 up to
    :data:`GRID_TOLERANCE`), ``None`` otherwise.
    """
    X = image.reshape(-1, 3)
    N = X.shape[0]
    keys = np.empty(N, dtype=np.uint32)
    if image.dtype == np.uint8:

        def work(a, b):
            for start in range(a, b, _PACK_ROWS):
                stop = min(start + _PACK_ROWS, b)
                block = X[start:stop].astype(np.uint32)
                out = keys[start:stop]
                np.left_shift(block[:, 0], 16, out=out)
                out |= block[:, 1] << 8
                out |= block[:, 2]
            return True
    else:
        scale = X.dtype.type(255)
        # r * 65536 + g * 256 + b is an integer below 2**24: exact in float32
        weights = np.array([65536, 256, 1], dtype=X.dtype)

        def work(a, b):
            for start in range(a, b, _PACK_ROWS):
                stop = min(start + _PACK_ROWS, b)
                y = X[start:stop] * scale
                q = np.rint(y)
                np.subtract(y, q, out=y)
                np.abs(y, out=y)
                if y.size and y.max() > GRID_TOLERANCE:
                    return False
                keys[start:stop] = np.einsum("ij,j->i", q, weights)
            return True

    return keys if all(_in_parts(N, work)) else None


def distinct_colors(keys: NDArray[np.uint32]) -> tuple[NDArray[np.uint32], NDArray[np.int64]]:
    """Distinct packed colours (sorted) and how many pixels have each."""
    s = np.sort(keys)
    starts = np.empty(s.shape[0], dtype=bool)
    starts[:1] = True
    np.not_equal(s[1:], s[:-1], out=starts[1:])
    first = np.flatnonzero(starts)
    counts = np.diff(first, append=s.shape[0]).astype(np.int64)
    return s[first], counts


def unpack_colors(keys: NDArray[np.uint32]) -> NDArray[np.float64]:
    """Packed 24-bit colours -> (n, 3) float64 in [0, 1].

    ``k / 255.0`` in float64, bit for bit the values
    :func:`kmeans_lab.load_image` gives for 8-bit data.
    """
    rgb = np.empty((keys.shape[0], 3), dtype=np.float64)
    rgb[:, 0] = keys >> 16
    rgb[:, 1] = (keys >> 8) & 255
    rgb[:, 2] = keys & 255
    rgb /= 255.0
    return rgb


def labels_from_lut(
    keys: NDArray[np.uint32], distinct: NDArray[np.uint32], distinct_labels: NDArray, dtype
) -> NDArray:
    """Label of every pixel from the labels of the distinct colours.

    ``distinct`` is sorted. Small images use a binary search; large ones a
    lookup table with one entry per 24-bit colour (16 MB for uint8 labels),
    which is faster once its page faults are paid.
    """
    if keys.shape[0] <= _SEARCH_MAX_PIXELS:
        return np.asarray(distinct_labels).astype(dtype)[np.searchsorted(distinct, keys)]
    lut = np.zeros(1 << 24, dtype=dtype)
    lut[distinct] = distinct_labels
    out = np.empty(keys.shape[0], dtype=dtype)
    _in_parts(keys.shape[0], lambda a, b: np.take(lut, keys[a:b], out=out[a:b]))
    return out


def label_dtype(K: int):
    """Smallest unsigned dtype that holds labels 0..K-1."""
    return np.uint8 if K <= 256 else np.uint16 if K <= 65536 else np.uint32


# ------------------------------------------------------------- distances
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


def _block_rows(K: int) -> int:
    # rows * K * 3 stays below OpenBLAS's threshold for threading a product
    return max(64, _BLOCK_ENTRIES // max(K, 1))


def nearest_two(
    XT: NDArray[np.float32],
    xx: NDArray[np.float32],
    centroids: NDArray,
    X64: NDArray[np.float64] | None = None,
    index: NDArray | None = None,
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
    X64 : (N, 3) float64, optional
        The exact points, for near ties; row ``index[i]`` (or ``i``) is
        column i of XT.
    index : (n,) int, optional

    Returns
    -------
    labels : (n,) intp, ties to the lowest index
    d1 : (n,) float32, squared distance to the closest centroid (>= 0)
    d2 : (n,) float32, squared distance to the second closest (inf if K = 1)
    """
    labels, d1, d2 = _nearest_two_f32(XT, xx, centroids)
    if X64 is not None and centroids.shape[0] > 1:
        near = np.flatnonzero(d2 - d1 <= 2 * _SQ_EPS)
        if near.size:
            rows = X64[near if index is None else index[near]]
            C = np.asarray(centroids, dtype=np.float64)
            dist = np.zeros((near.size, C.shape[0]))
            for j in range(3):
                diff = rows[:, j, None] - C[None, :, j]
                diff *= diff
                dist += diff
            labels[near] = np.argmin(dist, axis=1)
    return labels, d1, d2


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
        _in_parts(n, transposed if K <= _TRANSPOSED_MAX_K else by_rows)
    d1 += xx
    np.maximum(d1, 0.0, out=d1)
    if K > 1:
        d2 += xx
        np.maximum(d2, 0.0, out=d2)
    else:
        d2.fill(np.inf)
    return labels, d1, d2


def assign(X64: NDArray[np.float64], centroids: NDArray) -> NDArray[np.intp]:
    """Index of the closest centroid of every row of X64, see :func:`nearest_two`."""
    XT = np.ascontiguousarray(X64.T, dtype=np.float32)
    return nearest_two(XT, np.einsum("ij,ij->j", XT, XT), centroids, X64)[0]


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


# ---------------------------------------------------------------- seeding


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

        pots = np.sum(_in_parts(N, work), axis=0)
        best = int(np.argmin(pots))
        chosen[k] = cand[best]
        np.maximum(G[best], 0.0, out=closest)
    return np.array(X[chosen], dtype=np.float64)


def random_init_weighted(
    X: NDArray, weights: NDArray | None, K: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """K points at distinct positions, drawn without replacement with
    probability proportional to their weight (uniform if weights is None)."""
    p = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        p = w / w.sum()
    idx = rng.choice(X.shape[0], size=K, replace=False, p=p)
    return np.array(X[np.sort(idx)], dtype=np.float64)


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


def weighted_lloyd(
    X64: NDArray[np.float64],
    weights: NDArray | None,
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
    (Hamerly's bounds): an upper bound on the distance to their centroid and
    a lower bound on the distance to any other centroid, both loosened by how
    far the centroids moved. Only points whose bounds overlap are measured
    again; the result is the same as measuring all of them.

    Parameters
    ----------
    X64 : (n, 3) float64, the points
    weights : (n,) integer weights, or None for all ones
    initial_centroids : (K, 3)
    max_iter, tol : see :func:`kmeans_lab.quantize`
    progress : called as ``progress(iteration, max_iter, distortion)``
    n_total : what the inertia is divided by for ``distortion``

    Returns
    -------
    centroids : (K, 3) float64
    labels : (N,) intp, assignment to the returned centroids
    weights_per_cluster : (K,) float64
    inertia : float, weighted sum of squared distances
    n_iter : int, rounds run
    """
    n = X64.shape[0]
    C = np.asarray(initial_centroids, dtype=np.float64).copy()
    K = C.shape[0]
    XT = np.ascontiguousarray(X64.T, dtype=np.float32)
    xx = np.einsum("ij,ij->j", XT, XT)
    if weights is None:
        w = np.ones(n)
        WXT = X64.T
    else:
        w = np.asarray(weights, dtype=np.float64)
        WXT = np.multiply(X64.T, w)
    total_wxx = float(np.einsum("i,ij,ij->", w, X64, X64))
    n_total = float(w.sum()) if n_total is None else n_total

    labels, d1, d2 = nearest_two(XT, xx, C, X64)
    upper, lower = _bounds(d1, d2)
    W, S = _cluster_sums(WXT, w, labels, K)
    if progress is not None:
        progress(0, max_iter, _inertia(total_wxx, C, W, S) / n_total)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        relocated = _relocate_empty(X64, w, C, labels, W, S, lower)
        filled = W > 0
        new = C.copy()
        new[filled] = S[filled] / W[filled, None]
        delta = np.sqrt(np.sum((new - C) ** 2, axis=1))
        shift = float(delta.max())
        C = new
        # loosen the bounds by how far the centroids moved: a point's lower
        # bound drops by the largest move of a centroid other than its own
        upper += delta.astype(np.float32)[labels]
        order = np.argsort(delta)
        drop = np.full(K, delta[order[-1]], dtype=np.float32)
        if K > 1:
            drop[order[-1]] = delta[order[-2]]
        lower -= drop[labels]
        todo = np.flatnonzero(upper > lower)
        if todo.size:
            # tighten the upper bound: the exact distance to the own centroid
            own = C.astype(np.float32)[labels[todo]]
            d_own = np.zeros(todo.size, dtype=np.float32)
            for j in range(3):
                diff = XT[j, todo] - own[:, j]
                diff *= diff
                d_own += diff
            upper[todo] = np.sqrt(d_own) * np.float32(1 + 1e-5) + np.float32(1e-6)
            todo = todo[upper[todo] > lower[todo]]
        n_changed = 0
        if todo.size:
            lab, a, b = nearest_two(XT[:, todo], xx[todo], C, X64, todo)
            upper[todo], lower[todo] = _bounds(a, b)
            changed = lab != labels[todo]
            n_changed = int(np.count_nonzero(changed))
            if n_changed:
                idx = todo[changed]
                new_lab = lab[changed]
                # one pass: +weight into the new cluster, -weight out of the old
                both = np.concatenate([new_lab, labels[idx]])
                sign = np.concatenate([np.ones(idx.size), -np.ones(idx.size)])
                dW, dS = _cluster_sums(
                    np.tile(WXT[:, idx], 2) * sign, w[np.tile(idx, 2)] * sign, both, K
                )
                W += dW
                S += dS
                W[np.abs(W) < 0.5] = 0.0  # weights are integers: remove rounding dust
                labels[idx] = new_lab
        if progress is not None:
            progress(n_iter, max_iter, _inertia(total_wxx, C, W, S) / n_total)
        if shift <= tol:
            break
        if not relocated and n_changed == 0:
            break
    return C, labels, W, _inertia(total_wxx, C, W, S), n_iter


def _bounds(d1_sq, d2_sq):
    """Upper bound on the distance to the closest centroid, lower bound on
    the distance to the second closest, safe against float32 rounding."""
    upper = np.sqrt(d1_sq + np.float32(_SQ_EPS))
    lower = np.sqrt(np.maximum(d2_sq - np.float32(_SQ_EPS), 0.0))
    return upper, lower


def _relocate_empty(X64, w, C, labels, W, S, lower) -> bool:
    """Give every empty cluster the point farthest from its centroid.

    Updates ``W``, ``S`` and ``labels`` in place (the point and its weight
    move to the empty cluster, as scikit-learn does) and zeroes the point's
    lower bound so its label is decided afresh; returns whether anything moved.
    """
    empty = np.flatnonzero(W == 0)
    if empty.size == 0:
        return False
    d = np.zeros(X64.shape[0])
    for j in range(3):
        diff = X64[:, j] - C[labels, j]
        diff *= diff
        d += diff
    m = min(empty.size, d.shape[0])
    far = np.argpartition(-d, m - 1)[:m] if m < d.shape[0] else np.arange(d.shape[0])
    far = far[np.argsort(-d[far], kind="stable")]
    moved = False
    for k, i in zip(empty, far):
        if d[i] <= 0:
            break
        old = labels[i]
        wx = w[i] * X64[i]
        S[old] -= wx
        W[old] -= w[i]
        if W[old] < 0.5:
            W[old] = 0.0
        S[k] = wx
        W[k] = w[i]
        labels[i] = k  # or the next reassignment would move its weight a second time
        lower[i] = 0.0
        moved = True
    return moved
