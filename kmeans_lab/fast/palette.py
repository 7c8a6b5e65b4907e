"""The public fast quantizer: :func:`quantize`, :func:`fit_palette`, :class:`PaletteFit`.

Argument checks, the choice of the points K-means runs on (distinct colours
weighted by their pixel counts, or every pixel, or a sample) and the packing
of the result; the numerical work is done by :mod:`kmeans_lab.fast._lloyd`.
How and why it is fast: see :mod:`kmeans_lab.fast`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import (
    DEFAULT_SEED,
    NOT_GIVEN,
    as_colours,
    as_rgb_image,
    check_callback,
    check_choice,
    check_int,
    check_real,
    resolve_rng,
)
from ..compression import CompressedImage
from ..kmeans import INIT_METHODS
from . import _colours, _lloyd, _seeding
from .presets import DEFAULT_MAX_ITER, DEFAULT_PRESET, PRESETS, Preset

__all__ = [
    "quantize",
    "fit_palette",
    "PaletteFit",
    "print_progress",
    "Preset",
    "PRESETS",
    "DEFAULT_PRESET",
    "DEFAULT_MAX_ITER",
]


#: The initialisations of :data:`kmeans_lab.kmeans.INIT_METHODS` (the one list
#: of names), each on points weighted by their pixel counts: the same random
#: process as on every pixel, run on the distinct colours.
_WEIGHTED_INITS = {
    "k-means++": _seeding.seed_kmeans_plusplus,
    "random": _seeding.seed_random,
}


@dataclass(frozen=True)
class PaletteFit:
    """What :func:`fit_palette` found: K-means centroids before rounding.

    Attributes
    ----------
    centroids : ndarray of shape (K, 3), float64
        The K-means centroids in [0, 1] (not rounded to 8 bits). K is
        ``n_colors``, or fewer when the image has fewer distinct colours.
    labels : ndarray of shape (H, W), unsigned integer
        Index of every pixel's centroid.
    counts : ndarray of shape (K,), int64
        Number of pixels in each cluster.
    inertia : float
        Sum over all pixels of the squared distance to their centroid, in
        [0, 1] units (scikit-learn's ``inertia_``).
    n_iter : int
        Lloyd rounds run.
    n_distinct : int or None
        Number of distinct colours in the image (None when the image is
        floating point off the 8-bit grid, where colours are not counted).
    shape : tuple (H, W, 3)
    """

    centroids: NDArray[np.float64]
    labels: NDArray[np.unsignedinteger]
    counts: NDArray[np.int64]
    inertia: float
    n_iter: int
    n_distinct: int | None
    shape: tuple

    @property
    def distortion(self) -> float:
        """Mean squared distance of a pixel to its centroid: ``inertia / (H*W)``."""
        return self.inertia / (self.shape[0] * self.shape[1])

    def to_compressed(self) -> CompressedImage:
        """The :class:`~kmeans_lab.CompressedImage` of this fit.

        Same result as ``CompressedImage.from_kmeans(centroids, labels,
        shape)`` (palette rounded to 8 bits, duplicate colours merged, unused
        colours dropped), computed on the K colours rather than the pixels.
        """
        palette, remap = self._palette_and_remap()
        labels = remap[self.labels]  # (np.take would first copy the labels as int64)
        return CompressedImage(palette, labels, tuple(self.shape))

    def _palette_and_remap(self):
        """The 8-bit palette (float64 in [0, 1]) and each centroid's index in it."""
        K = self.centroids.shape[0]
        colours8 = np.round(np.clip(self.centroids, 0.0, 1.0) * 255.0).astype(np.uint8)
        used = np.flatnonzero(self.counts > 0)
        unique8, inverse = np.unique(colours8[used], axis=0, return_inverse=True)
        remap = np.zeros(K, dtype=_colours.label_dtype(len(unique8)))
        remap[used] = np.asarray(inverse).reshape(-1)
        return unique8.astype(np.float64) / 255.0, remap


def print_progress(iteration: int, max_iter: int, distortion: float, *, file=None) -> None:
    """Default progress report: one line per Lloyd round.

    Pass it (or any function with the same signature) as ``progress=`` to
    :func:`quantize`; ``progress=True`` uses it with ``sys.stdout``.

    Examples
    --------
    >>> print_progress(3, 20, 0.00123456)
    quantize: iteration 3/20, distortion 0.001235
    """
    print(
        f"quantize: iteration {iteration}/{max_iter}, distortion {distortion:.6f}",
        file=file if file is not None else sys.stdout,
        flush=True,
    )


def check_arguments(n_colors, init, max_iter, tol, sample, progress, preset=DEFAULT_PRESET):
    """The checked arguments of :func:`fit_palette` but ``rng`` (private helper):
    ``(K, init_array or None, max_iter, tol, sample, report, preset)``, ``max_iter``
    the preset's when None and ``preset`` a :class:`Preset`."""
    K = check_int(n_colors, "n_colors", minimum=1)
    check_choice(preset, "preset", PRESETS)
    settings = PRESETS[preset]
    if max_iter is None:
        max_iter = settings.max_iter
    if isinstance(init, str):
        init_array = None
        check_choice(init, "init", INIT_METHODS)
    else:
        init_array = as_colours(init, "init", n_colours=K, count_name="n_colors")
    max_iter = check_int(max_iter, "max_iter", minimum=0)
    tol = check_real(tol, "tol", minimum=0.0)
    if sample is not None:
        sample = check_int(sample, "sample", minimum=1)
        if sample < K:
            raise ValueError(
                f"sample={sample} is smaller than n_colors={K}; "
                f"fit on at least {K} pixels, or pass sample=None to use them all"
            )
    report = check_callback(
        progress, "progress", print_progress, "progress(iteration, max_iter, distortion)"
    )
    return K, init_array, max_iter, tol, sample, report, settings


def lloyd_from_start(points, K, init, init_array, rng, max_iter, tol, report, preset):
    """Lloyd's rounds on the weighted ``points`` from ``init_array``, or from
    the start ``init`` names (private helper of :func:`fit_palette` and the
    command line's fit): :func:`._lloyd.weighted_lloyd`'s ``(centroids,
    labels, weights_per_cluster, inertia, n_iter)``, the distortion reported
    per fitted pixel. ``preset``: a :class:`Preset`."""
    if init_array is not None:
        initial = init_array
    elif init == "k-means++":
        initial = _seeding.seed_kmeans_plusplus(
            points, K, rng, preset.n_starts, preset.probe_rounds
        )
    else:
        initial = _WEIGHTED_INITS[init](points, K, rng)
    n_fit = float(points.w.sum())
    return _lloyd.weighted_lloyd(points, initial, max_iter, tol, report, n_total=n_fit)


def fit_palette(
    image: ArrayLike,
    n_colors: int = 16,
    *,
    preset: str = DEFAULT_PRESET,
    init: str | ArrayLike = "k-means++",
    max_iter: int | None = None,
    tol: float = 1e-4,
    rng: int | np.random.Generator | None = DEFAULT_SEED,
    sample: int | None = None,
    progress: bool | Callable[[int, int, float], None] | None = None,
    seed: int | np.random.Generator | None = NOT_GIVEN,
) -> PaletteFit:
    """Run fast K-means on the colours of an image; see :func:`quantize`.

    Takes the same arguments as :func:`quantize` and returns the K-means
    result before rounding to 8 bits: a :class:`PaletteFit` with the float
    centroids, labels, inertia and number of rounds.

    Examples
    --------
    >>> import kmeans_lab as kl
    >>> fit = fit_palette(kl.load_sample_image(), 16, rng=0)
    >>> fit.centroids.shape, fit.labels.shape, fit.n_iter <= 20
    ((16, 3), (128, 128), True)
    """
    img = as_rgb_image(image)
    if img.dtype not in (np.uint8, np.float32, np.float64):
        img = img.astype(np.float32)  # the engine computes in float32 and float64
    H, W = img.shape[:2]
    N = H * W
    K, init_array, max_iter, tol, sample, report, settings = check_arguments(
        n_colors, init, max_iter, tol, sample, progress, preset
    )
    # here, not in a helper: a deprecation warning names the caller's line
    rng = resolve_rng(rng, seed, "fit_palette")

    keys = _colours.pixel_keys(img)
    if keys is not None:
        distinct, counts, index = _colours.distinct_colors_of(keys, N)
        n_distinct = int(distinct.shape[0])
        if n_distinct <= K:
            # every colour gets its own palette entry: exact, nothing to fit
            fit = every_colour_its_own(distinct, counts)
            return finish_fit(fit, keys, index, (H, W, 3), n_distinct)
        points = _lloyd.Points(keys=distinct, weights=counts)
        del counts  # Points keeps them as float64
    else:
        X64 = img.reshape(-1, 3).astype(np.float64, copy=False)
        n_distinct, index = None, None
        if N <= K:
            # no more pixels than colours: each distinct colour is exact
            colours, inverse, counts = np.unique(
                X64, axis=0, return_inverse=True, return_counts=True
            )
            fit = colours, np.asarray(inverse).reshape(-1), counts, 0.0, 0
            return finish_fit(fit, None, None, (H, W, 3), len(colours))
        points = _lloyd.Points(X64=X64)

    # the points K-means is fitted on
    fit_points = points
    if sample is not None and sample < N:
        picked = np.sort(rng.integers(N, size=sample))
        if keys is not None:
            picked_keys = _colours.pack_colors(img.reshape(-1, 3)[picked].reshape(-1, 1, 3))
            fit_keys, fit_weights = _colours.distinct_colors(picked_keys)
            fit_points = _lloyd.Points(keys=fit_keys, weights=fit_weights)
        else:
            fit_points = _lloyd.Points(X64=X64[picked])
    else:
        sample = None

    colours_fit = lloyd_from_start(
        fit_points, K, init, init_array, rng, max_iter, tol, report, settings
    )

    if sample is not None:
        # the fit saw a sample: assign every colour of the image to the result
        centroids, _, _, _, n_iter = colours_fit
        labels = _lloyd.assign(points, centroids)
        cluster_w = np.bincount(labels, weights=points.w, minlength=centroids.shape[0])
        inertia = 0.0
        for a in range(0, points.n, 1 << 16):
            idx = np.arange(a, min(a + (1 << 16), points.n))
            diff = points.rows64(idx) - centroids[labels[idx]]
            inertia += float(np.einsum("i,ij,ij->", points.w[idx], diff, diff))
        colours_fit = centroids, labels, cluster_w, inertia, n_iter

    # the points' coordinates, norms and weights (about 32 bytes a distinct
    # colour) are no longer needed: freed before the labels of every pixel
    del points, fit_points
    return finish_fit(colours_fit, keys, index, (H, W, 3), n_distinct)


def every_colour_its_own(distinct, counts):
    """The exact fit of at most K distinct colours, each its own centroid, as
    :func:`lloyd_from_start` gives it (private helper, as :func:`finish_fit`)."""
    return _colours.unpack_colors(distinct), np.arange(distinct.shape[0]), counts, 0.0, 0


def finish_fit(colours_fit, keys, index, shape, n_distinct) -> PaletteFit:
    """The :class:`PaletteFit` of ``colours_fit`` (:func:`lloyd_from_start`'s
    result on the points), every pixel labelled: through the image's ``keys``
    and colour ``index`` when the points are its distinct colours (``None``
    when they are its pixels). Private helper of :func:`fit_palette` and the
    command line's fit; ``n_distinct`` is None when the colours are not counted."""
    centroids, labels, cluster_w, inertia, n_iter = colours_fit
    H, W = shape[:2]
    dtype = _colours.label_dtype(centroids.shape[0])
    if keys is not None:
        pixel_labels = _colours.labels_from_lut(keys, H * W, index, labels, dtype)
    else:
        pixel_labels = labels.astype(dtype)
    return PaletteFit(
        centroids,
        pixel_labels.reshape(H, W),
        np.rint(cluster_w).astype(np.int64),
        float(inertia),
        int(n_iter),
        n_distinct,
        (H, W, 3),
    )


def quantize(
    image: ArrayLike,
    n_colors: int = 16,
    *,
    preset: str = DEFAULT_PRESET,
    init: str | ArrayLike = "k-means++",
    max_iter: int | None = None,
    tol: float = 1e-4,
    rng: int | np.random.Generator | None = DEFAULT_SEED,
    sample: int | None = None,
    progress: bool | Callable[[int, int, float], None] | None = None,
    seed: int | np.random.Generator | None = NOT_GIVEN,
) -> CompressedImage:
    """Reduce an image to at most ``n_colors`` colours with fast K-means.

    Exact Lloyd iterations (the same centroids and labels as
    :func:`kmeans_lab.run_kmeans` on every pixel from the same initial
    centroids), made fast: they run on the distinct colours weighted by
    their pixel counts, with float32 distances (near ties decided in
    float64) and bounds that skip the colours whose label cannot change.
    The result does not depend on the number of threads. See
    :mod:`kmeans_lab.fast`.

    One caveat: summing colours weighted by their counts rounds differently
    (by about 1e-16) from summing pixel by pixel, so a pixel *exactly*
    equidistant from two centroids (common in posterised or synthetic
    images, rare in photos) can take the other label than in
    :func:`run_kmeans`, and the two runs then drift apart: both are valid
    Lloyd runs, tie-breaking aside.

    Parameters
    ----------
    image : array-like of shape (H, W, 3)
        uint8 in [0, 255], or float32/float64 in [0, 1]. Float images whose
        values are all multiples of 1/255 (up to 4e-6; anything loaded from
        an 8-bit file) take the fast distinct-colour path; other float images
        run on every pixel.
    n_colors : int, default=16
        K, the largest palette size, ``>= 1``. The result has fewer colours
        when the image has fewer distinct colours (each then keeps its exact
        colour), or when two centroids round to the same 8-bit colour.
    preset : {"quality", "fast"}, default="quality"
        How hard to work (:data:`PRESETS`). "quality": the best of 3
        k-means++ starts (each judged after 10 Lloyd rounds on the distinct
        colours, or on the coarse histogram below), then 10 rounds: on the
        benchmark's corpus of 21 kinds of image (``bench_quantize.py
        --corpus``) the inertia is at most scikit-learn's ``KMeans``
        (k-means++, ``n_init=1``, 10 Lloyd rounds) on the median image at
        every K, and within 2% of it on every image (tested on a small
        version). "fast": one start, 4 rounds, for pngquant-like speed:
        faster than libimagequant on photos of 0.25 to 24 megapixels with a
        PSNR at least as high (``bench_quantize.py``), for more inertia than
        "quality" (see benchmarks/README.md). ``preset="fast",
        max_iter=10``: the defaults before 2026-12, bit for bit.
    init : {"k-means++", "random"} or array-like of shape (n_colors, 3), default="k-means++"
        A name of :data:`kmeans_lab.kmeans.INIT_METHODS`, run on the
        weighted distinct colours. "k-means++": greedy k-means++ (``2 +
        int(log K)`` candidates per step, the best one kept), as
        scikit-learn; on images with more than 65,536 distinct colours it
        runs on a coarse histogram (the mean colour of every cube of 8
        levels a side, weighted by its pixels) followed by 10 Lloyd rounds on
        those cubes, a cost that does not grow with the image; the
        ``max_iter`` rounds then run on every distinct colour. The preset
        says how many starts are tried. "random": K distinct colours of the
        image drawn with probability proportional to their pixel counts. An
        array: these initial centroids (floats in [0, 1]).
    max_iter : int, optional
        Maximum number of Lloyd rounds (update, then assign), ``>= 0``.
        Default: the preset's, 10 ("quality", as the course and
        scikit-learn's reference run) or 4 ("fast").
    tol : float, default=1e-4
        Stop once no centroid moves by more than ``tol`` (Euclidean distance
        in [0, 1] colour units; 1e-4 is 1/40 of an 8-bit level) in a round.
        Lloyd also stops when the labels no longer change. ``tol=0`` stops
        only then.
    rng : int, numpy.random.Generator or None, default=0
        Randomness of the initialisation (and of ``sample``): an int seed
        (the same seed gives the same result), a Generator, or None for
        fresh, unpredictable randomness.
    sample : int, optional
        Fit the palette on this many pixels drawn at random (with
        replacement), then assign every pixel. Faster on huge photos, at a
        small quality cost: on the 6.5-megapixel benchmark photo (1 million
        distinct colours), ``sample=200_000`` took half the time for a
        median inertia 1.1% higher over 7 seeds (see
        ``benchmarks/README.md``). Default: fit on every pixel.
    progress : bool or callable, optional
        ``True`` prints one line per round (:func:`print_progress`). A
        callable is called as ``progress(iteration, max_iter, distortion)``
        after the initial assignment (iteration 0) and after every round;
        ``distortion`` is the mean squared distance of a pixel to its
        centroid (of the fitted pixels when ``sample`` is given).
    seed : int or numpy.random.Generator
        Deprecated: the old name of ``rng`` (a DeprecationWarning; it will be
        removed in the next release). Giving both is a TypeError.

    Returns
    -------
    CompressedImage
        ``palette`` (K', 3) in [0, 1] rounded to 8 bits, K' <= n_colors, no
        duplicate colours; ``labels`` (H, W). Use :func:`fit_palette` for the
        unrounded centroids, the inertia and the number of rounds.

    Raises
    ------
    TypeError
        An argument of the wrong type: ``image`` is not an array, or not
        uint8 or float; ``n_colors``, ``max_iter``, ``sample`` are not
        integers; ``tol`` is not a number; ``init`` is neither a string nor
        an array of numbers; ``rng`` is not an int, a Generator or None;
        ``progress`` is not callable; ``rng`` and ``seed`` given together.
    ValueError
        The right type, a wrong value: wrong image shape, values outside
        [0, 1], NaN or infinity; ``n_colors < 1``; an unknown ``init`` name
        or an ``init`` array of the wrong shape or range; a negative or
        non-finite ``tol``; ``sample < n_colors``.

    See Also
    --------
    kmeans_lab.compress_image : the course's (slow, readable) version.
    kmeans_lab.run_kmeans : plain Lloyd on all pixels.

    Examples
    --------
    >>> import kmeans_lab as kl
    >>> image = kl.load_sample_image()
    >>> compressed = quantize(image, 16, rng=0)
    >>> compressed.palette.shape, compressed.labels.shape
    ((16, 3), (128, 128))
    >>> compressed.compressed_bits
    65920
    >>> round(kl.psnr(image, compressed.reconstruct()), 1) > 25
    True
    """
    rng = resolve_rng(rng, seed, "quantize")
    return fit_palette(
        image,
        n_colors,
        preset=preset,
        init=init,
        max_iter=max_iter,
        tol=tol,
        rng=rng,
        sample=sample,
        progress=progress,
    ).to_compressed()
