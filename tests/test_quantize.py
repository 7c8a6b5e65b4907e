"""kmeans_lab.fast (quantize, fit_palette, dither): the fast K-means gives the plain K-means result.

The reference is the course's float64 implementation (``run_kmeans`` on every
pixel). Speed is measured by ``benchmarks/``, not here.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import kmeans_lab as kl
from kmeans_lab import _threads as ft
from kmeans_lab.fast import PaletteFit, dither, fit_palette, print_progress, quantize
from kmeans_lab.fast import _bounds as fbounds
from kmeans_lab.fast import _colours as fc
from kmeans_lab.fast import _lloyd as fk
from kmeans_lab.fast import _search as fs
from kmeans_lab.fast import _seeding as fseed
from kmeans_lab.fast._corpus import corpus
from kmeans_lab.fast.palette import DEFAULT_PRESET, PRESETS


@pytest.fixture(scope="module")
def course():
    return kl.load_sample_image()


@pytest.fixture(scope="module")
def chelsea_small():
    """Chelsea at 151 x 100: 15,100 pixels, many distinct colours."""
    return kl.load_sample_image("chelsea")[::3, ::3]


def test_equals_plain_lloyd_from_the_same_initial_centroids(course):
    X = kl.image_to_pixels(course)
    C0 = kl.kmeans_plusplus(X, 16, np.random.default_rng(0))
    ref_centroids, ref_labels = kl.run_kmeans(X, C0, 10)
    fit = fit_palette(course, 16, init=C0, max_iter=10, tol=0)
    assert fit.n_iter == 10
    # weighted sums over distinct colours vs sums over pixels: rounding only
    np.testing.assert_allclose(fit.centroids, ref_centroids, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(fit.labels.reshape(-1), ref_labels)
    assert fit.inertia == pytest.approx(
        kl.distortion(X, ref_centroids, ref_labels) * X.shape[0], rel=1e-9
    )


@pytest.mark.parametrize("K, max_iter", [(1, 3), (2, 5), (5, 20), (40, 6)])
def test_equals_plain_lloyd_for_other_K(chelsea_small, K, max_iter):
    # K = 40 exercises the (rows, K) distance layout used for K > 32
    X = kl.image_to_pixels(chelsea_small)
    C0 = kl.init_centroids(X, K, np.random.default_rng(K))
    ref_centroids, ref_labels = kl.run_kmeans(X, C0, max_iter)
    fit = fit_palette(chelsea_small, K, init=C0, max_iter=max_iter, tol=0)
    np.testing.assert_allclose(fit.centroids, ref_centroids, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(fit.labels.reshape(-1), ref_labels)


def test_equals_plain_lloyd_on_float_data_off_the_8bit_grid(course):
    rng = np.random.default_rng(1)
    noisy = np.clip(course + rng.normal(0, 0.01, course.shape), 0, 1)
    X = kl.image_to_pixels(noisy)
    C0 = kl.kmeans_plusplus(X, 8, rng)
    ref_centroids, ref_labels = kl.run_kmeans(X, C0, 8)
    fit = fit_palette(noisy, 8, init=C0, max_iter=8, tol=0)
    assert fit.n_distinct is None  # not 8-bit data: every pixel is a point
    np.testing.assert_allclose(fit.centroids, ref_centroids, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(fit.labels.reshape(-1), ref_labels)


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.uint8,
        st.tuples(st.integers(1, 9), st.integers(1, 9), st.just(3)),
        elements=st.sampled_from([0, 1, 2, 127, 128, 255]),
    ),
    st.integers(1, 6),
    st.randoms(use_true_random=False),
)
def test_first_assignment_breaks_ties_like_the_reference(image, K, random):
    # tiny colour sets make exact ties frequent: the lowest index must win
    X = kl.image_to_pixels(image.astype(np.float64) / 255.0)
    n_distinct = len(np.unique(X, axis=0))
    if n_distinct <= K:
        return  # exact shortcut, covered elsewhere
    C0 = X[[random.randrange(len(X)) for _ in range(K)]]
    fit = fit_palette(image, K, init=C0, max_iter=0)
    np.testing.assert_array_equal(fit.labels.reshape(-1), kl.find_closest_centroids(X, C0))
    np.testing.assert_array_equal(fit.centroids, C0)


def test_uint8_float64_and_float32_inputs_give_the_same_result(chelsea_small):
    u8 = np.round(chelsea_small * 255).astype(np.uint8)
    results = [
        quantize(img, 12, rng=3)
        for img in (u8, u8 / 255.0, u8.astype(np.float32) / np.float32(255), chelsea_small)
    ]
    for other in results[1:]:
        np.testing.assert_array_equal(other.palette, results[0].palette)
        np.testing.assert_array_equal(other.labels, results[0].labels)


def test_result_is_a_valid_compressed_image(chelsea_small):
    c = quantize(chelsea_small, 16, rng=0)
    assert isinstance(c, kl.CompressedImage)
    assert c.shape == chelsea_small.shape
    assert c.labels.shape == chelsea_small.shape[:2] and c.labels.dtype == np.uint8
    assert c.n_colors == 16
    assert np.all(np.isfinite(c.palette)) and c.palette.min() >= 0 and c.palette.max() <= 1
    assert len(np.unique(c.palette, axis=0)) == c.n_colors  # no duplicate colour
    assert set(np.unique(c.labels)) == set(range(c.n_colors))  # every colour used
    np.testing.assert_array_equal(c.palette * 255, np.round(c.palette * 255))
    assert kl.psnr(chelsea_small, c.reconstruct()) > 25


def test_to_compressed_equals_from_kmeans(chelsea_small):
    fit = fit_palette(chelsea_small, 24, rng=5)
    expected = kl.CompressedImage.from_kmeans(fit.centroids, fit.labels, fit.shape)
    got = fit.to_compressed()
    np.testing.assert_array_equal(got.palette, expected.palette)
    np.testing.assert_array_equal(got.labels, expected.labels)
    assert got.labels.dtype == expected.labels.dtype and got.shape == expected.shape


def test_is_deterministic_for_a_seed(chelsea_small):
    a, b = quantize(chelsea_small, 8, rng=7), quantize(chelsea_small, 8, rng=7)
    np.testing.assert_array_equal(a.palette, b.palette)
    np.testing.assert_array_equal(a.labels, b.labels)
    g = fit_palette(chelsea_small, 8, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(g.centroids, fit_palette(chelsea_small, 8, rng=7).centroids)


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_lower_cost_than_random_palette_and_close_to_reference(course, init):
    X = kl.image_to_pixels(course)
    fit = fit_palette(course, 16, init=init, rng=0)
    random_palette = X[np.random.default_rng(0).choice(len(X), 16, replace=False)]
    random_cost = kl.distortion(X, random_palette, kl.find_closest_centroids(X, random_palette))
    assert fit.distortion < 0.6 * random_cost
    ref = kl.compress_image(course, 16, rng=0)
    assert kl.mse(course, quantize(course, 16, init=init, rng=0).reconstruct()) < 1.15 * kl.mse(
        course, ref.reconstruct()
    )


def test_inertia_and_counts_describe_the_labels(chelsea_small):
    fit = fit_palette(chelsea_small, 10, rng=2)
    X = kl.image_to_pixels(chelsea_small)
    labels = fit.labels.reshape(-1).astype(np.intp)
    np.testing.assert_array_equal(fit.counts, np.bincount(labels, minlength=10))
    assert fit.inertia == pytest.approx(kl.distortion(X, fit.centroids, labels) * len(X), rel=1e-9)
    # every pixel is labelled with its closest centroid (Lloyd's fixed point of the E-step)
    np.testing.assert_array_equal(labels, kl.find_closest_centroids(X, fit.centroids))


# --------------------------------------------------------------- few colours


def _blocks(colours, size=4):
    """An image made of size x size squares, one per colour (uint8)."""
    colours = np.asarray(colours, dtype=np.uint8)
    return np.repeat(np.repeat(colours[None], size, axis=0), size, axis=1)


@pytest.mark.parametrize("K", [5, 6, 16, 256])
def test_fewer_distinct_colours_than_K_gives_those_colours_exactly(K):
    colours = [[0, 0, 0], [255, 0, 0], [0, 255, 0], [10, 20, 30], [255, 255, 255]]
    image = _blocks(colours)
    for img in (image, image / 255.0):
        c = quantize(img, K)
        assert c.n_colors == 5
        assert np.all(np.isfinite(c.palette))
        assert len(np.unique(c.palette, axis=0)) == 5
        np.testing.assert_array_equal(c.reconstruct(), image / 255.0)
        assert kl.psnr(image / 255.0, c.reconstruct()) == float("inf")


def test_single_colour_image():
    image = np.full((6, 7, 3), 0.2)
    for K in (1, 3):
        fit = fit_palette(image, K)
        assert fit.centroids.shape == (1, 3) and fit.inertia == 0.0
        c = fit.to_compressed()
        assert c.n_colors == 1 and c.compressed_bits == 24  # 0 bits per index
        np.testing.assert_allclose(c.reconstruct(), np.round(image * 255) / 255)


def test_more_colours_asked_than_pixels():
    image = np.random.default_rng(0).random((3, 4, 3))  # 12 pixels, off the 8-bit grid
    fit = fit_palette(image, 256)
    assert fit.inertia == 0.0 and fit.centroids.shape == (12, 3)
    np.testing.assert_array_equal(fit.centroids[fit.labels], image)
    assert quantize(np.round(image * 255).astype(np.uint8), 256).n_colors == 12


def test_fewer_colours_than_K_off_the_grid():
    rng = np.random.default_rng(0)
    colours = rng.random((3, 3)) * 0.9 + 0.01  # not multiples of 1/255
    image = colours[rng.integers(3, size=(10, 10))]
    fit = fit_palette(image, 8, rng=0)
    assert fit.n_distinct is None
    assert np.all(np.isfinite(fit.centroids))
    assert fit.inertia == pytest.approx(0.0, abs=1e-10)  # computed from sums: rounding only
    c = fit.to_compressed()
    assert c.n_colors == 3
    np.testing.assert_allclose(c.reconstruct(), image, atol=0.5 / 255)


def test_empty_cluster_is_relocated_to_the_farthest_colour():
    rng = np.random.default_rng(0)
    centres = np.array([[30, 30, 30], [220, 40, 40], [40, 220, 40]])
    image = np.clip(
        centres[rng.integers(3, size=(30, 30))] + rng.integers(-6, 7, (30, 30, 3)), 0, 255
    )
    image = image.astype(np.uint8)
    X = kl.image_to_pixels(image / 255.0)
    # the third initial centroid (white) is the closest colour of no pixel
    C0 = np.array([[0.12, 0.12, 0.12], [0.5, 0.5, 0.15], [1.0, 1.0, 1.0]])
    assert 2 not in kl.find_closest_centroids(X, C0)
    ref_centroids, ref_labels = kl.run_kmeans(X, C0, 10)
    assert len(np.unique(ref_labels)) == 2  # plain Lloyd wastes a palette entry
    fit = fit_palette(image, 3, init=C0, max_iter=10, tol=0)
    assert np.all(fit.counts > 0)
    assert fit.to_compressed().n_colors == 3
    assert fit.inertia < 0.5 * kl.distortion(X, ref_centroids, ref_labels) * len(X)
    # it found the three colour groups
    found = np.sort(np.round(fit.centroids * 255).sum(axis=1))
    np.testing.assert_allclose(found, np.sort(centres.sum(axis=1)), atol=6)


def test_relocation_moves_the_farthest_point():
    X64 = np.array([[0.0, 0, 0], [0.1, 0, 0], [0.9, 0.9, 0.9], [0.5, 0.5, 0.5]])
    C = np.array([[0.05, 0.0, 0.0], [0.2, 0.2, 0.2], [0.0, 1.0, 0.0]])
    labels = np.array([0, 0, 1, 1])
    W = np.array([2.0, 2.0, 0.0])
    S = np.array([[0.1, 0, 0], [1.4, 1.4, 1.4], [0, 0, 0]])
    bounds = fbounds.Bounds(4, 3, max_iter=10)
    bounds.labels[:] = labels
    bounds.slack[:] = 1
    sums = fk.ClusterSums(W, S)
    assert fk._relocate_empty(fk.Points(X64=X64), C, bounds, sums)
    # point 2 ([0.9]*3) is the farthest from its centroid: it moves to cluster 2
    np.testing.assert_allclose(S[2], [0.9, 0.9, 0.9])
    np.testing.assert_allclose(S[1], [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(W, [2.0, 1.0, 1.0])
    np.testing.assert_array_equal(bounds.labels, [0, 0, 2, 1])  # moved with its weight
    np.testing.assert_array_equal(bounds.slack, [1, 1, -np.inf, 1])  # and will be re-examined
    # nothing empty: nothing moves
    assert not fk._relocate_empty(fk.Points(X64=X64), C, bounds, sums)


# ---------------------------------------------------------- seeding, options


def test_kmeans_plusplus_first_centre_follows_the_weights():
    X = np.array([[0.0, 0, 0], [1.0, 1, 1]])
    rng = np.random.default_rng(0)
    firsts = [
        fseed.kmeans_plusplus_weighted(X, np.array([1, 3]), 1, rng)[0, 0] for _ in range(4000)
    ]
    assert np.mean(firsts) == pytest.approx(0.75, abs=0.03)


def test_kmeans_plusplus_picks_distinct_colours_and_stops_when_all_are_taken():
    X = np.array([[0.0, 0, 0], [1.0, 0, 0], [0, 1.0, 0]])
    C = fseed.kmeans_plusplus_weighted(X, np.array([5, 1, 1]), 3, np.random.default_rng(1))
    assert len(np.unique(C, axis=0)) == 3
    C = fseed.kmeans_plusplus_weighted(
        X, np.array([5, 1, 1]), 3, np.random.default_rng(1), n_local_trials=1
    )
    assert len(np.unique(C, axis=0)) == 3
    X2 = np.array([[0.0, 0, 0], [0.0, 0, 0], [1.0, 0, 0]])
    assert fseed.kmeans_plusplus_weighted(X2, None, 3, np.random.default_rng(0)).shape == (2, 3)


def test_kmeans_plusplus_matches_scikit_learn_quality(chelsea_small):
    from sklearn.cluster import kmeans_plusplus

    X = kl.image_to_pixels(chelsea_small)
    keys = fc.pack_colors(chelsea_small)
    distinct, counts = fc.distinct_colors(keys)
    points = fc.unpack_colors(distinct)

    def cost(C):
        return kl.distortion(X, C, kl.find_closest_centroids(X, C))

    ours = np.median(
        [
            cost(fseed.kmeans_plusplus_weighted(points, counts, 16, np.random.default_rng(s)))
            for s in range(8)
        ]
    )
    theirs = np.median([cost(kmeans_plusplus(X, 16, random_state=s)[0]) for s in range(8)])
    assert ours < 1.1 * theirs


def test_sample_fits_on_a_subset_then_labels_every_pixel(chelsea_small):
    X = kl.image_to_pixels(chelsea_small)
    fit = fit_palette(chelsea_small, 8, sample=3000, rng=0)
    labels = fit.labels.reshape(-1).astype(np.intp)
    np.testing.assert_array_equal(labels, kl.find_closest_centroids(X, fit.centroids))
    assert fit.counts.sum() == X.shape[0]
    assert fit.inertia == pytest.approx(kl.distortion(X, fit.centroids, labels) * len(X), rel=1e-9)
    full = fit_palette(chelsea_small, 8, rng=0)
    assert fit.inertia < 1.2 * full.inertia
    # a sample larger than the image is the whole image
    whole = fit_palette(chelsea_small, 8, sample=10**9, rng=0)
    np.testing.assert_array_equal(whole.centroids, full.centroids)


def test_tol_stops_early_and_zero_tol_runs_to_convergence(chelsea_small):
    loose = fit_palette(chelsea_small, 8, tol=0.05, max_iter=50, rng=0)
    exact = fit_palette(chelsea_small, 8, tol=0, max_iter=300, rng=0)
    assert loose.n_iter < exact.n_iter < 300
    assert exact.inertia <= loose.inertia
    # converged: one more Lloyd round changes nothing
    again = fit_palette(chelsea_small, 8, init=exact.centroids, tol=0, max_iter=1)
    np.testing.assert_allclose(again.centroids, exact.centroids, atol=1e-12)


def test_progress_reports_every_round(chelsea_small):
    calls = []
    fit = fit_palette(
        chelsea_small, 8, max_iter=6, tol=0, rng=0, progress=lambda i, n, d: calls.append((i, n, d))
    )
    assert [c[0] for c in calls] == list(range(fit.n_iter + 1))
    assert all(c[1] == 6 for c in calls)
    distortions = [c[2] for c in calls]
    assert all(b <= a + 1e-15 for a, b in zip(distortions, distortions[1:]))
    assert distortions[-1] == pytest.approx(fit.distortion, rel=1e-9)


def test_progress_true_prints_one_line_per_round(chelsea_small, capsys):
    fit_palette(chelsea_small, 4, max_iter=3, tol=0, rng=0, progress=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("quantize: iteration 0/3, distortion ")
    assert len(lines) == 4


def test_print_progress_format(capsys):
    print_progress(2, 10, 0.0123456)
    assert capsys.readouterr().out == "quantize: iteration 2/10, distortion 0.012346\n"


def test_palette_fit_distortion(chelsea_small):
    fit = fit_palette(chelsea_small, 4, rng=0)
    assert isinstance(fit, PaletteFit)
    H, W, _ = chelsea_small.shape
    assert fit.distortion == pytest.approx(fit.inertia / (H * W))


# ------------------------------------------------------------------ bad input

GOOD = np.zeros((4, 4, 3))


@pytest.mark.parametrize(
    "image, kwargs, error, message",
    [
        (np.zeros((4, 4)), {}, ValueError, "grey image needs three channels"),
        (np.zeros((4, 4, 4)), {}, ValueError, "drop the alpha channel"),
        (np.zeros((0, 4, 3)), {}, ValueError, "must not be empty"),
        (np.full((2, 2, 3), np.nan), {}, ValueError, "NaN"),
        (np.full((2, 2, 3), np.inf), {}, ValueError, "NaN or infinity"),
        (np.full((2, 2, 3), 255.0), {}, ValueError, "must lie in [0, 1]"),
        (-np.ones((2, 2, 3)), {}, ValueError, "must lie in [0, 1]"),
        (np.zeros((2, 2, 3), dtype=np.int64), {}, TypeError, "uint8 in [0, 255] or float"),
        (np.zeros((2, 2, 3), dtype=bool), {}, TypeError, "uint8 in [0, 255] or float"),
        ("photo.png", {}, TypeError, "load_image"),
        (GOOD, {"n_colors": 0}, ValueError, "n_colors must be at least 1"),
        (GOOD, {"n_colors": 2.0}, TypeError, "n_colors must be an integer"),
        (GOOD, {"init": "kmeans++"}, ValueError, "init must be one of 'k-means++', 'random'"),
        (GOOD, {"init": np.zeros((3, 2))}, ValueError, "shape (n_colors, 3)"),
        (GOOD, {"n_colors": 4, "init": np.zeros((3, 3))}, ValueError, "pass n_colors=3"),
        (GOOD, {"n_colors": 2, "init": [[0, 0, 0], [2, 0, 0]]}, ValueError, "colours in [0, 1]"),
        (GOOD, {"max_iter": -1}, ValueError, "max_iter must be at least 0"),
        (GOOD, {"tol": -1.0}, ValueError, "tol must be a finite number >= 0"),
        (GOOD, {"tol": float("nan")}, ValueError, "tol must be a finite number >= 0"),
        (GOOD, {"n_colors": 4, "sample": 2}, ValueError, "sample=2 is smaller than n_colors=4"),
        (GOOD, {"progress": "yes"}, TypeError, "progress must be"),
        (GOOD, {"rng": "zero"}, TypeError, "rng must be"),
        (GOOD, {"preset": "best"}, ValueError, "preset must be one of 'quality', 'fast'"),
        (GOOD, {"preset": 1}, TypeError, "preset must be a string"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(image, kwargs, error, message):
    with pytest.raises(error) as info:
        quantize(image, **kwargs)
    assert message in str(info.value)


# -------------------------------------------------------------------- dither


def test_dither_uses_only_the_palette_and_keeps_average_colour():
    ramp = np.repeat(np.linspace(0, 1, 120)[None, :, None], 3, axis=2).repeat(40, axis=0)
    palette = np.array([[0.0, 0, 0], [1.0, 1, 1]])
    d = dither(ramp, palette)
    assert isinstance(d, kl.CompressedImage) and d.labels.shape == (40, 120)
    np.testing.assert_array_equal(d.palette, palette)
    shown = d.reconstruct()
    # local averages follow the ramp; nearest-colour mapping jumps from 0 to 1
    column_means = shown[:, :, 0].mean(axis=0)
    window = np.convolve(column_means, np.ones(10) / 10, mode="valid")
    target = np.convolve(ramp[0, :, 0], np.ones(10) / 10, mode="valid")
    assert np.max(np.abs(window - target)) < 0.1
    nearest = palette[kl.find_closest_centroids(kl.image_to_pixels(ramp), palette)].reshape(
        ramp.shape
    )
    assert kl.psnr(ramp, shown) < kl.psnr(ramp, nearest)


def test_dither_with_the_kmeans_palette(course):
    c = quantize(course, 8, rng=0)
    d = dither(course, c.palette)
    np.testing.assert_array_equal(d.palette, c.palette)
    assert d.labels.max() < 8
    assert kl.psnr(course, d.reconstruct()) < kl.psnr(course, c.reconstruct())
    with pytest.raises(ValueError, match="palette must have shape"):
        dither(course, np.zeros((300, 3)))
    with pytest.raises(ValueError, match=r"shape \(H, W, 3\)"):
        dither(np.zeros((4, 4)), c.palette)


def test_parallel_parts_give_the_same_result(chelsea_small, monkeypatch):
    # large photos are cut into parts processed by several threads; force
    # small parts (and the lookup-table path) on a small image
    X = kl.image_to_pixels(chelsea_small)
    C0 = kl.init_centroids(X, 12, np.random.default_rng(4))
    ref_centroids, ref_labels = kl.run_kmeans(X, C0, 6)
    for K, init in [(12, C0), (40, kl.init_centroids(X, 40, np.random.default_rng(5)))]:
        serial = fit_palette(chelsea_small, K, init=init, max_iter=6, tol=0)
        with monkeypatch.context() as m:
            m.setattr(ft, "_PART", 700)
            m.setattr(fc, "_KEY_STEP", 1000)  # many steps over the keys
            m.setattr(fc, "_SORT_MAX_PIXELS", 0)  # through the table of every colour
            parallel = fit_palette(chelsea_small, K, init=init, max_iter=6, tol=0)
            seeded = [fit_palette(chelsea_small, 8, rng=1).centroids for _ in range(2)]
        np.testing.assert_array_equal(parallel.centroids, serial.centroids)
        np.testing.assert_array_equal(parallel.labels, serial.labels)
        np.testing.assert_array_equal(seeded[0], seeded[1])  # deterministic with threads
    np.testing.assert_allclose(
        fit_palette(chelsea_small, 12, init=C0, max_iter=6, tol=0).centroids,
        ref_centroids,
        atol=1e-12,
    )
    u8 = np.round(chelsea_small * 255).astype(np.uint8)
    with monkeypatch.context() as m:
        m.setattr(ft, "_PART", 700)
        np.testing.assert_array_equal(fc.pack_colors(u8), fc.pack_colors(chelsea_small))
        assert fc.pack_colors(np.clip(chelsea_small + 1e-3, 0, 1)) is None


def test_relocated_empty_cluster_counts_its_pixels_once():
    """A duplicate initial centroid empties a cluster; after relocation the
    counts, centroids and inertia must still describe the final labels."""
    image = np.random.default_rng(1).random((20, 20, 3))
    X = image.reshape(-1, 3)
    init = np.vstack([X[:3], X[:1]])  # centroid 3 duplicates centroid 0: empty at once
    fit = kl.fit_palette(image, 4, init=init, max_iter=100, tol=0.0)
    labels = fit.labels.ravel()
    np.testing.assert_array_equal(fit.counts, np.bincount(labels, minlength=4))
    means = np.array([X[labels == k].mean(axis=0) for k in range(4)])
    np.testing.assert_allclose(fit.centroids, means, atol=1e-9)
    assert fit.inertia == pytest.approx(((X - fit.centroids[labels]) ** 2).sum(), rel=1e-9)


# ------------------------------------------- many distinct colours (#13)


def _noisy_chelsea(width: int, height: int, sigma: float) -> np.ndarray:
    """Chelsea resized to ``width`` x ``height`` with Gaussian noise (``sigma`` levels), as uint8."""
    from PIL import Image

    with Image.open(kl.sample_image_path("chelsea")) as im:
        big = np.asarray(im.convert("RGB").resize((width, height), Image.Resampling.BICUBIC))
    noise = np.random.default_rng(0).normal(0, sigma, big.shape)
    u8 = np.clip(np.rint(big + noise), 0, 255).astype(np.uint8)
    # more distinct colours than the seeding takes whole: it runs on the coarse histogram
    # and the first assignment starts from its guesses
    assert len(fc.distinct_colors(fc.pack_colors(u8))[0]) > fk._SEED_MAX_POINTS
    return u8


@pytest.fixture(scope="module")
def noisy_photo():
    """Chelsea upscaled to 600 x 400 with noise: 240,000 pixels and more
    distinct colours than ``_SEED_MAX_POINTS``, so the seeding runs on the
    coarse histogram and the first assignment starts from its guesses."""
    return _noisy_chelsea(600, 400, 4)


@pytest.fixture(scope="module")
def noisy_photo_for_scikit_learn():
    """Chelsea at 360 x 240 with more noise: 86,400 pixels, 73,724 distinct colours (more
    than ``_SEED_MAX_POINTS``, as in :func:`noisy_photo`), so that scikit-learn's
    12 fits at K = 2 to 256 take seconds (on :func:`noisy_photo`, a minute)."""
    return _noisy_chelsea(360, 240, 6)


@pytest.mark.parametrize("K", [2, 16, 64, 256])
def test_inertia_within_one_percent_of_scikit_learn(noisy_photo_for_scikit_learn, K):
    # the reference-quality guarantee, with the defaults (10 rounds at most):
    # as good as scikit-learn's 10 rounds from its k-means++ (medians over seeds)
    from sklearn.cluster import KMeans

    photo = noisy_photo_for_scikit_learn
    X = photo.reshape(-1, 3) / 255.0
    ours = [fit_palette(photo, K, rng=s).inertia for s in range(3)]
    theirs = [
        KMeans(K, init="k-means++", n_init=1, max_iter=10, tol=0, random_state=s).fit(X).inertia_
        for s in range(3)
    ]
    assert np.median(ours) <= 1.01 * np.median(theirs)
    # the same bar rejects K-means done badly: 2 rounds from random colours
    weaker = [
        fit_palette(photo, K, rng=s, preset="fast", init="random", max_iter=2) for s in range(3)
    ]
    assert np.median([w.inertia for w in weaker]) > 1.01 * np.median(theirs)


@pytest.mark.parametrize("K", [12, 64])
def test_large_images_are_labelled_exactly_and_alike_on_any_number_of_threads(
    noisy_photo, monkeypatch, K
):
    X = noisy_photo.reshape(-1, 3) / 255.0
    fit = fit_palette(noisy_photo, K, max_iter=4, tol=0, rng=1)
    labels = fit.labels.reshape(-1).astype(np.intp)
    # every pixel has its closest centroid (the float64 reference decides)
    np.testing.assert_array_equal(labels, kl.find_closest_centroids(X, fit.centroids))
    np.testing.assert_array_equal(fit.counts, np.bincount(labels, minlength=K))
    assert fit.inertia == pytest.approx(((X - fit.centroids[labels]) ** 2).sum(), rel=1e-9)
    for threads, part, step, sort_max in [
        (1, 1 << 17, 1 << 18, 0),
        (2, 5000, 4096, 0),
        (3, 777, 1000, 1 << 30),
    ]:
        with monkeypatch.context() as m:
            m.setattr(ft, "n_threads", lambda threads=threads: threads)
            m.setattr(ft, "_PART", part)
            m.setattr(fc, "_KEY_STEP", step)
            m.setattr(fc, "_SORT_MAX_PIXELS", sort_max)
            m.setattr(ft, "_pool", None)
            other = fit_palette(noisy_photo, K, max_iter=4, tol=0, rng=1)
        np.testing.assert_array_equal(other.centroids, fit.centroids)
        np.testing.assert_array_equal(other.labels, fit.labels)
        assert other.inertia == fit.inertia


def test_nearest_two_near_agrees_with_nearest_two():
    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(0, 1 << 24, 20000).astype(np.uint32))
    points = fk.Points(keys=keys, weights=np.ones(keys.size))
    C = rng.random((70, 3))
    for guess in (rng.integers(0, 70, keys.size), fk.assign(points, C)):
        near = fs.nearest_two_near(points.XT, fs.Neighbours(C), guess, points.rows64)
        full = fs.nearest_two(points.XT, points.xx, C, points.rows64)
        np.testing.assert_array_equal(near[0], full[0])
        np.testing.assert_allclose(near[1], full[1], atol=2e-5)
        # the second distance is a lower bound (exact when measured)
        assert np.all(near[2] <= full[2] + 2e-5)


def test_colour_index_ranks_colours_among_the_distinct_ones():
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 1 << 24, 5000).astype(np.uint32)
    keys[:3] = [0, 63, (1 << 24) - 1]  # the ends of a group of 64 and of the table
    expected, expected_counts = fc.distinct_colors(keys)
    for sort_max in (0, 1 << 30):  # the table of every colour, or a sort
        fk_sort = fc._SORT_MAX_PIXELS
        fc._SORT_MAX_PIXELS = sort_max
        try:
            distinct, counts, index = fc.distinct_colors_of(lambda a, b: keys[a:b], keys.size)
        finally:
            fc._SORT_MAX_PIXELS = fk_sort
        np.testing.assert_array_equal(distinct, expected)
        np.testing.assert_array_equal(counts, expected_counts)
        np.testing.assert_array_equal(index.rank(keys), np.searchsorted(distinct, keys))
    # the popcount used before NumPy 2 (np.bitwise_count) gives the same
    words = rng.integers(0, 2**63, 1000, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    expected_ones = [bin(int(v)).count("1") for v in words]
    np.testing.assert_array_equal(fc._popcount_bytes(words), expected_ones)
    np.testing.assert_array_equal(fc._popcount(words), expected_ones)


def test_big_movers_left_out_of_the_bounds_change_nothing(noisy_photo, monkeypatch):
    # the centroids that moved most are checked by their distance instead of
    # loosening every bound: the same labels and centroids as with Hamerly's
    # loosening alone (BIG_MOVERS = 0), and the exact closest centroid of every pixel
    from kmeans_lab.fast import _movers

    X = noisy_photo.reshape(-1, 3) / 255.0
    fits = {}
    for m in (0, 8, 40):
        with monkeypatch.context() as patch:
            patch.setattr(_movers, "BIG_MOVERS", m)
            fits[m] = fit_palette(noisy_photo, 256, max_iter=8, tol=0, rng=2)
    for m in (8, 40):
        np.testing.assert_array_equal(fits[m].centroids, fits[0].centroids)
        np.testing.assert_array_equal(fits[m].labels, fits[0].labels)
    labels = fits[8].labels.reshape(-1).astype(np.intp)
    np.testing.assert_array_equal(labels, kl.find_closest_centroids(X, fits[8].centroids))


def test_movers_tables(monkeypatch):
    from kmeans_lab.fast import _movers

    assert _movers.Movers(32).m == 0  # small K: the plain Hamerly test
    monkeypatch.setattr(_movers, "MIN_K", 16)
    movers = _movers.Movers(16)  # 2 big movers a round
    moves = np.arange(16) / 100.0  # centroids 14 and 15 move most
    drop = movers.drop(moves)
    np.testing.assert_allclose(drop, np.full(16, 0.13) - np.eye(16)[13] * 0.01)
    drop = movers.drop(moves[::-1])  # now centroids 0 and 1
    C = np.zeros((16, 3))
    C[:, 0] = np.arange(16)
    gaps = fs.centroid_gaps(C)
    reach = movers.reach(gaps)
    assert reach.shape == (3, 16)
    np.testing.assert_array_equal(reach[2], np.inf)  # no round after the last
    assert reach[1, 5] == 4 and reach[1, 0] == 1 and reach[1, 1] == 1  # movers 0, 1
    assert reach[0, 13] == 1 and reach[0, 15] == 1 and reach[0, 5] == 4  # and 14, 15
    left_out = movers.left_out_since()
    # Hamerly's loosening (0.15) less ours (0.13), summed over the rounds since rho
    np.testing.assert_allclose(left_out[1, 5], 0.02)
    np.testing.assert_allclose(left_out[0, 5], 0.04)
    np.testing.assert_array_equal(left_out[2], 0.0)


def test_exact_ties_in_the_pruned_search_go_to_the_lowest_index():
    # points exactly halfway between two centroids (dyadic coordinates: exact
    # in float64), guessed to be nearer the higher-numbered one
    rng = np.random.default_rng(5)
    C = rng.integers(0, 16, (40, 3)) / 64.0  # all far from the middle
    C[7] = [0.25, 0.5, 0.5]
    C[31] = [0.75, 0.5, 0.5]
    X = np.vstack([[[0.5, 0.5, 0.5]] * 2, rng.integers(0, 64, (500, 3)) / 64.0])
    points = fk.Points(X64=X)
    for guess in (np.full(X.shape[0], 31), np.zeros(X.shape[0], dtype=int)):
        labels = fs.nearest_two_near(points.XT, fs.Neighbours(C), guess, points.rows64)[0]
        np.testing.assert_array_equal(labels, kl.find_closest_centroids(X, C))
    assert labels[0] == 7


# ------------------------------------------------ presets and quality (#22)


def test_presets_set_the_rounds_and_the_starts(chelsea_small):
    quality, fast = PRESETS["quality"], PRESETS["fast"]
    assert PRESETS[DEFAULT_PRESET] is quality and quality.n_starts > 1
    default = fit_palette(chelsea_small, 16, rng=2, tol=0)
    same = fit_palette(chelsea_small, 16, rng=2, tol=0, preset="quality")
    np.testing.assert_array_equal(default.centroids, same.centroids)
    assert default.n_iter == quality.max_iter
    # "fast": one greedy k-means++ start, then fast.max_iter rounds (the earlier defaults)
    keys, counts = fc.distinct_colors(fc.pack_colors(chelsea_small))
    points = fk.Points(keys=keys, weights=counts)
    start = fseed.kmeans_plusplus_weighted(points.rows64(), points.w, 16, np.random.default_rng(2))
    expected = fk.weighted_lloyd(points, start, fast.max_iter, 0.0)[0]
    got = fit_palette(chelsea_small, 16, rng=2, tol=0, preset="fast")
    np.testing.assert_array_equal(got.centroids, expected)
    assert got.n_iter == fast.max_iter
    # max_iter, when given, wins over the preset's
    assert fit_palette(chelsea_small, 16, rng=2, tol=0, preset="fast", max_iter=3).n_iter == 3
    # the best start is kept, and Lloyd rounds never raise the inertia: never worse
    # than the first start (the fast preset's) after the probe rounds
    first = fit_palette(
        chelsea_small, 16, rng=2, tol=0, preset="fast", max_iter=quality.probe_rounds
    )
    assert default.inertia <= first.inertia


def test_the_best_start_is_the_one_with_the_lowest_inertia(chelsea_small):
    keys, counts = fc.distinct_colors(fc.pack_colors(chelsea_small))
    points = fk.Points(keys=keys, weights=counts)
    got = fseed._best_start(points, 8, np.random.default_rng(5), 3, 4)
    rng = np.random.default_rng(5)
    runs = [
        fk.weighted_lloyd(
            points, fseed.kmeans_plusplus_weighted(keys_rows, points.w, 8, rng), 4, 0.0
        )
        for keys_rows in [points.rows64()] * 3
    ]
    inertias = [run[3] for run in runs]
    assert len(set(inertias)) == 3  # the starts differ: the choice matters
    np.testing.assert_array_equal(got, runs[int(np.argmin(inertias))][0])


def test_the_command_line_takes_a_preset(tmp_path, capsys):
    from PIL import Image

    from kmeans_lab.cli import main

    photo = tmp_path / "photo.png"
    Image.fromarray(kl.load_sample_image("chelsea")[::4, ::4].__mul__(255).round().astype(np.uint8)).save(photo)  # fmt: skip
    written = {}
    for preset in PRESETS:
        out = tmp_path / f"{preset}.png"
        assert main(["compress", str(photo), "-k", "8", "-o", str(out), "--preset", preset]) == 0
        stderr = capsys.readouterr().err
        assert f"K-means round 0/{PRESETS[preset].max_iter}," in stderr
        written[preset] = kl.load_image(out)
    expected = quantize(kl.load_image(photo), 8, preset="fast").reconstruct()
    np.testing.assert_allclose(written["fast"], expected, atol=1e-6)
    assert main(["compress", str(photo), "-k", "8", "-o", str(out), "--preset", "best"]) == 2
    assert "invalid choice: 'best'" in capsys.readouterr().err


def _median_inertias(u8, K, fit):
    """Medians over seeds 0-2 of ``fit(u8, K, seed)``'s inertia and of
    scikit-learn's (k-means++, n_init=1, 10 Lloyd rounds, tol=0, float32 input)."""
    import warnings

    from sklearn.cluster import KMeans

    X = u8.reshape(-1, 3).astype(np.float32) / np.float32(255)
    exact = u8.reshape(-1, 3) / 255.0
    ours, theirs = [], []
    for seed in range(3):
        ours.append(fit(u8, K, seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fewer distinct colours than K
            km = KMeans(K, init="k-means++", n_init=1, max_iter=10, tol=0, random_state=seed)
            km.fit(X)
        theirs.append(float(((exact - km.cluster_centers_[km.labels_]) ** 2).sum()))
    return np.median(ours), np.median(theirs)


#: The quality test's images (of :func:`kmeans_lab.fast._corpus.corpus`, small):
#: a photo, a hue wheel, a screenshot, a dark low-contrast photo, one dominant
#: colour, noise (more distinct colours than half its pixels).
QUALITY_IMAGES = [
    "chelsea 451x300",
    "hue wheel 400x400",
    "screenshot",
    "dark low-contrast coffee",
    "one dominant colour",
    "uniform noise 400x400",
]
#: The largest gap to scikit-learn the README states (benchmarks/README.md:
#: few distinct colours per cluster, where a better local minimum is luck).
QUALITY_GAP = 0.02


@pytest.fixture(scope="module")
def quality_cells():
    """(image, K) -> medians over seeds 0-2 of the defaults' inertia and of scikit-learn's."""
    images = corpus("small")
    return {
        (name, K): _median_inertias(
            images[name](), K, lambda u8, K, s: fit_palette(u8, K, rng=s).inertia
        )
        for name in QUALITY_IMAGES
        for K in (2, 16, 64)
    }


def test_defaults_are_no_worse_than_scikit_learn_on_the_small_corpus(quality_cells):
    # the quality bar of #22 (benchmarks/bench_quantize.py --corpus measures it on
    # the full corpus): the defaults' inertia (median over 3 seeds) at most
    # scikit-learn's median (k-means++, 10 Lloyd rounds, the same pixels) for
    # the median image at every K, and within the stated gap on every image
    for K in (2, 16, 64):
        ratios = {name: np.divide(*quality_cells[name, K]) for name in QUALITY_IMAGES}
        assert np.median(list(ratios.values())) <= 1.0, (K, ratios)
        for name, ratio in ratios.items():
            assert ratio <= 1 + QUALITY_GAP, f"{name}, K = {K}: {ratio:.4f} times scikit-learn's"


def test_the_quality_test_fails_a_weaker_quantizer(quality_cells):
    # the same comparison rejects K-means done badly: the start alone (no
    # Lloyd round), and 2 rounds from random colours
    weaker = {
        "k-means++ without rounds": dict(preset="fast", max_iter=0),
        "2 rounds from random colours": dict(preset="fast", init="random", max_iter=2),
    }
    # (scikit-learn's medians are quality_cells's: the same fits, made once)
    images = corpus("small")
    for label, kwargs in weaker.items():
        ratios = []
        for name in QUALITY_IMAGES[:3]:
            u8 = images[name]()
            ours = np.median([fit_palette(u8, 16, rng=s, **kwargs).inertia for s in range(3)])
            ratios.append(ours / quality_cells[name, 16][1])
        assert np.median(ratios) > 1 + QUALITY_GAP, (label, ratios)
