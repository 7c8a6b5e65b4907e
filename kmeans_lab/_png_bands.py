"""Decode a plain 8-bit RGB PNG file a band of rows at a time (private).

Pillow decodes a whole image before it can be converted, at 4 bytes a pixel
(96 MB for a 24-megapixel photo), beside the 3-byte array the command line
works on. The pixels of a PNG file are one zlib stream of rows, each
filtered against the row above it. :func:`read_rgb8` inflates that stream a
band of rows at a time and lets Pillow undo the filters of each band, handed
over as a small PNG of its own whose first row is the previous band's last
row, stored unfiltered (zlib level 0: copied, not compressed). Public Pillow
API only.

Only plain files take this path: 8-bit RGB, not interlaced, no transparency
and no EXIF data (which could rotate the image). For anything else, or a
file that does not read cleanly (a bad checksum, a truncated stream), it
returns None and the caller decodes the file the usual way, which reports
the problem.
"""

from __future__ import annotations

import io
import os
import struct
import zlib

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from ._png_write import SIGNATURE, chunk, ihdr

__all__ = ["read_rgb8"]

#: Pixels per band of rows (about 0.75 MB of RGB).
_BAND_PIXELS = 1 << 18
#: Bytes of the file read at once (an IDAT chunk can hold the whole image).
_READ = 1 << 20
#: Chunks that change what the pixels mean or hold EXIF data: left to Pillow.
_REFUSED = (b"tRNS", b"eXIf")


def _band_png(width: int, rows: int, data) -> bytes:
    parts = [SIGNATURE, *ihdr(width, rows, 8, 2)]
    parts += chunk(b"IDAT", zlib.compress(data, 0))
    parts += chunk(b"IEND", b"")
    return b"".join(parts)


def read_rgb8(path: str | os.PathLike, check_size=None) -> NDArray[np.uint8] | None:
    """The (H, W, 3) uint8 pixels of a plain 8-bit RGB PNG file, or None.

    Parameters
    ----------
    path : str or path-like
    check_size : callable, optional
        ``check_size(width, height)`` is called on the header before any
        decoding (it raises to refuse the image).

    Returns
    -------
    ndarray of shape (H, W, 3), uint8, or None
        None when the file is not such a PNG or does not read cleanly.
    """
    with open(path, "rb") as fh:
        if fh.read(8) != SIGNATURE:
            return None
        head = fh.read(25)
        if len(head) < 25 or head[:8] != b"\x00\x00\x00\x0dIHDR":
            return None
        if zlib.crc32(head[4:21]) != struct.unpack(">I", head[21:])[0]:
            return None
        width, height, *layout = struct.unpack(">IIBBBBB", head[8:21])
        if layout != [8, 2, 0, 0, 0] or width == 0 or height == 0:
            return None
        if check_size is not None:
            check_size(width, height)
        try:
            return _read_rows(fh, width, height)
        except zlib.error:  # a damaged stream
            return None


def _read_rows(fh, width: int, height: int) -> NDArray[np.uint8] | None:
    stride = 1 + 3 * width  # a filter byte, then the row
    band_rows = max(1, _BAND_PIXELS // width)
    out = np.empty((height, width, 3), dtype=np.uint8)
    inflate = zlib.decompressobj()
    pending = bytearray()
    done = 0  # rows decoded

    def decode(rows: int) -> None:
        nonlocal done, pending
        above = b"\x00" + out[done - 1].tobytes() if done else b""  # unfiltered
        with memoryview(pending) as view:
            data = above + view[: rows * stride]
        del pending[: rows * stride]
        with Image.open(io.BytesIO(_band_png(width, rows + (done > 0), data))) as im:
            out[done : done + rows] = np.asarray(im)[-rows:]
        done += rows

    while True:
        head = fh.read(8)
        if len(head) < 8:
            return None  # truncated
        length, kind = struct.unpack(">I4s", head)
        if kind in _REFUSED or (kind[:1].isupper() and kind not in (b"IDAT", b"IEND", b"PLTE")):
            return None
        crc = zlib.crc32(kind)
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            data = fh.read(length)
            if data.startswith(b"Raw profile type exif"):  # Pillow reads EXIF from it
                return None
            crc = zlib.crc32(data, crc)
        else:
            left = length
            while left:
                piece = fh.read(min(left, _READ))
                if not piece:
                    return None
                left -= len(piece)
                crc = zlib.crc32(piece, crc)
                if kind != b"IDAT":
                    continue
                while piece:
                    # at most a band's worth at a time: a small file can hold a huge stream
                    want = max((height - done) * stride - len(pending), 0)
                    pending += inflate.decompress(piece, min(band_rows * stride, want) or 1)
                    piece = inflate.unconsumed_tail
                    while len(pending) >= min(band_rows, height - done) * stride > 0:
                        decode(min(band_rows, height - done))
                    if done == height and len(pending) > 0:
                        return None  # more data than rows
        tail = fh.read(4)
        if len(tail) < 4 or struct.unpack(">I", tail)[0] != crc:
            return None
        if kind == b"IEND":
            break
    if done != height or pending or not inflate.eof:
        return None
    return out
