"""Write an indexed PNG file with the compression spread over the cores (private).

Pillow compresses a PNG's pixels as one zlib stream on one core: 1.1 s of
``kmeans-lab compress`` on a 24-megapixel photo at K = 256.
A zlib stream can be cut into blocks compressed independently, each ended
by a sync flush and given the 32 KB of raw data before it as its dictionary,
then concatenated: one valid stream, as pigz writes it. :func:`write_indexed_png`
compresses fixed blocks of rows, about 1 MB of raw data each, on the threads
of :mod:`kmeans_lab._threads`: the file is the same whatever the number
of cores, and a few bytes per block larger than one stream.

The rows are stored as Pillow stores palette images: at the smallest bit
depth that holds the palette (1, 2, 4 or 8 bits), zlib level 6 and memory
level 9; 8-bit rows unfiltered, packed rows each with the filter whose output
has the smallest sum of absolute signed bytes (libpng's heuristic, as Pillow
applies it) and zlib's strategy for filtered data.
"""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np
from numpy.typing import NDArray

from . import _threads

__all__ = ["write_indexed_png", "bit_depth", "SIGNATURE", "chunk", "ihdr"]

#: The 8 bytes every PNG file starts with.
SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Raw bytes (rows with their filter byte) per independently compressed block.
_BLOCK = 1 << 20
#: zlib's compression level: its default, as Pillow's.
_LEVEL = 6
#: Bytes of raw data before a block that its matches may refer to (deflate's window).
_WINDOW = 1 << 15
_ADLER_BASE = 65521
#: PNG filter types of the candidates of :func:`_filtered`: none, up, sub, Paeth.
_FILTER_TYPES = (0, 2, 1, 4)


def bit_depth(n_colors: int) -> int:
    """Bits per index of an indexed PNG with ``n_colors`` palette entries.

    >>> [bit_depth(k) for k in (1, 2, 3, 16, 17, 256)]
    [1, 1, 2, 4, 8, 8]
    """
    for depth in (1, 2, 4):
        if n_colors <= 1 << depth:
            return depth
    return 8


def chunk(kind: bytes, data) -> list[bytes]:
    """A PNG chunk as its four parts (length, type, data, CRC), for
    ``file.writelines`` or ``b"".join``: the data is not copied."""
    crc = zlib.crc32(data, zlib.crc32(kind))
    return [struct.pack(">I", len(data)), kind, data, struct.pack(">I", crc)]


def ihdr(width: int, height: int, depth: int, colour_type: int) -> list[bytes]:
    """The IHDR chunk of a non-interlaced PNG (:func:`chunk`)."""
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0))


def _adler32_combine(adler1: int, adler2: int, length2: int) -> int:
    """The Adler-32 of A + B from those of A and B and the length of B (zlib's
    ``adler32_combine``)."""
    rem = length2 % _ADLER_BASE
    low1, high1 = adler1 & 0xFFFF, adler1 >> 16
    low = (low1 + (adler2 & 0xFFFF) + _ADLER_BASE - 1) % _ADLER_BASE
    high = (rem * low1 + high1 + (adler2 >> 16) + _ADLER_BASE - rem) % _ADLER_BASE
    return low | (high << 16)


def _packed(labels: NDArray[np.uint8], depth: int) -> NDArray[np.uint8]:
    """(h, row bytes): the indices of each row, ``8 // depth`` to a byte, the
    first pixel in the high bits."""
    h, w = labels.shape
    if depth == 8:
        return labels
    per_byte = 8 // depth
    row_bytes = -(-w // per_byte)
    padded = np.zeros((h, row_bytes * per_byte), dtype=np.uint8)
    padded[:, :w] = labels
    padded = padded.reshape(h, row_bytes, per_byte)
    packed = np.zeros((h, row_bytes), dtype=np.uint8)
    for j in range(per_byte):
        packed |= padded[:, :, j] << np.uint8(8 - depth * (j + 1))
    return packed


def _filtered(rows: NDArray[np.uint8], above: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """(h, 1 + row bytes): each row after its filter-type byte, filtered as
    Pillow filters rows: of none, up, sub and Paeth (in that order), the first
    whose output has the smallest sum of absolute signed bytes, one byte a
    pixel to the left. ``above`` is the row before the first (zeros for the
    first row of the image)."""
    h, n = rows.shape
    up = np.empty_like(rows)
    up[0] = above
    up[1:] = rows[:-1]
    left = np.zeros_like(rows)
    left[:, 1:] = rows[:, :-1]
    up_left = np.zeros_like(rows)
    up_left[:, 1:] = up[:, :-1]
    a, b, c = left.astype(np.int16), up.astype(np.int16), up_left.astype(np.int16)
    pa, pb, pc = np.abs(b - c), np.abs(a - c), np.abs(a + b - 2 * c)
    paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, up_left))
    candidates = np.stack([rows, rows - up, rows - left, rows - paeth])
    cost = np.abs(candidates.view(np.int8).astype(np.int16)).sum(axis=2, dtype=np.int64)
    best = np.argmin(cost, axis=0)  # the first of equal sums, as Pillow
    out = np.empty((h, 1 + n), dtype=np.uint8)
    out[:, 0] = np.array(_FILTER_TYPES, dtype=np.uint8)[best]
    out[:, 1:] = candidates[best, np.arange(h)]
    return out


def _rows(labels: NDArray, a: int, b: int, depth: int) -> NDArray[np.uint8]:
    """Rows a..b of the PNG's raw data: (b - a, 1 + row bytes)."""
    if depth == 8:  # palette indices: no filter (type 0), as Pillow
        out = np.zeros((b - a, 1 + labels.shape[1]), dtype=np.uint8)
        out[:, 1:] = labels[a:b]
        return out
    # the filters look at the row above: from the previous block's last row
    packed = _packed(np.asarray(labels[max(a - 1, 0) : b], dtype=np.uint8), depth)
    if a == 0:
        return _filtered(packed, np.zeros(packed.shape[1], dtype=np.uint8))
    return _filtered(packed[1:], packed[0])


def write_indexed_png(
    path: str | os.PathLike, palette8: NDArray[np.uint8], labels: NDArray
) -> None:
    """Write ``labels`` (H, W) with the colours ``palette8`` (K, 3) as a PNG.

    Parameters
    ----------
    path : path of the file to write (replaced if it exists)
    palette8 : ndarray of shape (K, 3), uint8, 1 <= K <= 256
    labels : ndarray of shape (H, W), integers in [0, K)

    Raises OSError if the file cannot be written.
    """
    H, W = labels.shape
    K = palette8.shape[0]
    depth = bit_depth(K)
    row_length = 1 + -(-W * depth // 8)
    rows_per_block = max(1, _BLOCK // row_length)

    def block(a: int, b: int):
        raw = _rows(labels, a, b, depth)
        # Pillow's settings: memory level 9, strategy Z_FILTERED for filtered rows
        strategy = zlib.Z_DEFAULT_STRATEGY if depth == 8 else zlib.Z_FILTERED
        if a == 0:
            deflate = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15, 9, strategy)
        else:  # the stream goes on: matches may reach back into the rows before
            before = _rows(labels, max(a - -(-_WINDOW // row_length), 0), a, depth)
            window = before.tobytes()[-_WINDOW:]
            deflate = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15, 9, strategy, zdict=window)
        data = deflate.compress(raw)
        data += deflate.flush(zlib.Z_FINISH if b == H else zlib.Z_SYNC_FLUSH)
        return data, zlib.adler32(raw), raw.size

    blocks = _threads.in_parts(H, block, part=rows_per_block)
    adler, first = 1, True
    with open(path, "wb") as f:
        f.write(SIGNATURE)
        f.writelines(ihdr(W, H, depth, 3))
        f.writelines(chunk(b"PLTE", np.ascontiguousarray(palette8, dtype=np.uint8).tobytes()))
        for i, (data, block_adler, size) in enumerate(blocks):
            adler = block_adler if first else _adler32_combine(adler, block_adler, size)
            if first:
                data = b"\x78\x9c" + data  # zlib header: deflate, 32 KB window, level 6
                first = False
            if i == len(blocks) - 1:
                data += struct.pack(">I", adler)
            f.writelines(chunk(b"IDAT", data))
        f.writelines(chunk(b"IEND", b""))
