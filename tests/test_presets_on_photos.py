"""The presets of quantize on a photo with many colours (#22): what each runs.

On an image with more than 65,536 distinct colours the k-means++ starts are
made and judged on the coarse histogram, and the preset's rounds then run on
every distinct colour. These tests rebuild each preset from the engine's
parts, so a change of what a preset means (its starts or its rounds) cannot
pass unnoticed; `tests/test_quantize.py` does the same on a small image.
How good and how fast each preset is: `benchmarks/bench_quantize.py`.
"""

import numpy as np
import pytest

import kmeans_lab as kl
from kmeans_lab.fast import _colours as fc
from kmeans_lab.fast import _lloyd as fk
from kmeans_lab.fast import _seeding as fseed
from kmeans_lab.fast import fit_palette
from kmeans_lab.fast.presets import PRESETS


@pytest.fixture(scope="module")
def photo():
    """Coffee upscaled to 450 x 300 with noise: more distinct colours than the
    seeding's limit, so the starts run on the coarse histogram."""
    rng = np.random.default_rng(7)
    coffee = kl.load_sample_image("coffee") * 255
    u8 = np.clip(np.rint(coffee + rng.normal(0, 6, coffee.shape)), 0, 255).astype(np.uint8)
    keys, counts = fc.distinct_colors(fc.pack_colors(u8))
    assert keys.shape[0] > fk._SEED_MAX_POINTS
    return u8, fk.Points(keys=keys, weights=counts)


def _rebuilt(points, K, seed, n_starts, rounds):
    """The preset's run from the engine's parts: the best of ``n_starts``
    starts on the coarse histogram, then ``rounds`` Lloyd rounds."""
    start = fseed.seed_kmeans_plusplus(points, K, np.random.default_rng(seed), n_starts)
    return fk.weighted_lloyd(points, start, rounds, 0.0)


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_preset_is_its_starts_then_its_rounds(photo, name):
    u8, points = photo
    preset = PRESETS[name]
    centroids, _, _, inertia, n_iter = _rebuilt(points, 16, 4, preset.n_starts, preset.max_iter)
    got = fit_palette(u8, 16, preset=name, rng=4, tol=0)
    np.testing.assert_array_equal(got.centroids, centroids)
    assert (got.n_iter, got.inertia) == (n_iter, pytest.approx(inertia, rel=1e-12))
    assert got.n_iter == preset.max_iter  # the rounds ran to the preset's number


def test_fast_with_ten_rounds_is_the_defaults_before_2026_12(photo):
    # notebook 07 and the README rely on it: one start, then the course's 10 rounds
    u8, points = photo
    assert PRESETS["fast"].n_starts == 1
    centroids = _rebuilt(points, 16, 4, 1, 10)[0]
    got = fit_palette(u8, 16, preset="fast", max_iter=10, rng=4, tol=0)
    np.testing.assert_array_equal(got.centroids, centroids)


def test_the_quality_preset_keeps_a_better_start_than_the_first(photo):
    # its best of 3 starts, judged on the histogram, is never worse there than
    # the first start alone, and the two differ on this photo: the choice matters
    u8, points = photo
    cells, cell_weights, _ = fc.coarse_cells(points.keys, points.w)
    coarse = fk.Points(X64=cells, weights=cell_weights)

    def judged(n_starts):
        start = fseed.seed_kmeans_plusplus(points, 16, np.random.default_rng(4), n_starts)
        return fk.weighted_lloyd(coarse, start, 0, 0.0)[3]  # inertia on the cubes

    best, first = judged(PRESETS["quality"].n_starts), judged(1)
    assert best <= first
    assert best != first
