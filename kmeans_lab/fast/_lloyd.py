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
float64 reference. On 8-bit colours the cluster sums are sums of integers
(count x level), exact in float64 in any order, so they do not depend on
how the work is split. Lloyd rounds skip the points whose label provably
cannot change (Hamerly's bounds, kept relative to how far each centroid has
moved in all, so that a round touches one float32 and one label per point
unless the point has to be measured again). Long passes are cut into
fixed-size parts run on a small thread pool.

Sections, in order: threads (the pool), colours (packing 8-bit colours into
24-bit keys, distinct colours, labels back to pixels, the coarse histogram
the seeding runs on), points, distances, seeding (weighted k-means++ and
random), Lloyd. The only module of the package over 400 lines: the sections
share the thread pool and the block sizes, and the tests patch them in one
place.
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


def _in_parts(n: int, work: Callable[[int, int], object], part: int | None = None) -> list:
    """``[work(start, stop) for each part of range(n)]``, parts in parallel."""
    step = _PART if part is None else part
    bounds = list(range(0, n, step)) + [n]
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
    keys = pixel_keys(image)
    if keys is None:
        return None
    N = image.shape[0] * image.shape[1]
    return keys(0, N)


def _pack_uint8(X: NDArray[np.uint8], out: NDArray[np.uint32]) -> None:
    block = X.astype(np.uint32)
    np.left_shift(block[:, 0], 16, out=out)
    block[:, 1] <<= 8
    out |= block[:, 1]
    out |= block[:, 2]


def pixel_keys(image: NDArray) -> Callable[[int, int], NDArray[np.uint32]] | None:
    """The packed colours of an image as a function ``keys(start, stop)``.

    For a uint8 image the keys of pixels ``start:stop`` are packed when asked
    for (no full-size copy is kept); a float image is checked and packed once
    (``None`` when it is off the 8-bit grid).
    """
    X = image.reshape(-1, 3)
    N = X.shape[0]
    if image.dtype == np.uint8:

        def keys_of(a, b):
            out = np.empty(b - a, dtype=np.uint32)
            for start in range(a, b, _PACK_ROWS):
                stop = min(start + _PACK_ROWS, b)
                _pack_uint8(X[start:stop], out[start - a : stop - a])
            return out

        return keys_of

    keys = np.empty(N, dtype=np.uint32)
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

    if not all(_in_parts(N, work)):
        return None
    return lambda a, b: keys[a:b]


def distinct_colors(keys: NDArray[np.uint32]) -> tuple[NDArray[np.uint32], NDArray[np.int64]]:
    """Distinct packed colours (sorted) and how many pixels have each."""
    s = np.sort(keys)
    starts = np.empty(s.shape[0], dtype=bool)
    starts[:1] = True
    np.not_equal(s[1:], s[:-1], out=starts[1:])
    first = np.flatnonzero(starts)
    counts = np.diff(first, append=s.shape[0]).astype(np.int64)
    return s[first], counts


class ColourIndex:
    """Where each 24-bit colour of an image stands among its distinct colours.

    A bit per possible colour (2 MB) and a running count per 64 colours
    (1 MB): the rank of a colour present in the image is the count before
    its group of 64 plus the set bits below it in the group. This plays the
    part of a look-up table from colour to index (which would take 64 MB for
    int32 indices), in 3 MB.
    """

    def __init__(self, seen: NDArray[np.uint8] | None = None, distinct=None):
        """From a table of 2**24 flags (``seen``), or from the sorted ``distinct``
        colours themselves (small images: no 16 MB table)."""
        if seen is not None:
            self.bits = np.packbits(seen, bitorder="little").view(np.uint64)
        else:
            self.bits = np.zeros(1 << 18, dtype=np.uint64)
            bit = np.left_shift(np.uint64(1), (distinct & 63).astype(np.uint64))
            np.bitwise_or.at(self.bits, distinct >> 6, bit)
        ones = _popcount(self.bits)
        self.before = np.zeros(self.bits.shape[0], dtype=np.int64)
        np.cumsum(ones[:-1], out=self.before[1:])

    def rank(self, keys: NDArray[np.uint32]) -> NDArray[np.int64]:
        """Index among the distinct colours (sorted) of each key (all present)."""
        group = keys >> 6
        below = np.left_shift(np.uint64(1), (keys & 63).astype(np.uint64))
        below -= np.uint64(1)
        below &= self.bits[group]
        rank = _popcount(below).astype(np.int64)
        rank += self.before[group]
        return rank


_BYTE_ONES = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _popcount(x: NDArray[np.uint64]) -> NDArray:
    """Set bits of each uint64 (np.bitwise_count, or a byte table before NumPy 2)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x)
    return _popcount_bytes(x)  # pragma: no cover - NumPy < 2


def _popcount_bytes(x: NDArray[np.uint64]) -> NDArray[np.uint8]:
    return _BYTE_ONES[x.view(np.uint8)].reshape(-1, 8).sum(axis=1, dtype=np.uint8)


#: Images up to this many pixels find their distinct colours by sorting their
#: keys (faster than clearing and scanning the 16 MB table of larger images).
_SORT_MAX_PIXELS = 1 << 19

#: Pixels per step of the passes over an image's keys.
_KEY_STEP = 1 << 18


def distinct_colors_of(
    keys: Callable[[int, int], NDArray[np.uint32]], N: int
) -> tuple[NDArray[np.uint32], NDArray[np.int64], ColourIndex]:
    """:func:`distinct_colors` of the keys of N pixels given by :func:`pixel_keys`,
    and the :class:`ColourIndex` of the image.

    Images over :data:`_SORT_MAX_PIXELS` pixels mark their colours in a
    table of 2**24 bytes (16 MB, freed before returning), then count them
    through the colour index, a part of the image at a time: no sort, and no
    full-size copy of the keys. Smaller ones sort their keys.
    """
    if N <= _SORT_MAX_PIXELS:
        distinct, counts = distinct_colors(keys(0, N))
        return distinct, counts, ColourIndex(distinct=distinct)
    seen = np.zeros(1 << 24, dtype=np.uint8)

    def mark(a, b):
        seen[keys(a, b)] = 1

    _in_parts(N, mark)
    distinct = np.flatnonzero(seen).astype(np.uint32)
    index = ColourIndex(seen)
    seen = None  # 16 MB freed
    n = distinct.shape[0]
    counts = np.zeros(n, dtype=np.int64)

    def count(a, b):
        return np.bincount(index.rank(keys(a, b)), minlength=n)

    # one sum of counts per thread: integers, the same whatever the split
    slots = _n_threads()
    size = max(-(-N // slots), 1)

    def count_range(a, b):
        total = np.zeros(n, dtype=np.int64)
        for s in range(a, b, _KEY_STEP):
            total += count(s, min(s + _KEY_STEP, b))
        return total

    for part in _in_parts(N, count_range, part=size):
        counts += part
    return distinct, counts, index


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
    keys: Callable[[int, int], NDArray[np.uint32]],
    N: int,
    index: ColourIndex,
    distinct_labels: NDArray,
    dtype,
) -> NDArray:
    """Label of every pixel from the labels of the distinct colours.

    ``distinct_labels[index.rank(key)]``: two small tables read once per
    pixel (the colour index, 3 MB, and one label per distinct colour), a
    part of the image at a time.
    """
    table = np.asarray(distinct_labels).astype(dtype)
    out = np.empty(N, dtype=dtype)

    def work(a, b):
        for s in range(a, b, _KEY_STEP):
            e = min(s + _KEY_STEP, b)
            np.take(table, index.rank(keys(s, e)), out=out[s:e])

    _in_parts(N, work)
    return out


def label_dtype(K: int):
    """Smallest unsigned dtype that holds labels 0..K-1."""
    return np.uint8 if K <= 256 else np.uint16 if K <= 65536 else np.uint32


#: Bits per channel of the coarse colour histogram the seeding runs on.
_CELL_BITS = 5


def coarse_cells(
    distinct: NDArray[np.uint32], counts: NDArray, bits: int = _CELL_BITS
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
    """The distinct colours binned into cubes of ``2**(8 - bits)`` levels a side.

    Returns the weighted mean colour of every non-empty cube (n_cells, 3)
    float64 in [0, 1], its pixel count, and the cube of every colour (an
    int32 index into the first two).
    """
    drop = 8 - bits
    mask = (1 << bits) - 1
    cell = ((distinct >> (16 + drop)) & mask) << (2 * bits)
    cell |= ((distinct >> (8 + drop)) & mask) << bits
    cell |= (distinct >> drop) & mask
    w = np.asarray(counts, dtype=np.float64)
    size = 1 << (3 * bits)
    weight = np.bincount(cell, weights=w, minlength=size)
    used = np.flatnonzero(weight)
    number = np.zeros(size, dtype=np.int32)
    number[used] = np.arange(used.shape[0], dtype=np.int32)
    of_point = number[cell]
    del cell
    means = np.empty((used.shape[0], 3))
    for j, shift in enumerate((16, 8, 0)):
        level = ((distinct >> shift) & 255).astype(np.float64)
        level *= w
        means[:, j] = np.bincount(of_point, weights=level, minlength=used.shape[0])
    means /= weight[used, None]
    means /= 255.0
    return means, weight[used], of_point


# ----------------------------------------------------------------- points


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


class Neighbours:
    """The centroids seen from each centroid, for :func:`nearest_two_near`.

    Row a of ``order``: the centroids by distance from centroid a (a itself
    first); ``by_gap[a, w]``: the distance from a of the (w+1)-th of them;
    ``coords(w)[j]``: coordinate j of the w nearest, (w, K) float32. Made
    once per set of centroids (a K x K matrix), shared by every call.
    """

    def __init__(self, centroids: NDArray):
        C = np.asarray(centroids, dtype=np.float64)
        K = C.shape[0]
        self.C, self.K = C, K
        self.C32T = np.ascontiguousarray(C.T, dtype=np.float32)
        gap = np.sqrt(np.sum((C[:, None, :] - C[None, :, :]) ** 2, axis=2)).astype(np.float32)
        # (any order among equal gaps will do: ties are decided exactly later)
        self.order = np.argsort(gap, axis=1)
        self.by_gap = np.concatenate(
            [np.take_along_axis(gap, self.order, axis=1), np.full((K, 1), np.inf, np.float32)],
            axis=1,
        )
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
    """
    near = neighbours
    C, K, C32T, order, by_gap, widths = (
        near.C,
        near.K,
        near.C32T,
        near.order,
        near.by_gap,
        near.widths,
    )
    m = XT.shape[1]
    labels = np.empty(m, dtype=np.intp)
    d1 = np.empty(m, dtype=np.float32)
    d2 = np.empty(m, dtype=np.float32)
    guess = np.asarray(guess)

    def work(a, b):
        g = guess[a:b].astype(np.intp)
        x = XT[:, a:b]
        if d_guess is None:
            u = np.zeros(b - a, dtype=np.float32)
            for j in range(3):
                diff = x[j] - C32T[j, g]
                diff *= diff
                u += diff
        else:
            u = d_guess[a:b].copy()
        np.sqrt(u, out=u)
        u *= np.float32(1 + 1e-5)
        u += np.float32(1e-6)
        radius = 2 * u + np.float32(1e-6)

        def measure(pending, w):
            """Label the points ``pending`` whose candidates are all among the
            ``w`` centroids nearest their guess; return the others.

            Distances are laid out (w, m), one row per candidate, so the
            minimum over the candidates is a vectorized reduction over rows."""
            m = pending.size
            gp = g[pending]
            D = np.empty((w, m), dtype=np.float32)
            diff = np.empty((w, m), dtype=np.float32)
            for j in range(3):
                np.take(near.coords(w)[j], gp, axis=1, out=diff)
                diff -= x[j, pending]
                diff *= diff
                if j:
                    D += diff
                else:
                    D, diff = diff, D
            first = np.minimum.reduce(D, axis=0)
            col = np.zeros(m, dtype=np.intp)
            for k in range(w - 1, 0, -1):
                np.copyto(col, k, where=D[k] == first)
            np.copyto(col, 0, where=D[0] == first)
            D[col, np.arange(m)] = np.inf
            second = np.minimum.reduce(D, axis=0) if w > 1 else np.full(m, np.inf, np.float32)
            beyond = by_gap[gp, w]
            if w < K:
                done = beyond >= radius[pending]
                rows = np.flatnonzero(done)
                if rows.size < m:
                    pending, gp, col, first, second, beyond = (
                        v[rows] for v in (pending, gp, col, first, second, beyond)
                    )
                    rest = np.flatnonzero(~done)
                else:
                    rest = rows[:0]
            else:
                rest = np.zeros(0, dtype=np.intp)
            out = pending + a
            labels[out] = order[gp, col]
            d1[out] = first
            # a near tie can only be with a measured centroid: the others are
            # farther than 2 u - u = u from the point, strictly (the margins)
            tie[out] = second - first <= 2 * _SQ_EPS
            # centroids not measured are at least gap - u away
            bound = beyond - u[pending]
            np.maximum(bound, 0.0, out=bound)
            bound *= bound
            d2[out] = np.minimum(second, bound)
            return rest

        # measure the 8 centroids nearest to the guess; the points with more
        # centroids within their radius go on to 16, 32, ... (at most K)
        pending = np.arange(b - a)
        for w in widths:
            # at most 2**18 distances at once, whatever K
            step = max(64, (1 << 18) // w)
            pending = np.concatenate(
                [
                    pending[s : s + step][measure(pending[s : s + step], w)]
                    for s in range(0, pending.size, step)
                ]
            )
            if not pending.size:
                break

    tie = np.zeros(m, dtype=bool)
    if m:
        _in_parts(m, work)
    if exact is not None and K > 1:
        near = np.flatnonzero(tie)
        if near.size:
            labels[near] = _closest_exact(exact(near), C)
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


def assign(points: Points, centroids: NDArray) -> NDArray[np.intp]:
    """Index of the closest centroid of every point, see :func:`nearest_two`."""
    return nearest_two(points.XT, points.xx, centroids, points.rows64)[0]


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


#: Above this many distinct colours, k-means++ runs on the coarse histogram.
_SEED_MAX_POINTS = 1 << 16
#: Lloyd rounds on the coarse histogram after k-means++ (part of the seeding).
_SEED_ROUNDS = 10


def seed_kmeans_plusplus(points: Points, K: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """The "k-means++" initialisation of :func:`kmeans_lab.quantize`.

    Up to :data:`_SEED_MAX_POINTS` points: greedy k-means++ on the points
    (:func:`kmeans_plusplus_weighted`). More distinct colours: greedy
    k-means++ on the colours binned into cubes of 8 levels a side (the mean
    colour of each cube, weighted by its pixels), refined by a few Lloyd
    rounds on those cubes; its cost grows with the number of cubes (a few
    thousand to a few tens of thousands on photos), not with the image.
    """
    if points.keys is None or points.n <= _SEED_MAX_POINTS:
        return kmeans_plusplus_weighted(points.rows64(), points.w, K, rng)
    for bits in (_CELL_BITS, _CELL_BITS + 1):
        cells, cell_weights, _ = coarse_cells(points.keys, points.w, bits)
        if cells.shape[0] >= 8 * K:
            break
    if cells.shape[0] < 8 * K:  # colours too concentrated for cubes to help
        return kmeans_plusplus_weighted(points.rows64(), points.w, K, rng)
    initial = kmeans_plusplus_weighted(cells, cell_weights, K, rng)
    coarse = Points(X64=cells, weights=cell_weights)
    return weighted_lloyd(coarse, initial, _SEED_ROUNDS, 0.0)[0]


def seed_random(points: Points, K: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """K points at distinct positions, drawn without replacement with
    probability proportional to their weight."""
    if points.n < K:  # a sample with fewer distinct colours than K
        return points.rows64().copy()
    p = points.w / points.w.sum()
    idx = rng.choice(points.n, size=K, replace=False, p=p)
    return np.array(points.rows64(np.sort(idx)), dtype=np.float64)


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
    _in_parts(n, first)
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
        order = np.argsort(delta)
        drop = np.full(K, delta[order[-1]])
        if K > 1:
            drop[order[-1]] = delta[order[-2]]
        T += delta
        D += drop
        # rounded up: a point is skipped only when float32 proves it safe
        G = np.nextafter((T + D).astype(np.float32), np.float32(np.inf))
        T32, D32 = T.astype(np.float32), D.astype(np.float32)
        C32T = np.ascontiguousarray(C.T, dtype=np.float32)
        near = Neighbours(C) if many else None
        # twice the distance from each centroid to its nearest other one, rounded
        # down: a point within u of its centroid is at least gap - u from any other
        gap = near.by_gap[:, 1] if many else _nearest_gap(C)
        gap = np.maximum(gap * np.float32(1 - 1e-6) - _BOUND_EPS, 0.0).astype(np.float32)

        def reassign(a, b, C=C, G=G, T=T, D=D, T32=T32, D32=D32, C32T=C32T, near=near, gap=gap):
            """Reassign the points a..b whose bounds overlap; return the
            indices, new and old labels of those that changed."""
            lab = labels[a:b]
            todo = np.flatnonzero(slack[a:b] < G[lab])
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
            # Elkan's bound from the centroids' own spacing (Hamerly's s(a)/2 test)
            np.maximum(lower, gap[own] - u, out=lower)
            keep = u <= lower
            kept, ok = todo[keep], own[keep]
            U[kept] = u[keep] - T32[ok] + _BOUND_EPS
            slack[kept] = lower[keep] + D32[ok] - U[kept] - _BOUND_EPS
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
            changed = new_lab != own
            idx = todo[changed]
            labels[idx] = new_lab[changed]
            return idx, new_lab[changed], own[changed]

        n_changed = 0
        for idx, new_lab, old_lab in _in_parts(n, reassign):
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


def _nearest_gap(C: NDArray) -> NDArray[np.float32]:
    """(K,) distance from each centroid to the nearest other one (inf if K = 1)."""
    gap = np.sqrt(np.sum((C[:, None, :] - C[None, :, :]) ** 2, axis=2))
    np.fill_diagonal(gap, np.inf)
    return gap.min(axis=1).astype(np.float32)


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
