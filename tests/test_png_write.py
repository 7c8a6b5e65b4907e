"""The parallel indexed-PNG writer (kmeans_lab._png_write) behind save_png(optimize=False)."""

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

import kmeans_lab as kl
from kmeans_lab import _png_write as pw
from kmeans_lab.fast import _threads


def _chunks(path):
    """[(kind, data)] of a PNG file, every CRC checked (Pillow skips the IDAT ones)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, i = [], 8
    while i < len(data):
        (n,) = struct.unpack(">I", data[i : i + 4])
        kind, body = data[i + 4 : i + 8], data[i + 8 : i + 8 + n]
        (crc,) = struct.unpack(">I", data[i + 8 + n : i + 12 + n])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        i += 12 + n
    assert i == len(data) and chunks[-1] == (b"IEND", b"")
    return chunks


def _raw_rows(path):
    """IHDR fields and the inflated pixel data (zlib checks the Adler-32)."""
    chunks = _chunks(path)
    ihdr = struct.unpack(">IIBBBBB", chunks[0][1])
    return ihdr, zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))


def _ours_and_pillows(tmp_path, palette, labels):
    """The same palette image written by write_indexed_png and by Pillow."""
    ours, theirs = tmp_path / "ours.png", tmp_path / "pillow.png"
    pw.write_indexed_png(ours, palette, labels)
    im = Image.frombytes("P", labels.shape[::-1], np.ascontiguousarray(labels))
    im.putpalette(palette.reshape(-1).tolist(), rawmode="RGB")
    im.save(theirs, format="PNG")
    return ours, theirs


def test_adler32_combine_is_zlibs():
    rng = np.random.default_rng(0)
    for _ in range(300):
        a = rng.integers(0, 256, rng.integers(0, 5000), dtype=np.uint8).tobytes()
        b = rng.integers(0, 256, rng.integers(0, 200_000), dtype=np.uint8).tobytes()
        assert pw._adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


@pytest.mark.parametrize(
    "K, depth", [(1, 1), (2, 1), (3, 2), (4, 2), (5, 4), (16, 4), (17, 8), (256, 8)]
)
@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (5, 9), (61, 203)])
def test_every_bit_depth_reads_back_exactly(tmp_path, monkeypatch, K, depth, shape):
    monkeypatch.setattr(pw, "_BLOCK", 64)  # many blocks, most of a few rows
    rng = np.random.default_rng(K)
    labels = rng.integers(0, K, shape).astype(np.uint8)
    palette = rng.integers(0, 256, (K, 3)).astype(np.uint8)
    path = tmp_path / "x.png"
    pw.write_indexed_png(path, palette, labels)
    (W, H, bits, colour_type, *_), _ = _raw_rows(path)
    assert (W, H, bits, colour_type) == (shape[1], shape[0], depth, 3)
    with Image.open(path) as im:
        assert im.mode == "P"
        np.testing.assert_array_equal(np.asarray(im), labels)
        np.testing.assert_array_equal(
            np.asarray(im.getpalette("RGB"), dtype=np.uint8).reshape(-1, 3), palette
        )


@pytest.mark.parametrize("K", [2, 4, 16, 200])
def test_rows_are_filtered_and_compressed_as_pillow_does(tmp_path, K):
    # one block: the same raw rows (filter types included) as Pillow's file,
    # and a compressed stream as small as Pillow's
    with Image.open(kl.sample_image_path("coffee")) as im:
        labels = np.asarray(im.convert("RGB").quantize(K, method=Image.Quantize.MEDIANCUT))
    K = int(labels.max()) + 1
    palette = np.random.default_rng(0).integers(0, 256, (K, 3)).astype(np.uint8)
    ours, theirs = _ours_and_pillows(tmp_path, palette, labels)
    assert _raw_rows(ours) == _raw_rows(theirs)
    assert ours.stat().st_size <= theirs.stat().st_size + 64


def test_the_file_is_the_same_on_any_number_of_threads(tmp_path, monkeypatch):
    labels = np.random.default_rng(1).integers(0, 16, (300, 257)).astype(np.uint8)
    palette = np.arange(48, dtype=np.uint8).reshape(16, 3)
    monkeypatch.setattr(pw, "_BLOCK", 4096)
    files = []
    for threads in (1, 2, 3):
        monkeypatch.setattr(_threads, "n_threads", lambda threads=threads: threads)
        monkeypatch.setattr(_threads, "_pool", None)
        path = tmp_path / f"{threads}.png"
        pw.write_indexed_png(path, palette, labels)
        files.append(path.read_bytes())
    assert files[0] == files[1] == files[2]
    assert len([kind for kind, _ in _chunks(tmp_path / "1.png") if kind == b"IDAT"]) >= 10


def test_save_png_without_optimize_uses_it_and_reads_back(tmp_path):
    image = kl.load_sample_image()
    c = kl.quantize(image, 16, rng=0)
    fast, small = tmp_path / "fast.png", tmp_path / "small.png"
    size = c.save_png(fast, optimize=False)
    assert size == fast.stat().st_size
    c.save_png(small)  # Pillow's optimize pass
    for path in (fast, small):
        back = kl.CompressedImage.load_png(path)
        np.testing.assert_array_equal(back.labels, c.labels)
        np.testing.assert_array_equal(back.palette, c.palette)
    _chunks(fast)


def test_a_failed_write_is_a_clear_error(tmp_path):
    c = kl.CompressedImage.from_kmeans([[0, 0, 0], [1, 1, 1]], [0, 1, 1, 0], (2, 2))
    with pytest.raises(ValueError, match="cannot save"):
        c.save_png(tmp_path / "missing-folder" / "x.png", optimize=False)


@pytest.mark.parametrize("optimize", [True, False])
def test_an_empty_image_or_labels_outside_the_palette_are_refused(tmp_path, optimize):
    empty = kl.CompressedImage(np.zeros((2, 3)), np.zeros((0, 5), dtype=np.uint8), (0, 5, 3))
    with pytest.raises(ValueError, match="empty image"):
        empty.save_png(tmp_path / "e.png", optimize=optimize)
    outside = kl.CompressedImage(np.zeros((2, 3)), np.full((2, 5), 7, dtype=np.uint8), (2, 5, 3))
    with pytest.raises(ValueError, match="palette of 2 colours .0 to 1., found 7"):
        outside.save_png(tmp_path / "o.png", optimize=optimize)
    assert not (tmp_path / "e.png").exists() and not (tmp_path / "o.png").exists()


@pytest.mark.parametrize("K", [1, 4, 256])
def test_blocks_continue_the_stream_so_the_file_is_as_small_as_pillows(tmp_path, monkeypatch, K):
    # each block starts with the 32 KB before it as its dictionary: on a very
    # compressible image cut into many blocks the file stays within a few bytes
    # a block of Pillow's one stream (with empty windows: 68% larger at K = 256)
    monkeypatch.setattr(pw, "_BLOCK", 1 << 17)
    labels = np.tile((np.arange(4000) % K).astype(np.uint8), (3000, 1))
    palette = np.random.default_rng(0).integers(0, 256, (K, 3)).astype(np.uint8)
    ours, theirs = _ours_and_pillows(tmp_path, palette, labels)
    assert _raw_rows(ours) == _raw_rows(theirs)
    n_blocks = len([kind for kind, _ in _chunks(ours) if kind == b"IDAT"])
    assert n_blocks >= 10
    assert ours.stat().st_size <= theirs.stat().st_size * 1.005 + 40 * n_blocks
