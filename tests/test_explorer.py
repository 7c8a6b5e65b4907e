"""The K-means explorer (kmeans_lab.explorer), driven headless: no browser, no kernel.

Every control is changed the way a student does (by setting its ``value``,
which fires the same observers as the slider in the browser), and the views
(PNG bytes, HTML readout, SVG curve) are checked against the library
computed independently.
"""

import io
import re
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

import kmeans_lab as kl
from kmeans_lab import kmeans
from kmeans_lab.compression import CompressedImage, compressed_bits
from kmeans_lab.explorer import KMeansExplorer, explore, intake, layout, model, render

COURSE_PIXELS = 128 * 128


# ----------------------------------------------------------------- helpers


def decode_png(data: bytes, scale: int = 1) -> np.ndarray:
    """PNG bytes -> (H, W, 3) floats, undoing an integer nearest-neighbour enlargement."""
    with Image.open(io.BytesIO(data)) as im:
        arr = np.asarray(im.convert("RGB"), dtype=np.float64) / 255.0
    return arr[::scale, ::scale]


def distinct_colours(image: np.ndarray) -> int:
    return len(np.unique(image.reshape(-1, 3), axis=0))


def encode(image: np.ndarray, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.round(image * 255).astype(np.uint8)).save(buf, format=fmt, **kw)
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (1-bit grey); its data is one empty IDAT."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def browser_upload(explorer, name, mime, data):
    """Deliver a file the way the browser does: a state message for FileUpload's value."""
    explorer.upload_button.set_state(
        {
            "value": [
                {
                    "name": name,
                    "type": mime,
                    "size": len(data),
                    "content": memoryview(data),
                    "last_modified": 1_700_000_000_000,
                },
            ]
        }
    )
    assert explorer.upload_button.value == (), "the upload button is cleared for the next file"


class CallCounter:
    """Wrap a function and count its calls."""

    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.fn(*args, **kwargs)


@pytest.fixture
def count_kmeans(monkeypatch):
    """Count every K-means step the explorer could run: inits, run_kmeans, assignments."""
    counters = {
        "run_kmeans": CallCounter(model.run_kmeans),
        "find_closest_centroids": CallCounter(kmeans.find_closest_centroids),
    }
    monkeypatch.setattr(model, "run_kmeans", counters["run_kmeans"])
    monkeypatch.setattr(kmeans, "find_closest_centroids", counters["find_closest_centroids"])
    for name, fn in list(kmeans.INIT_METHODS.items()):
        wrapped = CallCounter(fn)
        counters[f"init:{name}"] = wrapped
        monkeypatch.setitem(kmeans.INIT_METHODS, name, wrapped)

    def total():
        return sum(c.calls for c in counters.values() if isinstance(c, CallCounter))

    counters["total"] = total
    return counters


@pytest.fixture(scope="module")
def course():
    return kl.load_sample_image("course")


@pytest.fixture(scope="module")
def X(course):
    return kl.image_to_pixels(course)


@pytest.fixture
def explorer():
    return KMeansExplorer("course", K=16, iterations=10, init="k-means++", rng=0)


def reference(X, image, K, init, seed, iterations):
    """The same run through the library directly."""
    start = {"k-means++": kl.kmeans_plusplus, "random": kl.init_centroids}[init](
        X, K, np.random.default_rng(seed)
    )
    C, labels = kl.run_kmeans(X, start, iterations)
    compressed = CompressedImage.from_kmeans(C, labels, image.shape)
    return start, compressed, kl.psnr(image, compressed.reconstruct())


# ------------------------------------------------------------ initial state


def test_initial_state_matches_the_library(explorer, course, X):
    start, compressed, psnr = reference(X, course, 16, "k-means++", 0, 10)
    assert explorer.result.original_bits == 393_216
    assert explorer.result.compressed_bits == compressed.compressed_bits == 65_920
    assert explorer.result.psnr == pytest.approx(psnr, abs=1e-12)
    np.testing.assert_array_equal(explorer.result.compressed.palette, compressed.palette)
    np.testing.assert_array_equal(
        explorer.result.compressed.reconstruct(), compressed.reconstruct()
    )
    np.testing.assert_array_equal(explorer.result.history.centroids[0], start)
    assert explorer.result.compression_ratio == pytest.approx(393_216 / 65_920)

    text = explorer.readout.value
    for expected in (
        "393,216",
        "65,920",
        f"{393_216 / 65_920:.2f}",
        f"{psnr:.2f} dB",
        f"{explorer.result.distortion:.5f}",
        "10 of 10",
    ):
        assert expected in text, f"{expected!r} missing from the readout"
    assert explorer.message == ""
    # views hold images of the right size (128 x 128 shown at 2x)
    assert decode_png(explorer.original_view.value).shape == (256, 256, 3)
    np.testing.assert_array_equal(
        decode_png(explorer.original_view.value, 2), np.round(course * 255) / 255
    )
    np.testing.assert_array_equal(
        decode_png(explorer.compressed_view.value, 2), compressed.reconstruct()
    )
    np.testing.assert_array_equal(
        decode_png(explorer.palette_view.value, 16)[0], compressed.palette
    )


def test_summary_gives_rounded_numbers(explorer):
    s = explorer.result.summary()
    assert s["K"] == 16 and s["compressed_bits"] == 65_920 and s["original_bits"] == 393_216
    assert s["psnr_db"] == round(explorer.result.psnr, 2)
    assert s["ratio"] == round(393_216 / 65_920, 2)
    assert s["distortion"] == round(explorer.result.distortion, 6)


def test_explore_returns_a_displayable_explorer():
    explorer = explore("course", K=8, iterations=2)
    assert isinstance(explorer, KMeansExplorer)
    assert explorer.result.K == 8 and explorer.result.iterations == 2
    bundle = explorer._repr_mimebundle_()
    assert (
        bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id
    )


def test_bad_constructor_arguments_raise_clearly():
    with pytest.raises(ValueError, match="init must be one of"):
        KMeansExplorer(init="kmeans")
    with pytest.raises(ValueError, match="unknown sample image"):
        KMeansExplorer("no-such-photo")


# ----------------------------------------------------------------- controls


def test_K_slider_trades_quality_for_bits(explorer, course, X):
    psnr16, bits16 = explorer.result.psnr, explorer.result.compressed_bits
    readout16, image16 = explorer.readout.value, explorer.compressed_view.value
    explorer.K_slider.value = 2
    assert explorer.result.K == 2
    _, compressed, psnr = reference(X, course, 2, "k-means++", 0, 10)
    assert explorer.result.psnr == pytest.approx(psnr, abs=1e-12)
    assert explorer.result.psnr < psnr16 - 3  # far fewer colours: clearly worse
    assert explorer.result.compressed_bits == compressed_bits(COURSE_PIXELS, 2) == 16_432 < bits16
    assert explorer.readout.value != readout16 and "16,432" in explorer.readout.value
    assert explorer.compressed_view.value != image16
    assert distinct_colours(decode_png(explorer.compressed_view.value)) <= 2


@pytest.mark.parametrize("K", [1, 3, 16, 64, 256])
def test_compressed_image_has_at_most_K_colours(explorer, K):
    explorer.configure(K=K, iterations=3)
    assert explorer.result.K == K
    assert distinct_colours(explorer.result.compressed.reconstruct()) <= K
    assert distinct_colours(decode_png(explorer.compressed_view.value, 2)) <= K
    n_colours = explorer.result.compressed.palette.shape[0]
    assert n_colours <= K
    assert explorer.result.compressed_bits == compressed_bits(COURSE_PIXELS, n_colours)


def test_iterations_slider_changes_history_curve_and_scrubber(explorer):
    explorer.iterations_slider.value = 0
    assert explorer.result.history.n_iter == 0 and explorer.iteration_slider.max == 0
    assert "0 of 0" in explorer.readout.value
    explorer.iterations_slider.value = 20
    d = np.array(explorer.result.history.distortion)
    assert (
        len(d) == 21
        and explorer.iteration_slider.max == 20
        and explorer.iteration_slider.value == 20
    )
    assert np.all(np.diff(d) <= 1e-12), "distortion must never increase"
    points = re.search(r'<polyline points="([^"]+)"', explorer.curve.value).group(1).split()
    assert len(points) == 21
    # the curve goes down: SVG y grows downwards
    assert float(points[-1].split(",")[1]) > float(points[0].split(",")[1])
    assert explorer.result.distortion == pytest.approx(d[-1])


def test_init_and_seed_change_the_starting_centroids(explorer, X):
    np.testing.assert_array_equal(
        explorer.result.history.centroids[0], kl.kmeans_plusplus(X, 16, np.random.default_rng(0))
    )
    explorer.init_buttons.value = "random"
    np.testing.assert_array_equal(
        explorer.result.history.centroids[0], kl.init_centroids(X, 16, np.random.default_rng(0))
    )
    assert "random, seed 0" in explorer.readout.value
    explorer.seed_box.value = 5
    np.testing.assert_array_equal(
        explorer.result.history.centroids[0], kl.init_centroids(X, 16, np.random.default_rng(5))
    )
    assert "random, seed 5" in explorer.readout.value


def test_configure_sets_several_controls_with_one_computation(explorer, count_kmeans):
    explorer.configure(K=5, iterations=4, init="random", rng=3)
    assert count_kmeans["run_kmeans"].calls == 1
    assert explorer.result.key == ("sample:course", 5, "random", 3, 4)
    with pytest.raises(TypeError, match="unknown setting"):
        explorer.configure(k=3)


# ---------------------------------------------------------------- scrubbing


def test_scrubbing_to_iteration_0_shows_the_initial_centroids(explorer, course, X, count_kmeans):
    initial = kl.kmeans_plusplus(X, 16, np.random.default_rng(0))
    count_kmeans["find_closest_centroids"].calls = 0  # the reference above is not the explorer's
    final_view = explorer.compressed_view.value
    explorer.iteration_slider.value = 0
    frame = explorer.frame
    assert frame.iteration == 0
    np.testing.assert_array_equal(frame.centroids, initial)
    labels0 = kmeans.find_closest_centroids.fn(X, initial)
    np.testing.assert_array_equal(frame.labels, labels0)
    expected = CompressedImage.from_kmeans(initial, labels0, course.shape).reconstruct()
    np.testing.assert_array_equal(decode_png(explorer.compressed_view.value, 2), expected)
    assert explorer.compressed_view.value != final_view
    assert "0 of 10" in explorer.readout.value and f"{frame.psnr:.2f} dB" in explorer.readout.value
    assert 'class="current"' in explorer.curve.value and "iteration 0:" in explorer.curve.value
    # scrubbing through every stored iteration runs no K-means at all
    for it in range(11):
        explorer.iteration_slider.value = it
        assert explorer.frame.distortion == explorer.result.history.distortion[it]
    assert count_kmeans["total"]() == 0
    # the final result itself is untouched by scrubbing
    assert explorer.frame.iteration == 10 and explorer.compressed_view.value == final_view


def test_show_iteration_rejects_out_of_range(explorer):
    with pytest.raises(ValueError, match="between 0 and 10"):
        explorer.show_iteration(11)


# -------------------------------------------------------------------- cache


def test_cache_returns_identical_results_without_recomputing(explorer, count_kmeans):
    first = explorer.result
    view = explorer.compressed_view.value
    explorer.K_slider.value = 8
    assert count_kmeans["run_kmeans"].calls == 1
    explorer.K_slider.value = 16
    assert count_kmeans["run_kmeans"].calls == 1, (
        "K=16 was computed at start-up: must come from the cache"
    )
    assert explorer.result is first
    assert explorer.compressed_view.value == view
    hits = explorer.cache.hits
    explorer.K_slider.value = 8
    explorer.K_slider.value = 16
    assert count_kmeans["run_kmeans"].calls == 1 and count_kmeans["total"]() == 1 + 11 + 1
    assert explorer.cache.hits == hits + 2


# ------------------------------------------------------------------- images


def test_image_dropdown_switches_to_a_bundled_photo(explorer, count_kmeans):
    course_view = explorer.original_view.value
    explorer.image_dropdown.value = "sample:chelsea"
    assert explorer.result.image.key == "sample:chelsea"
    assert explorer.result.image.image.shape == (
        170,
        256,
        3,
    )  # 451 x 300 shrunk to the working size
    assert explorer.original_view.value != course_view
    assert "451 x 300" in explorer.note.value and "256 x 170" in explorer.note.value
    assert f"{256 * 170:,} pixels" in explorer.readout.value
    assert explorer.result.original_bits == 24 * 256 * 170
    explorer.image_dropdown.value = "sample:course"
    assert count_kmeans["run_kmeans"].calls == 1  # the course result came from the cache
    assert explorer.original_view.value == course_view


def test_K_is_limited_by_the_number_of_pixels():
    tiny = np.random.default_rng(0).random((3, 3, 3))
    explorer = KMeansExplorer(tiny, K=16, iterations=2)
    assert explorer.K_slider.options == (1, 2, 4, 8, 9) and explorer.result.K == 9
    assert distinct_colours(explorer.result.compressed.reconstruct()) <= 9
    explorer.K_slider.value = 4
    assert explorer.result.K == 4
    explorer.configure(image="course")  # back to a large image: every stop again
    assert explorer.K_slider.options == layout.K_STOPS and explorer.result.K == 4


def test_K_slider_moves_in_powers_of_two(explorer):
    assert explorer.K_slider.options == (1, 2, 4, 8, 16, 32, 64, 128, 256)
    assert explorer.K_slider.value == 16
    # one step to the right, as an arrow key does: K doubles, one more bit a pixel
    explorer.K_slider.index += 1
    assert explorer.result.K == 32
    assert explorer.result.compressed_bits == compressed_bits(COURSE_PIXELS, 32)
    assert explorer.result.compressed_bits - compressed_bits(COURSE_PIXELS, 16) == (
        COURSE_PIXELS + 24 * 16
    )
    # half the slider is K <= 16, where the picture changes most
    half = len(explorer.K_slider.options) // 2
    assert explorer.K_slider.options[half] == 16


def test_any_K_can_still_be_set_from_code(explorer):
    explorer.configure(K=10)
    assert explorer.result.K == 10 and explorer.K_slider.value == 10
    assert explorer.K_slider.options == (1, 2, 4, 8, 10, 16, 32, 64, 128, 256)
    explorer.K_slider.value = 16
    assert explorer.result.K == 16
    with pytest.raises(Exception, match="Invalid selection"):
        explorer.K_slider.value = 12  # not a stop: the slider refuses it, configure takes it
    assert KMeansExplorer(K=3, iterations=1).K_slider.value == 3
    assert KMeansExplorer(K=1000, iterations=1).result.K == 256  # at most 256, as before
    with pytest.raises(ValueError, match="K"):
        KMeansExplorer(K=0)


def test_K_options():
    assert layout.K_options(128 * 128) == list(layout.K_STOPS)
    assert layout.K_options(2) == [1, 2]
    assert layout.K_options(1) == [1]
    assert layout.K_options(300, K=200) == [1, 2, 4, 8, 16, 32, 64, 128, 200, 256]
    assert layout.K_options(100, K=200) == [1, 2, 4, 8, 16, 32, 64, 100]  # K over the limit


def test_readout_and_captions_say_one_colour_in_the_singular(explorer):
    explorer.configure(K=1, iterations=0)
    assert "1 (1 distinct colour used)" in explorer.readout.value
    assert "(1 colour, iteration 0/0)" in explorer.compressed_caption.value
    assert "(1 colour in use of K = 1;" in explorer.palette_caption.value
    explorer.configure(K=2)
    assert "2 (2 distinct colours used)" in explorer.readout.value
    assert "(2 colours, iteration 0/0)" in explorer.compressed_caption.value
    assert render.tradeoff_progress_text(0, 1) == "computing 1 value of K..."
    assert render.tradeoff_progress_text(1, 8) == "computed 1 of 8 values of K"


# ------------------------------------------------------------------ uploads


def test_upload_png_is_used_exactly(explorer, course):
    data = encode(course, "PNG")
    assert explorer.load_upload("my_cat.png", data) is True
    assert explorer.result.image.key.startswith("upload:my_cat.png:")
    assert explorer.image_dropdown.value == explorer.result.image.key
    assert ("upload: my_cat.png", explorer.result.image.key) in explorer.image_dropdown.options
    np.testing.assert_array_equal(explorer.result.image.image, np.round(course * 255) / 255)
    assert explorer.result.compressed_bits == 65_920
    assert "loaded 'my_cat.png' (128 x 128 px)" in explorer.message


def test_upload_jpeg_through_the_upload_button(explorer, course):
    data = encode(course, "JPEG", quality=90)
    browser_upload(explorer, "photo.jpg", "image/jpeg", data)
    assert explorer.result.image.key.startswith("upload:photo.jpg:")
    assert explorer.result.image.image.shape == (128, 128, 3)
    assert np.mean(np.abs(explorer.result.image.image - course)) < 0.02  # JPEG is lossy, but close
    assert explorer.result.image.key == explorer.image_dropdown.value
    assert "loaded 'photo.jpg'" in explorer.message


def test_large_upload_is_shrunk_to_the_working_size(explorer):
    big = np.random.default_rng(1).random((300, 600, 3))
    assert explorer.load_upload("wide.png", encode(big, "PNG"))
    assert explorer.result.image.image.shape == (128, 256, 3)
    assert "shrunk to 256 x 128 px" in explorer.message
    assert "600 x 300" in explorer.note.value and "at most 256 px" in explorer.note.value


def test_large_jpeg_upload_is_decoded_small(explorer, course):
    big = np.kron(course, np.ones((12, 12, 1)))  # 1536 x 1536
    assert explorer.load_upload("big.jpg", encode(big, "JPEG", quality=85))
    assert explorer.result.image.image.shape == (256, 256, 3)
    assert explorer.result.image.source_size == (1536, 1536)


def _assert_refused_and_still_usable(explorer, ok, expected_message):
    assert ok is False
    assert re.search(expected_message, explorer.message), explorer.message
    assert explorer.image_dropdown.value == explorer.result.image.key == "sample:course"
    assert explorer.image_keys == [f"sample:{n}" for n in kl.sample_image_names()]
    # the previous image still works
    psnr16 = explorer.result.psnr
    explorer.K_slider.value = 4
    assert explorer.result.image.key == "sample:course" and explorer.result.psnr < psnr16
    assert explorer.message == ""


def test_upload_of_garbage_shows_a_message(explorer):
    ok = explorer.load_upload("notes.txt", b"this is not an image at all")
    _assert_refused_and_still_usable(
        explorer, ok, r"cannot load upload 'notes.txt': not an image file"
    )


def test_upload_of_an_empty_file_shows_a_message(explorer):
    ok = explorer.load_upload("empty.png", b"")
    _assert_refused_and_still_usable(explorer, ok, r"'empty.png': the file is empty \(0 bytes\)")


def test_upload_of_a_huge_image_is_refused_from_its_header(explorer):
    data = png_header_only(20000, 20000)
    assert len(data) < 100
    ok = explorer.load_upload("huge.png", data)
    _assert_refused_and_still_usable(
        explorer,
        ok,
        r"'huge.png': the image is 20000 x 20000 = 400,000,000 pixels, more than max_pixels=50,000,000",
    )


def test_upload_of_a_real_huge_png_is_refused(explorer):
    buf = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buf, format="PNG")  # 400 Mpixel, small on disk
    ok = explorer.load_upload("huge_real.png", buf.getvalue())
    _assert_refused_and_still_usable(explorer, ok, r"400,000,000 pixels, more than max_pixels")


def test_upload_over_a_custom_pixel_limit(course):
    explorer = KMeansExplorer(max_pixels=10_000, iterations=2)
    ok = explorer.load_upload("cat.png", encode(course, "PNG"))
    _assert_refused_and_still_usable(
        explorer, ok, r"128 x 128 = 16,384 pixels, more than max_pixels=10,000"
    )


def test_upload_of_a_truncated_png_shows_a_message(explorer, course):
    data = encode(course, "PNG")
    ok = explorer.load_upload("cut.png", data[: len(data) // 2])
    _assert_refused_and_still_usable(
        explorer, ok, r"'cut.png': the file is (truncated or )?damaged"
    )


def test_garbage_through_the_upload_button_raises_nothing(explorer):
    browser_upload(explorer, "x.bin", "", b"\x00\x01\x02\x03")
    _assert_refused_and_still_usable(
        explorer, False, r"cannot load upload 'x.bin': not an image file"
    )


def test_an_unexpected_failure_becomes_a_message(explorer, monkeypatch):
    def broken(*args, **kwargs):
        raise MemoryError("out of memory in the test")

    monkeypatch.setattr(model, "run_kmeans", broken)
    explorer.K_slider.value = 2  # must not raise
    assert "MemoryError: out of memory in the test" in explorer.message
    monkeypatch.undo()
    explorer.K_slider.value = 4
    assert explorer.result.K == 4 and explorer.message == ""


# ---------------------------------------------------------------- trade-off


def test_tradeoff_is_computed_on_demand_with_progress_and_cached(course, count_kmeans):
    explorer = KMeansExplorer(iterations=5)
    assert (
        explorer.tradeoff_plot.value == b"" and "Press the button" in explorer.tradeoff_status.value
    )
    assert explorer.tradeoff_plot.layout.display == "none"
    seen = []
    explorer.tradeoff_progress.observe(lambda change: seen.append(change["new"]), names="value")
    explorer.tradeoff_button.click()
    Ks = list(model.TRADEOFF_KS)
    assert seen == list(range(1, len(Ks) + 1))
    assert explorer.tradeoff_progress.value == explorer.tradeoff_progress.max == len(Ks)
    table = explorer.compute_tradeoff()
    assert table.K.tolist() == Ks
    assert np.all(np.diff(table.psnr) > 0), "more colours must give a higher PSNR here"
    assert table.compressed_bits.tolist() == [compressed_bits(COURSE_PIXELS, K) for K in Ks]
    # the K = 16 row is the explorer's own result (same cache)
    assert table.psnr[Ks.index(16)] == explorer.result.psnr
    assert explorer.tradeoff_plot.layout.display is None
    with Image.open(io.BytesIO(explorer.tradeoff_plot.value)) as im:
        assert im.size[0] > 300
    assert (
        "<b>" not in explorer.tradeoff_table.value
        and explorer.tradeoff_table.value.count("<tr") == len(Ks) + 1
    )
    assert 'style="font-weight: bold"><td>16</td>' in explorer.tradeoff_table.value
    runs = count_kmeans["run_kmeans"].calls
    assert runs == len(Ks)  # K = 16 at start-up + the 7 others
    explorer.tradeoff_button.click()
    explorer.K_slider.value = 32  # in the table's cache: no new run, bold row moves
    assert count_kmeans["run_kmeans"].calls == runs
    assert 'style="font-weight: bold"><td>32</td>' in explorer.tradeoff_table.value
    explorer.seed_box.value = 1  # another setting: the view asks for a new computation
    assert (
        explorer.tradeoff_plot.value == b"" and "Press the button" in explorer.tradeoff_status.value
    )
    explorer.seed_box.value = 0
    assert explorer.tradeoff_plot.value != b""


# ---------------------------------------------------------- core functions


def test_decode_upload_applies_exif_orientation(course):
    im = Image.fromarray(np.round(course[:, :64] * 255).astype(np.uint8))  # 64 wide, 128 high
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    buf = io.BytesIO()
    im.save(buf, format="JPEG", exif=exif, quality=95)
    image = intake.decode_upload("rotated.jpg", buf.getvalue())
    assert image.image.shape == (64, 128, 3)


def test_decode_upload_composites_transparency_on_white():
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)  # fully transparent black
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    image = intake.decode_upload("clear.png", buf.getvalue())
    np.testing.assert_array_equal(image.image, np.ones((4, 4, 3)))


def test_decode_upload_rejects_non_bytes():
    with pytest.raises(TypeError, match="data must be bytes"):
        intake.decode_upload("x.png", "not bytes")


def test_same_name_different_content_gets_a_different_key(course):
    a = intake.decode_upload("a.png", encode(course, "PNG"))
    b = intake.decode_upload("a.png", encode(1 - course, "PNG"))
    assert a.key != b.key


# ------------------------------------------------- rng, and seed= its old name


def test_rng_is_the_seed_of_every_run(X):
    image = intake.load_sample()
    result = model.compute_result(image, 4, "random", 3, 2)  # positional, as before
    np.testing.assert_array_equal(
        result.history.centroids[0], kl.init_centroids(X, 4, np.random.default_rng(3))
    )
    assert result.seed == 3 and result.key == ("sample:course", 4, "random", 3, 2)
    assert model.compute_result(image, K=4, init="random", rng=3, iterations=2).psnr == result.psnr
    with pytest.raises(TypeError, match="rng must be an int seed >= 0 here, not a Generator"):
        model.compute_result(image, 4, "random", np.random.default_rng(3), 2)
    with pytest.raises(ValueError, match="rng must be at least 0"):
        model.compute_result(image, 4, "random", -1, 2)
    with pytest.raises(TypeError, match="rng must be an integer"):
        model.compute_result(image, 4, "random", iterations=2)  # rng is required


def _deprecated_seed(call):
    """Run ``call()``; it must warn once that seed= is deprecated, from this file."""
    with pytest.warns(DeprecationWarning, match="seed= is deprecated") as record:
        value = call()
    assert len(record) == 1 and record[0].filename == __file__, "the warning points at the caller"
    return value


def test_seed_is_a_deprecated_alias_of_rng_in_the_model():
    image = intake.load_sample()
    old = _deprecated_seed(
        lambda: model.compute_result(image, K=4, init="random", seed=3, iterations=2)
    )
    assert old.seed == 3 and old.psnr == model.compute_result(image, 4, "random", 3, 2).psnr
    cache = model.ResultCache()
    assert _deprecated_seed(lambda: cache.get(image, 4, "random", seed=3, iterations=2)).seed == 3
    table = _deprecated_seed(
        lambda: model.compute_tradeoff(image, "random", seed=3, iterations=2, Ks=(2, 4))
    )
    assert table.seed == 3 and table.K.tolist() == [2, 4]
    for call in (
        lambda: model.compute_result(image, 4, "random", 1, 2, seed=3),
        lambda: cache.get(image, 4, "random", rng=1, iterations=2, seed=3),
        lambda: model.compute_tradeoff(image, "random", 1, 2, seed=3),
    ):
        with pytest.raises(TypeError, match="give rng= only"):
            call()


def test_seed_is_a_deprecated_alias_of_rng_in_the_app():
    explorer = _deprecated_seed(lambda: KMeansExplorer(K=4, iterations=2, seed=5))
    assert explorer.seed_box.value == 5 and explorer.result.seed == 5
    assert _deprecated_seed(lambda: explore(K=4, iterations=2, seed=6)).result.seed == 6
    _deprecated_seed(lambda: explorer.configure(seed=7))
    assert explorer.result.seed == 7 and "seed 7" in explorer.readout.value
    with pytest.raises(TypeError, match="KMeansExplorer: give rng= only"):
        KMeansExplorer(rng=1, seed=2)
    with pytest.raises(TypeError, match="explore: give rng= only"):
        explore(rng=1, seed=2)
    with pytest.raises(TypeError, match="configure: give rng= only"):
        explorer.configure(rng=1, seed=2)
    assert KMeansExplorer(K=4, iterations=2).result.seed == 0, "the default seed is still 0"


def test_the_explorer_package_imports_ipywidgets_only_for_the_app():
    import subprocess
    import sys

    code = (
        "import sys, kmeans_lab, kmeans_lab.explorer; from kmeans_lab.explorer import render; "
        "assert 'ipywidgets' not in sys.modules, 'imported too early'; "
        "kmeans_lab.explore; assert 'ipywidgets' in sys.modules"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
