"""Bit counts, the compressed representation and the indexed PNG."""

import math

import numpy as np
import pytest
from PIL import Image

import kmeans_lab as kl


@pytest.mark.parametrize("K", [1, 2, 3, 4, 5, 15, 16, 17, 64, 255, 256, 257, 1000])
def test_compressed_bits_formula(K):
    n = 128 * 128
    index_bits = 0 if K == 1 else math.ceil(math.log2(K))
    assert kl.compressed_bits(n, K) == 24 * K + n * index_bits
    assert isinstance(kl.compressed_bits(n, K), int)


def test_headline_numbers():
    assert kl.original_bits(128 * 128) == 393_216
    assert kl.compressed_bits(128 * 128, 16) == 65_920


@pytest.mark.parametrize(
    "args,err,msg",
    [
        ((0, 16), ValueError, "n_pixels"),
        ((10, 0), ValueError, "K must be at least 1"),
        ((10, 2.5), TypeError, "K must be an integer"),
        ((10.0, 2), TypeError, "n_pixels"),
        ((10, True), TypeError, "K must be an integer"),
    ],
)
def test_compressed_bits_rejects_bad_input(args, err, msg):
    with pytest.raises(err, match=msg):
        kl.compressed_bits(*args)


def test_compress_image_course_image():
    image = kl.load_sample_image()
    c = kl.compress_image(image, 16, rng=0)
    assert c.n_colors == 16 and c.labels.shape == (128, 128) and c.shape == (128, 128, 3)
    assert c.original_bits == 393_216 and c.compressed_bits == 65_920
    assert c.compression_ratio == pytest.approx(393_216 / 65_920)
    rec = c.reconstruct()
    assert rec.shape == image.shape
    assert len(np.unique(rec.reshape(-1, 3), axis=0)) == 16
    assert 20 < kl.psnr(image, rec) < 40
    # more colours, better quality
    assert kl.psnr(image, kl.compress_image(image, 64, rng=0).reconstruct()) > kl.psnr(image, rec)


def test_indexed_png_roundtrip_and_bit_depth(tmp_path):
    image = kl.load_sample_image()
    for K, depth in [(2, 1), (4, 2), (16, 4), (64, 8)]:
        c = kl.compress_image(image, K, rng=0, max_iters=3)
        path = tmp_path / f"k{K}.png"
        size = c.save_png(path)
        assert size == path.stat().st_size > 0
        with Image.open(path) as im:
            assert im.mode == "P"
        assert path.read_bytes()[24] == depth  # IHDR bit depth byte
        back = kl.CompressedImage.load_png(path)
        np.testing.assert_array_equal(back.reconstruct(), c.reconstruct())
        np.testing.assert_allclose(kl.load_image(path), c.reconstruct())


def test_save_png_does_not_overwrite_when_asked(tmp_path):
    c = kl.CompressedImage.from_kmeans([[0, 0, 0], [1, 1, 1]], [0, 1, 1, 0], (2, 2))
    path = tmp_path / "x.png"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        c.save_png(path, overwrite=False)
    assert path.read_bytes() == b"precious"


def test_load_png_rejects_non_palette(tmp_path):
    path = kl.save_image(tmp_path / "rgb.png", np.zeros((2, 2, 3)))
    with pytest.raises(kl.ImageLoadError, match="not a palette"):
        kl.CompressedImage.load_png(path)


def test_from_kmeans_merges_duplicates_and_drops_unused():
    centroids = np.array([[0.2, 0.2, 0.2], [0.9, 0.1, 0.1], [0.2, 0.2, 0.2], [0.5, 0.5, 0.5]])
    labels = np.array([0, 1, 2, 2, 1, 0])  # centroid 3 unused, 0 and 2 equal
    c = kl.CompressedImage.from_kmeans(centroids, labels, (2, 3, 3))
    assert c.n_colors == 2
    np.testing.assert_allclose(
        c.reconstruct().reshape(-1, 3), np.round(centroids[labels] * 255) / 255
    )


def test_single_colour_image_costs_24_bits():
    c = kl.compress_image(np.full((4, 5, 3), 0.5), 1)
    assert c.n_colors == 1 and c.compressed_bits == 24


@pytest.mark.parametrize(
    "call,msg",
    [
        (lambda: kl.compress_image(np.zeros((4, 4)), 2), r"\(H, W, 3\)"),
        (lambda: kl.compress_image(np.zeros((4, 4, 3)), 2, init="best"), "init must be one of"),
        (lambda: kl.compress_image(np.zeros((2, 2, 3)), 5), "larger than the number of points"),
        (lambda: kl.CompressedImage.from_kmeans(np.zeros((2, 2)), [0, 1], (1, 2)), r"\(K, 3\)"),
        (lambda: kl.CompressedImage.from_kmeans(np.zeros((2, 3)), [0, 2], (1, 2)), r"\[0, 2\)"),
    ],
)
def test_compression_bad_input(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()


def test_compress_image_accepts_uint8_and_refuses_out_of_range():
    image = kl.load_sample_image()
    as_uint8 = np.round(image * 255).astype(np.uint8)
    a = kl.compress_image(image, 4, rng=0, max_iters=3)
    b = kl.compress_image(as_uint8, 4, rng=0, max_iters=3)
    np.testing.assert_allclose(a.palette, b.palette, atol=1 / 255)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        kl.compress_image(image * 2, 4)
    with pytest.raises(TypeError, match="uint8"):
        kl.compress_image(as_uint8.astype(np.int64), 4)


def test_compressed_images_compare_by_identity_not_by_array_truth():
    c = kl.CompressedImage.from_kmeans([[0, 0, 0], [1, 1, 1]], [0, 1, 1, 0], (2, 2))
    assert c == c and c != kl.CompressedImage.from_kmeans(
        [[0, 0, 0], [1, 1, 1]], [0, 1, 1, 0], (2, 2)
    )


def test_load_png_errors_name_the_file(tmp_path):
    with pytest.raises(kl.ImageLoadError, match="missing.png.*no such file"):
        kl.CompressedImage.load_png(tmp_path / "missing.png")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(kl.ImageLoadError, match="bad.png.*not an image"):
        kl.CompressedImage.load_png(bad)
    c = kl.CompressedImage.from_kmeans([[0, 0, 0], [1, 1, 1]], [0, 1, 1, 0], (2, 2))
    c.save_png(tmp_path / "ok.png")
    with pytest.raises(kl.ImageLoadError, match="more than max_pixels=3"):
        kl.CompressedImage.load_png(tmp_path / "ok.png", max_pixels=3)
