"""The kmeans-lab command line: success, and one clear line for every error."""

import os
import shutil
import struct
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import kmeans_lab as kl
from kmeans_lab.cli import build_parser, main
from kmeans_lab.fast.palette import DEFAULT_MAX_ITER

COURSE = kl.sample_image_path("course")


@pytest.fixture
def photo(tmp_path):
    """A copy of the course image, and its bytes to check it is never changed."""
    path = tmp_path / "photo.png"
    shutil.copyfile(COURSE, path)
    return path


def run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_error_line(status, err, expected_status, *fragments):
    assert status == expected_status
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert lines[0].startswith("kmeans-lab: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


# -------------------------------------------------------------------- success


@pytest.mark.parametrize("dither", [False, True])
def test_compress_writes_an_indexed_png_with_at_most_K_colours(photo, tmp_path, capsys, dither):
    before = photo.read_bytes()
    out = tmp_path / "out.png"
    argv = ["compress", str(photo), "-k", "16", "-o", str(out)] + (["--dither"] if dither else [])
    status, stdout, stderr = run(argv, capsys)
    assert status == 0, stderr
    assert photo.read_bytes() == before  # the input is untouched
    with Image.open(out) as im:
        assert im.format == "PNG" and im.mode == "P" and im.size == (128, 128)
        indices = np.asarray(im)
        palette = np.asarray(im.getpalette("RGB")).reshape(-1, 3)
    assert len(np.unique(indices)) <= 16 and len(palette) <= 16
    # what it reports is what it wrote
    original = kl.load_image(photo)
    written = kl.load_image(out)
    assert len(np.unique(written.reshape(-1, 3), axis=0)) <= 16
    assert f"PSNR:    {kl.psnr(original, written):.2f} dB" in stdout
    assert f"{out.stat().st_size:,} bytes" in stdout
    assert f"{photo.stat().st_size:,} bytes" in stdout
    assert "original 393,216" in stdout and "compressed 65,920" in stdout
    assert "time:" in stdout
    # progress of every K-means round on stderr
    assert f"K-means round 0/{DEFAULT_MAX_ITER}, distortion" in stderr


def test_dithering_lowers_psnr_but_keeps_the_palette(photo, tmp_path, capsys):
    plain, dithered = tmp_path / "plain.png", tmp_path / "dithered.png"
    assert main(["compress", str(photo), "-k", "8", "-o", str(plain), "--quiet"]) == 0
    assert (
        main(["compress", str(photo), "-k", "8", "-o", str(dithered), "--dither", "--quiet"]) == 0
    )
    capsys.readouterr()
    original = kl.load_image(photo)
    a, b = kl.load_image(plain), kl.load_image(dithered)
    colours = lambda img: {tuple(c) for c in np.round(img.reshape(-1, 3) * 255).astype(int)}
    assert colours(b) <= colours(a)  # the dithered image only uses the K-means colours
    assert kl.psnr(original, b) < kl.psnr(original, a)
    assert not np.array_equal(a, b)


def test_quiet_same_seed_same_output_and_options(photo, tmp_path, capsys):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    common = ["-k", "5", "--seed", "3", "--init", "random", "--max-iter", "4", "--quiet"]
    assert main(["compress", str(photo), "-o", str(a)] + common) == 0
    assert main(["compress", str(photo), "-o", str(b)] + common) == 0
    out, err = capsys.readouterr()
    assert err == ""  # --quiet: no progress
    assert a.read_bytes() == b.read_bytes()
    assert "in 4 rounds" in out or "rounds" in out
    with Image.open(a) as im:
        assert len(np.unique(np.asarray(im))) <= 5


def test_force_replaces_an_existing_output(photo, tmp_path, capsys):
    out = tmp_path / "out.png"
    out.write_bytes(b"old")
    status, _, err = run(
        ["compress", str(photo), "-k", "2", "-o", str(out), "--force", "--quiet"], capsys
    )
    assert status == 0, err
    with Image.open(out) as im:
        assert im.mode == "P"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".kmeans-lab-")] == []


def test_jpeg_input_and_uppercase_png_extension(tmp_path, capsys):
    out = tmp_path / "OUT.PNG"
    status, _, err = run(
        ["compress", str(kl.sample_image_path("course_jpeg")), "-k", "4", "-o", str(out)], capsys
    )
    assert status == 0, err
    with Image.open(out) as im:
        assert im.mode == "P"


def test_help_documents_every_option(capsys):
    status = main(["compress", "--help"])
    out = capsys.readouterr().out
    assert status == 0
    for option in [
        "INPUT",
        "-k",
        "--colors",
        "-o",
        "--output",
        "--max-iter",
        "--seed",
        "--init",
        "k-means++",
        "random",
        "--dither",
        "--force",
        "--quiet",
        "--max-pixels",
    ]:
        assert option in out
    compress = next(a for a in build_parser()._actions if a.dest == "command").choices["compress"]
    for action in compress._actions:
        assert action.help, f"option {action.option_strings or action.dest} has no help text"
    assert main(["--help"]) == 0
    assert "compress" in capsys.readouterr().out


def test_console_script_is_installed_and_runs(photo, tmp_path):
    script = Path(sys.executable).parent / "kmeans-lab"
    assert script.exists(), "pip install -e . installs the kmeans-lab console script"
    out = tmp_path / "out.png"
    done = subprocess.run(
        [str(script), "compress", str(photo), "-k", "16", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "PSNR" in done.stdout and out.exists()
    failed = subprocess.run(
        [str(script), "compress", str(photo), "-k", "0", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert_one_error_line(failed.returncode, failed.stderr, 2, "K must be from 1 to 256")


# --------------------------------------------------------------------- errors


@pytest.mark.parametrize("k", ["0", "257", "-3", "sixteen", "2.5"])
def test_K_out_of_range(photo, tmp_path, capsys, k):
    status, _, err = run(["compress", str(photo), "-k", k, "-o", str(tmp_path / "o.png")], capsys)
    assert_one_error_line(status, err, 2, "-k/--colors", "K must be")
    assert not (tmp_path / "o.png").exists()


@pytest.mark.parametrize(
    "argv, fragment",
    [
        ([], "required"),
        (["compress"], "required"),
        (["compress", "x.png", "-k", "4"], "-o/--output"),
        (["squash", "x.png"], "invalid choice"),
        (["compress", "x.png", "-k", "4", "-o", "y.png", "--init", "kmeans"], "invalid choice"),
        (
            ["compress", "x.png", "-k", "4", "-o", "y.png", "--max-iter", "-1"],
            "--max-iter must be 0 or more",
        ),
        (
            ["compress", "x.png", "-k", "4", "-o", "y.png", "--seed", "abc"],
            "--seed must be a whole number",
        ),
        (["compress", "x.png", "-k", "4", "-o", "y.png", "--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_command_lines(capsys, argv, fragment):
    status, _, err = run(argv, capsys)
    assert_one_error_line(status, err, 2, fragment)


def test_missing_input(tmp_path, capsys):
    status, _, err = run(
        ["compress", str(tmp_path / "nope.jpg"), "-k", "4", "-o", str(tmp_path / "o.png")], capsys
    )
    assert_one_error_line(status, err, 1, "nope.jpg", "no such file")


def test_input_is_a_directory(tmp_path, capsys):
    status, _, err = run(
        ["compress", str(tmp_path), "-k", "4", "-o", str(tmp_path / "o.png")], capsys
    )
    assert_one_error_line(status, err, 1, "is a directory")


def test_unsupported_file(tmp_path, capsys):
    text = tmp_path / "notes.png"
    text.write_text("these are not pixels\n")
    status, _, err = run(["compress", str(text), "-k", "4", "-o", str(tmp_path / "o.png")], capsys)
    assert_one_error_line(status, err, 1, "notes.png", "not an image file")


def test_truncated_file(tmp_path, capsys):
    cut = tmp_path / "cut.png"
    data = kl.sample_image_path("chelsea").read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    status, _, err = run(["compress", str(cut), "-k", "4", "-o", str(tmp_path / "o.png")], capsys)
    assert_one_error_line(status, err, 1, "cut.png", "truncated or damaged")
    assert not (tmp_path / "o.png").exists()


def _png_claiming_size(path, width, height):
    """A tiny PNG file whose header claims width x height pixels."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "width, height, fragment",
    [
        (10_000, 6_000, "60,000,000 pixels"),  # over our 50-megapixel limit
        (
            100_000,
            100_000,
            "10,000,000,000 pixels",
        ),  # over Pillow's own limit too: size read from the header
    ],
)
def test_huge_image_is_refused_before_decoding(tmp_path, capsys, width, height, fragment):
    bomb = tmp_path / "bomb.png"
    _png_claiming_size(bomb, width, height)  # a few bytes that claim a huge image
    status, _, err = run(["compress", str(bomb), "-k", "4", "-o", str(tmp_path / "o.png")], capsys)
    assert_one_error_line(status, err, 1, fragment, "max_pixels")


def test_max_pixels_option(photo, tmp_path, capsys):
    status, _, err = run(
        ["compress", str(photo), "-k", "4", "-o", str(tmp_path / "o.png"), "--max-pixels", "1000"],
        capsys,
    )
    assert_one_error_line(status, err, 1, "16,384 pixels")


def test_never_overwrites_the_input(photo, tmp_path, capsys, monkeypatch):
    before = photo.read_bytes()
    monkeypatch.chdir(tmp_path)
    link = tmp_path / "same.png"
    os.link(photo, link)  # a hard link: another name for the same file
    sym = tmp_path / "sym.png"
    sym.symlink_to(photo)
    for output in [str(photo), "photo.png", "./sub/../photo.png", str(link), str(sym)]:
        (tmp_path / "sub").mkdir(exist_ok=True)
        status, _, err = run(["compress", str(photo), "-k", "4", "-o", output, "--force"], capsys)
        assert_one_error_line(status, err, 1, "refusing to overwrite the input")
        assert photo.read_bytes() == before


def test_refuses_an_existing_output_without_force(photo, tmp_path, capsys):
    out = tmp_path / "out.png"
    out.write_bytes(b"keep me")
    status, _, err = run(["compress", str(photo), "-k", "4", "-o", str(out)], capsys)
    assert_one_error_line(status, err, 1, "already exists", "--force")
    assert out.read_bytes() == b"keep me"


@pytest.mark.parametrize("name", ["out.jpg", "out", "out.png.txt"])
def test_output_must_be_png(photo, tmp_path, capsys, name):
    status, _, err = run(["compress", str(photo), "-k", "4", "-o", str(tmp_path / name)], capsys)
    assert_one_error_line(status, err, 1, "must be a .png file")


def test_unwritable_output(photo, tmp_path, capsys):
    status, _, err = run(
        ["compress", str(photo), "-k", "4", "-o", str(tmp_path / "no" / "dir" / "o.png")], capsys
    )
    assert_one_error_line(status, err, 1, "does not exist")
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a directory")
    status, _, err = run(["compress", str(photo), "-k", "4", "-o", str(blocker / "o.png")], capsys)
    assert_one_error_line(status, err, 1, "cannot write")
    status, _, err = run(["compress", str(photo), "-k", "4", "-o", str(tmp_path / "d.png")], capsys)
    assert status == 0
    (tmp_path / "dir.png").mkdir()
    status, _, err = run(
        ["compress", str(photo), "-k", "4", "-o", str(tmp_path / "dir.png"), "--force"], capsys
    )
    assert_one_error_line(status, err, 1, "is a directory")


def test_write_failure_is_one_line(photo, tmp_path, capsys, monkeypatch):
    def disk_full(self, path, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kl.CompressedImage, "save_png", disk_full)
    out = tmp_path / "o.png"
    status, _, err = run(["compress", str(photo), "-k", "4", "-o", str(out), "--quiet"], capsys)
    assert_one_error_line(status, err, 1, "cannot write", "No space left on device")
    assert not out.exists()
    assert list(tmp_path.glob(".kmeans-lab-*")) == []  # no temporary file left behind


def test_seed_option_is_the_rng_of_fit_palette(photo, tmp_path, capsys):
    # --seed stays an int seed on the command line; it reaches the library as rng=
    out = tmp_path / "out.png"
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        status, _, err = run(
            ["compress", str(photo), "-k", "5", "-o", str(out), "--seed", "4", "--quiet"], capsys
        )
    assert status == 0, err
    expected = kl.quantize(kl.load_image(photo), 5, rng=4)
    np.testing.assert_array_equal(
        kl.CompressedImage.load_png(out).reconstruct(), expected.reconstruct()
    )


def test_reported_psnr_equals_the_library_psnr():
    from kmeans_lab._compress_command import _psnr
    from kmeans_lab.fast import quantize

    image = kl.load_sample_image("chelsea")
    c = quantize(image, 6, rng=0)
    assert _psnr(image, c, rows=7) == pytest.approx(kl.psnr(image, c.reconstruct()), rel=1e-12)
    exact = kl.CompressedImage.from_kmeans([[0.2, 0.4, 0.6]], np.zeros(4, int), (2, 2))
    assert _psnr(np.full((2, 2, 3), 0.2), exact) < 100
    assert _psnr(exact.reconstruct(), exact) == float("inf")


def test_reported_psnr_of_8bit_data_is_computed_in_integers():
    from kmeans_lab._compress_command import _psnr
    from kmeans_lab.fast import quantize

    image = kl.load_sample_image("chelsea")
    u8 = np.round(image * 255).astype(np.uint8)
    c = quantize(u8, 6, rng=0)
    assert _psnr(u8, c, rows=7) == pytest.approx(kl.psnr(image, c.reconstruct()), rel=1e-12)
    assert _psnr(u8, c) == pytest.approx(_psnr(image, c), rel=1e-12)
    exact = kl.CompressedImage.from_kmeans([[0.2, 0.4, 0.6]], np.zeros(4, int), (2, 2))
    assert _psnr(np.round(exact.reconstruct() * 255).astype(np.uint8), exact) == float("inf")


def test_compress_reads_8bit_files_as_8bit(photo, tmp_path, capsys, monkeypatch):
    # the command line never makes a float copy of an 8-bit photo
    import kmeans_lab._compress_command as command
    from kmeans_lab.fast import _two_loads

    monkeypatch.setattr(_two_loads, "KEEP_MAX_PIXELS", 0)  # the course image is small
    seen = []
    load = command.load_image_8bit
    monkeypatch.setattr(
        command, "load_image_8bit", lambda *a, **k: seen.append(load(*a, **k)) or seen[-1]
    )
    assert main(["compress", str(photo), "-k", "8", "-o", str(tmp_path / "o.png"), "--quiet"]) == 0
    capsys.readouterr()
    # loaded twice (to count the colours, then to label the pixels), 8-bit both times
    assert [image.dtype for image in seen] == [np.uint8, np.uint8]
    # with --dither the photo is loaded once and kept, as a small photo is
    seen.clear()
    argv = ["compress", str(photo), "-k", "8", "-o", str(tmp_path / "d.png"), "--dither", "--quiet"]
    assert main(argv) == 0
    assert len(seen) == 1
    monkeypatch.setattr(_two_loads, "KEEP_MAX_PIXELS", 128 * 128)
    seen.clear()
    assert main(["compress", str(photo), "-k", "8", "-o", str(tmp_path / "s.png"), "--quiet"]) == 0
    assert len(seen) == 1


def test_compress_gives_what_fit_palette_gives(photo, tmp_path, capsys, monkeypatch):
    # loading the photo twice (not keeping it during the rounds) changes nothing
    from kmeans_lab.fast import _two_loads
    from kmeans_lab.fast._two_loads import fit_palette_loading_twice

    monkeypatch.setattr(_two_loads, "KEEP_MAX_PIXELS", 0)
    from kmeans_lab.image_io import load_image_8bit

    u8 = load_image_8bit(photo)
    for K in (8, 300000):  # fitted, and more colours asked than the photo has
        fit, image = fit_palette_loading_twice(lambda: u8.copy(), K, rng=3)
        expected = kl.fit_palette(u8, K, rng=3)
        np.testing.assert_array_equal(image, u8)
        np.testing.assert_array_equal(fit.centroids, expected.centroids)
        np.testing.assert_array_equal(fit.labels, expected.labels)
        np.testing.assert_array_equal(fit.counts, expected.counts)
        assert (fit.inertia, fit.n_iter, fit.n_distinct) == (
            expected.inertia,
            expected.n_iter,
            expected.n_distinct,
        )
    out = tmp_path / "o.png"
    assert main(["compress", str(photo), "-k", "8", "-o", str(out), "--seed", "3", "--quiet"]) == 0
    written = kl.CompressedImage.load_png(out)
    expected = kl.fit_palette(u8, 8, rng=3).to_compressed()
    np.testing.assert_array_equal(written.labels, expected.labels)
    np.testing.assert_array_equal(written.palette, expected.palette)
    with pytest.raises(ValueError, match="changed between two loads"):
        shapes = iter([u8, u8[:-1]])
        fit_palette_loading_twice(lambda: next(shapes), 8)


def test_compress_refuses_a_photo_that_changes_while_it_runs(photo, tmp_path, capsys, monkeypatch):
    import kmeans_lab._compress_command as command
    from kmeans_lab.fast import _two_loads

    monkeypatch.setattr(_two_loads, "KEEP_MAX_PIXELS", 0)  # loaded twice
    load = command.load_image_8bit

    def load_and_touch(*a, **k):
        image = load(*a, **k)
        photo.write_bytes(photo.read_bytes() + b"\0")  # a different size next time
        return image

    monkeypatch.setattr(command, "load_image_8bit", load_and_touch)
    status, out, err = run(
        ["compress", str(photo), "-k", "8", "-o", str(tmp_path / "o.png")], capsys
    )
    assert status != 0
    assert "changed while it was being compressed" in err
    assert not (tmp_path / "o.png").exists()


def test_compress_checks_the_file_it_wrote(photo, tmp_path, capsys, monkeypatch):
    import kmeans_lab._compress_command as command

    real = command.CompressedImage.load_png

    def damaged(path, **k):
        c = real(path, **k)
        labels = c.labels.copy()
        labels[0, 0] = (labels[0, 0] + 1) % c.n_colors
        return command.CompressedImage(c.palette, labels, c.shape)

    monkeypatch.setattr(command.CompressedImage, "load_png", damaged)
    status, out, err = run(
        ["compress", str(photo), "-k", "8", "-o", str(tmp_path / "o.png")], capsys
    )
    assert status != 0
    assert "does not read back as it was written" in err


def test_compressed_in_place_equals_to_compressed(photo):
    from kmeans_lab.fast._two_loads import to_compressed_in_place
    from kmeans_lab.image_io import load_image_8bit

    u8 = load_image_8bit(photo)
    for K, writeable in [(8, True), (300, True), (8, False)]:  # the last one is copied
        fit = kl.fit_palette(u8, K, rng=1)
        expected = fit.to_compressed()
        labels = fit.labels.copy()
        fit.labels.flags.writeable = writeable
        got = to_compressed_in_place(fit, rows=7)
        np.testing.assert_array_equal(got.palette, expected.palette)
        np.testing.assert_array_equal(got.labels, expected.labels)
        assert got.labels.dtype == expected.labels.dtype
        assert (got.labels is fit.labels) == writeable
        if not writeable:
            np.testing.assert_array_equal(fit.labels, labels)  # untouched


def test_compress_writes_at_zlib_default_level_without_the_optimize_pass(
    photo, tmp_path, capsys, monkeypatch
):
    # Pillow's optimize pass costs up to seconds for files 0-6% smaller
    import kmeans_lab._compress_command as command

    calls = []
    save = command.CompressedImage.save_png
    monkeypatch.setattr(
        command.CompressedImage,
        "save_png",
        lambda self, path, **k: calls.append(k) or save(self, path, **k),
    )
    assert main(["compress", str(photo), "-k", "8", "-o", str(tmp_path / "o.png"), "--quiet"]) == 0
    assert calls == [{"optimize": False}]


def test_compress_says_what_it_left_out_of_the_input(tmp_path, capsys):
    # transparency and the frames after the first are not in the PNG written: the user is
    # told, with the numbers, and an input that loses nothing gets no note
    rng = np.random.default_rng(0)
    rgba = (rng.random((20, 30, 4)) * 255).astype(np.uint8)
    rgba[..., 3] = 255
    rgba[:5, :, 3] = 0  # 150 transparent pixels
    rgba[5, :7, 3] = 128  # 7 partly transparent
    Image.fromarray(rgba, "RGBA").save(tmp_path / "logo.png")
    opaque = rgba.copy()
    opaque[..., 3] = 255
    Image.fromarray(opaque, "RGBA").save(tmp_path / "opaque.png")
    frames = [Image.fromarray(np.roll(rgba[..., :3], i, axis=1)) for i in range(4)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])

    def notes(name):
        out = tmp_path / f"{name}.out.png"
        assert main(["compress", str(tmp_path / name), "-k", "4", "-o", str(out), "--quiet"]) == 0
        return [line for line in capsys.readouterr().out.splitlines() if line.startswith("note:")]

    assert notes("logo.png") == [
        "note:    157 of 600 pixels are transparent or partly so: composited on white "
        "(the PNG written is opaque)"
    ]
    assert notes("opaque.png") == []
    assert notes("anim.gif") == ["note:    anim.gif has 4 frames: only the first is compressed"]
