"""Fit a palette to an image file without keeping the image during the fit (private).

``kmeans-lab compress`` needs the pixels twice: to count their distinct
colours at the start and to label every pixel at the end. In between,
Lloyd's rounds only need the distinct colours, and the 8-bit photo (72 MB at
24 megapixels) would sit unused beside the colours' working arrays. So
:func:`fit_palette_loading_twice` loads the image, counts its colours, lets
it go, runs the rounds, then loads it again to label the pixels. With the
band-by-band PNG decoder (:mod:`kmeans_lab._png_bands`) a load holds little
more than the image itself. The result is that of :func:`fit_palette` on the
image.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from .._validation import DEFAULT_SEED, NOT_GIVEN, resolve_rng
from ..compression import CompressedImage
from . import _colours, _lloyd
from .palette import (
    DEFAULT_PRESET,
    PaletteFit,
    check_arguments,
    every_colour_its_own,
    finish_fit,
    fit_palette,
    lloyd_from_start,
)

__all__ = ["fit_palette_loading_twice", "to_compressed_in_place"]

#: Photos up to this many pixels are kept rather than loaded again: below it
#: the colours' working arrays outweigh the photo (3 bytes a pixel), and a
#: second load costs more time (0.25 s at 6.5 MP) than the memory is worth
#: (6.5 MP: 110-114 MB with a second load, 125-134 MB without; 24 MP:
#: 155-172 MB against 203-207 MB).
KEEP_MAX_PIXELS = 8_000_000


def fit_palette_loading_twice(
    load: Callable[[], NDArray],
    n_colors: int = 16,
    *,
    preset: str = DEFAULT_PRESET,
    init: str = "k-means++",
    max_iter: int | None = None,
    tol: float = 1e-4,
    rng: int | np.random.Generator | None = DEFAULT_SEED,
    progress=None,
) -> tuple[PaletteFit, NDArray]:
    """:func:`fit_palette` of ``load()``, the image not kept during the rounds.

    Parameters
    ----------
    load : callable
        ``load()`` returns the image, (H, W, 3); called twice for a uint8
        image of more than :data:`KEEP_MAX_PIXELS` pixels (before and after
        the rounds), once otherwise. It must give the same pixels both times
        (the caller checks that its file did not change).
    n_colors, preset, init, max_iter, tol, rng, progress
        As for :func:`fit_palette`.

    Returns
    -------
    fit : PaletteFit
        The same as ``fit_palette(load(), ...)``.
    image : ndarray
        The image as the last ``load()`` gave it.
    """
    image = load()
    small = image.ndim == 3 and image.shape[0] * image.shape[1] <= KEEP_MAX_PIXELS
    if small or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        fit = fit_palette(
            image,
            n_colors,
            preset=preset,
            init=init,
            max_iter=max_iter,
            tol=tol,
            rng=rng,
            progress=progress,
        )
        return fit, image
    K, init_array, max_iter, tol, _, report, settings = check_arguments(
        n_colors, init, max_iter, tol, None, progress, preset
    )
    rng = resolve_rng(rng, NOT_GIVEN, "fit_palette")
    shape = image.shape
    keys = _colours.pixel_keys(image)
    distinct, counts, index = _colours.distinct_colors_of(keys, shape[0] * shape[1])
    del keys, image  # (the keys read the image)
    n_distinct = int(distinct.shape[0])
    if n_distinct <= K:  # every colour its own palette entry, as fit_palette
        colours_fit = every_colour_its_own(distinct, counts)
    else:
        points = _lloyd.Points(keys=distinct, weights=counts)
        del counts
        colours_fit = lloyd_from_start(
            points, K, init, init_array, rng, max_iter, tol, report, settings
        )
        del points
    image = load()
    if image.shape != shape or image.dtype != np.uint8:
        raise ValueError(f"the image changed between two loads: {shape} then {image.shape}")
    fit = finish_fit(colours_fit, _colours.pixel_keys(image), index, shape, n_distinct)
    return fit, image


def to_compressed_in_place(fit: PaletteFit, rows: int = 256) -> CompressedImage:
    """``fit.to_compressed()``, written over ``fit.labels`` when their dtype
    allows (a band of rows at a time): no second array of labels. The fit's
    labels then hold the compressed image's; drop the fit.
    """
    palette, remap = fit._palette_and_remap()
    labels = fit.labels
    if labels.dtype != remap.dtype or not labels.flags.writeable:
        return fit.to_compressed()
    for top in range(0, labels.shape[0], rows):
        labels[top : top + rows] = remap[labels[top : top + rows]]
    return CompressedImage(palette, labels, tuple(fit.shape))
