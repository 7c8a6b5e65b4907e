"""Colours of an image as packed 24-bit keys (private).

8-bit colours are packed into one integer ``r << 16 | g << 8 | b``; the
distinct colours of an image, how many pixels have each, a 3 MB index that
ranks any present colour among them (it labels the pixels at the end), and
the coarse histogram the seeding runs on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from .. import _threads

#: Rows of the image converted to packed 24-bit keys at once.
_PACK_ROWS = 1 << 15
#: A float value is taken as 8-bit data when ``|255 x - round(255 x)|`` is at
#: most this (in 8-bit levels; 1e-3 level = 4e-6 in [0, 1] units).
GRID_TOLERANCE = 1e-3


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

    if not all(_threads.in_parts(N, work)):
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
_KEY_STEP = 1 << 16


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

    _threads.in_parts(N, mark)
    distinct = np.flatnonzero(seen).astype(np.uint32)
    index = ColourIndex(seen)
    seen = None  # 16 MB freed
    n = distinct.shape[0]
    counts = np.zeros(n, dtype=np.int64)
    lock = threading.Lock()

    def count(a, b):
        for s in range(a, b, _KEY_STEP):
            rank = index.rank(keys(s, min(s + _KEY_STEP, b)))
            # integers: the same sum in any order, into one array of counts
            # (np.add.at: no bincount of n values per step; 24 MP: 96 -> 30 MB
            # while counting, for as long as bincount and an addition took)
            with lock:
                np.add.at(counts, rank, 1)

    slots = _threads.n_threads()
    _threads.in_parts(N, count, part=max(-(-N // slots), 1))
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

    _threads.in_parts(N, work)
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
