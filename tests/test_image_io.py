"""load_image / save_image / reshaping: every format to float [0, 1], every bad file to a clear error."""

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kmeans_lab as kl
from kmeans_lab.image_io import ImageLoadError


@pytest.fixture(scope="module")
def rgb8():
    """A small uint8 RGB picture with structure (non-square)."""
    return np.round(kl.load_sample_image()[:40, :56] * 255).astype(np.uint8)


def _roundtrip(tmp_path, im, name, **save_kw):
    path = tmp_path / name
    im.save(path, **save_kw)
    out = kl.load_image(path)
    assert out.dtype == np.float64
    assert out.ndim == 3 and out.shape[2] == 3
    assert out.shape[:2] == (im.height, im.width)
    assert 0.0 <= out.min() and out.max() <= 1.0
    assert out.flags.c_contiguous
    return out


def test_png_rgb_8bit_is_exact(tmp_path, rgb8):
    out = _roundtrip(tmp_path, Image.fromarray(rgb8), "a.png")
    np.testing.assert_array_equal(np.round(out * 255).astype(np.uint8), rgb8)


def test_png_grey_is_repeated_on_three_channels(tmp_path, rgb8):
    grey = rgb8[:, :, 0]
    out = _roundtrip(tmp_path, Image.fromarray(grey, mode=None), "g.png")
    np.testing.assert_allclose(out[:, :, 0], grey / 255.0)
    np.testing.assert_array_equal(out[:, :, 0], out[:, :, 2])


def test_png_16bit_grey_scaled_by_65535(tmp_path):
    data = np.array([[0, 65535], [32768, 1000]], dtype=np.uint16)
    out = _roundtrip(tmp_path, Image.fromarray(data), "g16.png")
    np.testing.assert_allclose(out[:, :, 1], data / 65535.0)


def test_png_rgba_composited_on_white(tmp_path):
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    rgba[0, 0] = [255, 0, 0, 255]  # opaque red stays red
    rgba[0, 1] = [255, 0, 0, 0]  # fully transparent -> white
    rgba[1, 0] = [0, 0, 0, 128]  # half-transparent black -> mid grey
    rgba[1, 1] = [0, 0, 255, 255]
    out = _roundtrip(tmp_path, Image.fromarray(rgba), "rgba.png")
    np.testing.assert_allclose(out[0, 0], [1, 0, 0])
    np.testing.assert_allclose(out[0, 1], [1, 1, 1])
    np.testing.assert_allclose(out[1, 0], [1 - 128 / 255] * 3)
    np.testing.assert_allclose(out[1, 1], [0, 0, 1])


def test_png_grey_alpha(tmp_path):
    la = Image.new("LA", (3, 2), (0, 0))  # transparent black -> white
    out = _roundtrip(tmp_path, la, "la.png")
    np.testing.assert_allclose(out, 1.0)


def test_palette_png_and_palette_transparency(tmp_path, rgb8):
    pal = Image.fromarray(rgb8).quantize(8)
    out = _roundtrip(tmp_path, pal, "p.png")
    assert len(np.unique(out.reshape(-1, 3), axis=0)) <= 8
    pal.info["transparency"] = 0
    out_t = _roundtrip(tmp_path, pal, "pt.png", transparency=0)
    index0 = np.asarray(pal) == 0
    np.testing.assert_allclose(out_t[index0], 1.0)


def test_one_bit_png(tmp_path):
    bits = Image.fromarray(np.array([[0, 255], [255, 0]], dtype=np.uint8)).convert("1")
    out = _roundtrip(tmp_path, bits, "b.png")
    np.testing.assert_array_equal(out[:, :, 0], [[0, 1], [1, 0]])


@pytest.mark.parametrize(
    "ext,kw", [("gif", {}), ("bmp", {}), ("tif", {}), ("webp", {"lossless": True})]
)
def test_other_formats(tmp_path, rgb8, ext, kw):
    out = _roundtrip(tmp_path, Image.fromarray(rgb8), f"x.{ext}", **kw)
    if ext != "gif":  # GIF is palettised
        np.testing.assert_array_equal(np.round(out * 255).astype(np.uint8), rgb8)


def test_jpeg_and_png_of_same_picture_share_the_scale(tmp_path, rgb8):
    png = _roundtrip(tmp_path, Image.fromarray(rgb8), "s.png")
    jpg = _roundtrip(tmp_path, Image.fromarray(rgb8), "s.jpg", quality=95)
    assert jpg.dtype == png.dtype == np.float64
    assert abs(jpg.mean() - png.mean()) < 0.01
    assert np.abs(jpg - png).mean() < 0.03


def test_bundled_png_and_jpeg_course_images_agree():
    png = kl.load_sample_image("course")
    jpg = kl.load_sample_image("course_jpeg")
    assert png.shape == jpg.shape == (128, 128, 3)
    assert np.abs(png - jpg).mean() < 0.03


def test_exif_orientation_is_applied(tmp_path):
    # 32 rows x 48 columns, top-left 16x16 block red; orientation 6 = rotate 90 degrees clockwise to view
    data = np.zeros((32, 48, 3), dtype=np.uint8)
    data[:16, :16] = [255, 0, 0]
    im = Image.fromarray(data)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rot.jpg"
    im.save(path, exif=exif, quality=100)
    out = kl.load_image(path)
    assert out.shape == (48, 32, 3)
    # after a clockwise rotation, the top-left block moves to the top-right
    assert out[4, 28, 0] > 0.8 and out[4, 28, 1] < 0.2
    assert out[4, 4, 0] < 0.2


def test_cmyk_jpeg(tmp_path, rgb8):
    path = tmp_path / "cmyk.jpg"
    Image.fromarray(rgb8).convert("CMYK").save(path, quality=95)
    out = kl.load_image(path)
    assert out.shape == rgb8.shape
    assert np.abs(out - rgb8 / 255.0).mean() < 0.05


def test_animated_gif_gives_first_frame(tmp_path):
    frames = [Image.new("RGB", (4, 4), c) for c in [(255, 0, 0), (0, 255, 0)]]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    np.testing.assert_allclose(kl.load_image(path)[0, 0], [1, 0, 0])


def _png_header_only(width, height):
    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def _write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "make,problem",
    [
        (lambda d: d / "missing.png", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: _write(d, "empty.png", b""), r"empty \(0 bytes\)"),
        (lambda d: _write(d, "text.png", b"not an image"), "not an image"),
        (lambda d: _write(d, "zero.png", _png_header_only(0, 7)), "zero size"),
    ],
    ids=["missing", "directory", "empty", "not-an-image", "zero-size"],
)
def test_bad_files_raise_clear_errors(tmp_path, make, problem):
    path = make(tmp_path)
    with pytest.raises(ImageLoadError, match=problem) as info:
        kl.load_image(path)
    assert isinstance(info.value, ValueError)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_file(tmp_path, rgb8, fmt):
    buf = io.BytesIO()
    Image.fromarray(rgb8).save(buf, fmt)
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(ImageLoadError, match="truncated"):
        kl.load_image(path)


def test_pixel_limit_is_a_parameter(tmp_path, rgb8):
    path = tmp_path / "ok.png"
    Image.fromarray(rgb8).save(path)
    n = rgb8.shape[0] * rgb8.shape[1]
    assert kl.load_image(path, max_pixels=n).shape[:2] == rgb8.shape[:2]
    with pytest.raises(ImageLoadError, match=f"more than max_pixels={n - 1:,}"):
        kl.load_image(path, max_pixels=n - 1)


def test_decompression_bomb_header_is_refused_before_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(20000, 20000))  # 400 MP claimed, a few bytes on disk
    with pytest.raises(ImageLoadError, match="too large|more than max_pixels"):
        kl.load_image(path)


def test_load_image_rejects_non_path():
    with pytest.raises(TypeError, match="path"):
        kl.load_image(42)


def test_save_image_roundtrip_and_overwrite_guard(tmp_path):
    image = np.random.default_rng(0).random((5, 7, 3))
    path = kl.save_image(tmp_path / "r.png", image)
    np.testing.assert_allclose(kl.load_image(path), np.round(image * 255) / 255)
    with pytest.raises(FileExistsError, match="already exists"):
        kl.save_image(path, image, overwrite=False)


@pytest.mark.parametrize(
    "bad,err,msg",
    [
        (np.full((2, 2, 3), 1.5), ValueError, r"\[0, 1\]"),
        (np.full((2, 2, 3), np.nan), ValueError, "NaN"),
        (np.zeros((2, 2, 5)), ValueError, "shape"),
        (np.zeros((2, 2, 3), dtype=np.int64), TypeError, "integer dtype"),
    ],
)
def test_save_image_rejects_bad_arrays(tmp_path, bad, err, msg):
    with pytest.raises(err, match=msg):
        kl.save_image(tmp_path / "x.png", bad)
    assert not (tmp_path / "x.png").exists()


def test_save_image_unknown_extension(tmp_path):
    with pytest.raises(ValueError, match="extension"):
        kl.save_image(tmp_path / "x.notaformat", np.zeros((2, 2, 3)))


def test_image_to_pixels_row_major_non_square():
    image = np.arange(2 * 3 * 3).reshape(2, 3, 3)
    X = kl.image_to_pixels(image)
    assert X.shape == (6, 3)
    np.testing.assert_array_equal(X[4], image[1, 1])  # pixel (r, c) -> row r * W + c
    np.testing.assert_array_equal(kl.pixels_to_image(X, image.shape), image)
    np.testing.assert_array_equal(kl.pixels_to_image(X, (2, 3)), image)


@pytest.mark.parametrize("bad", [np.zeros(5), np.zeros((4, 4))])
def test_image_to_pixels_rejects_wrong_rank(bad):
    with pytest.raises(ValueError, match=r"\(H, W, C\)"):
        kl.image_to_pixels(bad)


def test_pixels_to_image_size_mismatch():
    with pytest.raises(ValueError, match="cannot reshape 6 pixels"):
        kl.pixels_to_image(np.zeros((6, 3)), (4, 2, 3))


def test_png_16bit_grey_with_transparent_level_is_white(tmp_path):
    data = np.array([[0, 40000], [0, 65535]], dtype=np.uint16)
    path = tmp_path / "g16t.png"
    Image.fromarray(data).save(path, transparency=0)
    out = kl.load_image(path)
    np.testing.assert_allclose(out[:, 0], 1.0)  # grey level 0 is transparent -> white
    np.testing.assert_allclose(out[0, 1], 40000 / 65535)


def test_float_tiff_out_of_range_names_the_file(tmp_path):
    path = tmp_path / "f.tif"
    Image.fromarray(np.full((2, 2), 3.0, dtype=np.float32)).save(path)
    with pytest.raises(ImageLoadError, match=r"f\.tif.*outside \[0, 1\]"):
        kl.load_image(path)


def test_save_image_io_failures_are_value_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        kl.save_image(tmp_path / "missing" / "x.png", np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="cannot save"):
        kl.save_image(tmp_path / "x.jpg", np.zeros((2, 2, 4)))  # JPEG has no alpha


@pytest.mark.parametrize("shape", [(2.9, 3, 3), "abc", (2, True, 3)])
def test_pixels_to_image_needs_integer_sizes(shape):
    with pytest.raises(TypeError, match="tuple of integers"):
        kl.pixels_to_image(np.zeros((6, 3)), shape)


def test_our_max_pixels_governs_not_pillows_own_limit(tmp_path, monkeypatch, rgb8):
    path = tmp_path / "p.png"
    Image.fromarray(rgb8).save(path)  # 40 x 56 = 2240 pixels
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # Pillow alone would refuse > 200
    assert kl.load_image(path, max_pixels=5000).shape == rgb8.shape
    assert Image.MAX_IMAGE_PIXELS == 100  # restored
    with pytest.raises(ImageLoadError, match="more than max_pixels=1,000"):
        kl.load_image(path, max_pixels=1000)


# ------------------------------------------------------- load_image_8bit (#13)


def _8bit_cases(rgb8):
    """(name, Pillow image, save options, whether the file is opaque 8-bit)."""
    grey = rgb8[:, :, 0]
    opaque_rgba = np.dstack([rgb8, np.full(grey.shape, 255, np.uint8)])
    see_through = opaque_rgba.copy()
    see_through[0, 0, 3] = 0
    return [
        ("rgb.png", Image.fromarray(rgb8), {}, True),
        ("grey.png", Image.fromarray(grey), {}, True),
        ("palette.png", Image.fromarray(rgb8).quantize(16), {}, True),
        ("photo.jpg", Image.fromarray(rgb8), {"quality": 90}, True),
        ("cmyk.jpg", Image.fromarray(rgb8).convert("CMYK"), {}, True),
        ("opaque-alpha.png", Image.fromarray(opaque_rgba), {}, True),
        ("see-through.png", Image.fromarray(see_through), {}, False),
        ("grey16.png", Image.fromarray(grey.astype(np.uint16) * 257), {}, False),
    ]


def test_load_image_8bit_is_load_image_in_8_bits(tmp_path, rgb8):
    from kmeans_lab.image_io import load_image_8bit

    for name, im, options, is_8bit in _8bit_cases(rgb8):
        path = tmp_path / name
        im.save(path, **options)
        reference = kl.load_image(path)
        got = load_image_8bit(path)
        assert got.shape == reference.shape, name
        if is_8bit:
            assert got.dtype == np.uint8, name
            np.testing.assert_array_equal(got / 255.0, reference, err_msg=name)
        else:  # 16 bits or transparency: the float image of load_image
            assert got.dtype == np.float64, name
            np.testing.assert_array_equal(got, reference, err_msg=name)


def test_load_image_8bit_applies_the_orientation_and_refuses_like_load_image(tmp_path):
    from kmeans_lab.image_io import load_image_8bit

    data = np.zeros((32, 48, 3), dtype=np.uint8)
    data[:16, :16] = [255, 0, 0]
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rot.jpg"
    Image.fromarray(data).save(path, exif=exif, quality=100)
    np.testing.assert_array_equal(load_image_8bit(path) / 255.0, kl.load_image(path))
    assert load_image_8bit(path).shape == (48, 32, 3)
    with pytest.raises(ImageLoadError, match="no such file"):
        load_image_8bit(tmp_path / "missing.png")
    with pytest.raises(ImageLoadError, match="max_pixels"):
        load_image_8bit(path, max_pixels=100)
    with pytest.raises(TypeError, match="path must be"):
        load_image_8bit(3)


# ------------------------------------------- PNG decoded a band of rows at a time


def _noisy_rgb(height, width, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


@pytest.mark.parametrize("shape", [(1, 1), (1, 300), (97, 5), (64, 81)])
def test_png_bands_equal_pillow(tmp_path, monkeypatch, shape):
    from kmeans_lab import _png_bands

    monkeypatch.setattr(_png_bands, "_BAND_PIXELS", 200)  # many bands, one row at most
    monkeypatch.setattr(_png_bands, "_READ", 333)  # chunks read in pieces
    data = _noisy_rgb(*shape)
    data[: shape[0] // 2] //= 17  # rows that compress: every PNG filter gets used
    path = tmp_path / "p.png"
    for options in ({}, {"compress_level": 0}, {"optimize": True}):
        Image.fromarray(data).save(path, **options)
        got = _png_bands.read_rgb8(path)
        np.testing.assert_array_equal(got, data)
    # one IDAT chunk holding the whole stream, as some encoders write it
    path.write_bytes(_png_bands._band_png(shape[1], shape[0], _filtered_none(data)))
    np.testing.assert_array_equal(_png_bands.read_rgb8(path), data)


def _filtered_none(data):
    rows = [b"\x00" + row.tobytes() for row in data]
    return b"".join(rows)


def test_png_bands_leave_other_files_to_pillow(tmp_path, rgb8):
    from kmeans_lab import _png_bands
    from kmeans_lab.image_io import load_image_8bit

    im = Image.fromarray(rgb8)
    exif = Image.Exif()
    exif[0x0112] = 6
    cases = {
        "grey.png": (im.convert("L"), {}),
        "rgba.png": (im.convert("RGBA"), {}),
        "palette.png": (im.quantize(16), {}),
        "trns.png": (im, {"transparency": (0, 0, 0)}),
        "exif.png": (im, {"exif": exif}),
        "photo.jpg": (im, {}),
    }
    for name, (image, options) in cases.items():
        path = tmp_path / name
        image.save(path, **options)
        assert _png_bands.read_rgb8(path) is None, name
        # and load_image_8bit still gives what Pillow gives
        reference = kl.load_image(path)
        got = load_image_8bit(path)
        np.testing.assert_array_equal(got / 255.0 if got.dtype == np.uint8 else got, reference)
    # an interlaced PNG (Pillow does not write them: the IHDR byte, its CRC redone)
    im.save(tmp_path / "rgb.png")
    data = bytearray((tmp_path / "rgb.png").read_bytes())
    data[28] = 1
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    (tmp_path / "interlaced.png").write_bytes(bytes(data))
    assert _png_bands.read_rgb8(tmp_path / "interlaced.png") is None
    data[28] = 0
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    (tmp_path / "rgb.png").write_bytes(bytes(data))
    np.testing.assert_array_equal(_png_bands.read_rgb8(tmp_path / "rgb.png"), rgb8)


def test_png_bands_return_none_for_damaged_files_which_pillow_then_reports(tmp_path, rgb8):
    from kmeans_lab import _png_bands
    from kmeans_lab.image_io import load_image_8bit

    path = tmp_path / "p.png"
    Image.fromarray(rgb8).save(path)
    good = path.read_bytes()
    idat = good.index(b"IDAT")
    damaged = {
        "truncated": good[: len(good) // 2],
        "no IEND": good[: good.index(b"IEND") - 4],
        "bad CRC": good[: idat + 10] + bytes([good[idat + 10] ^ 1]) + good[idat + 11 :],
    }
    for problem, data in damaged.items():
        path.write_bytes(data)
        assert _png_bands.read_rgb8(path) is None, problem
        # then Pillow decides, as for load_image (it does not check IDAT's CRC)
        try:
            reference = kl.load_image(path)
        except ImageLoadError as exc:
            with pytest.raises(ImageLoadError, match="cannot load image") as got:
                load_image_8bit(path)
            assert str(got.value) == str(exc)
        else:
            np.testing.assert_array_equal(load_image_8bit(path) / 255.0, reference)
    path.write_bytes(damaged["truncated"])
    with pytest.raises(ImageLoadError, match="truncated or damaged"):
        load_image_8bit(path)
    path.write_bytes(good)
    with pytest.raises(ImageLoadError, match="max_pixels"):
        load_image_8bit(path, max_pixels=100)
    assert load_image_8bit(path).dtype == np.uint8
