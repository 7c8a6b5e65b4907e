"""The check of exercise ``pixels_to_image(pixels, shape)``: (H*W, C) pixels back to an image."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from .. import image_io as _image_io
from .answers import as_array, dtype_changed, none_hint, require_ndarray
from .image_to_pixels import IMAGE_SHAPES, distinct_image, random_image_shapes
from .messages import expected_got, row
from .results import CheckResult
from .runner import Case, Runner, case_rng, check_options

__all__ = ["check_pixels_to_image"]


def _case(runner: Runner, shape: tuple[int, int, int]) -> None:
    H, W, C = shape
    image = distinct_image(shape)
    pixels = image.reshape(H * W, C).copy()
    expected = _image_io.pixels_to_image(pixels.copy(), shape)
    got_raw = runner.call(pixels, tuple(shape))
    require_ndarray(runner, got_raw, "image", expected, "the result of pixels.reshape(shape)")
    got = as_array(got_raw)
    if got is None or got.shape != expected.shape:
        hint = none_hint(got_raw, "image")
        if hint is None and got is not None:
            if got.shape == pixels.shape:
                hint = (
                    "your function returns the pixels unchanged: return "
                    "pixels.reshape(shape); reshape does not change pixels itself"
                )
            elif got.shape == (W, H, C):
                hint = "shape is (H, W, C): height (rows) first, then width"
            else:
                hint = "reshape to the shape you were given: pixels.reshape(shape)"
        runner.fail(
            expected_got("image", expected, got if got is not None else got_raw),
            hint or "return pixels.reshape(shape)",
        )
    if dtype_changed(got, expected):
        runner.fail(
            expected_got("image", expected, got)
            + [
                f"values are right but the dtype is {got.dtype}, expected "
                f"{expected.dtype} (the pixels' dtype): keep the dtype, reshape "
                "does not need a conversion"
            ],
            "keep the dtype, reshape does not need a conversion: return "
            "pixels.reshape(shape) without .astype(...) or dtype=",
        )
    if np.array_equal(got, expected):
        return
    lines = expected_got("image", expected, got)
    mism = np.argwhere(np.any(got != expected, axis=-1))
    r, c = (int(v) for v in mism[0])
    line = (
        f"first mismatch at image[{r}, {c}]: it should be pixels[{r * W + c}] = "
        f"{row(pixels[r * W + c])} (row r * W + c, W = {W})"
    )
    found = np.argwhere(np.all(pixels == got[r, c], axis=1))
    if len(found) == 1:
        line += f"; yours is pixels[{int(found[0][0])}]"
    lines.append(line)
    if np.array_equal(got, pixels.reshape(shape, order="F")):
        # the same array as pixels.reshape(W, H, C).transpose(1, 0, 2)
        hint = (
            "keep NumPy's default row-major order, pixels.reshape(shape): order='F' "
            "(or filling a (W, H, C) array and transposing) fills the columns first"
        )
    else:
        hint = "reshape row by row: pixels.reshape(shape)"
    runner.fail(lines, hint)


def cases(n_random: int, seed: int) -> list[Case]:
    """The fixed cases, then ``n_random`` random shapes."""
    shapes = IMAGE_SHAPES + random_image_shapes(case_rng(seed, "pixels_to_image"), n_random)
    return [
        (
            f"{'random ' if k >= len(IMAGE_SHAPES) else ''}{shape[0] * shape[1]} pixels into "
            f"shape {shape}",
            partial(_case, shape=shape),
        )
        for k, shape in enumerate(shapes)
    ]


def check_pixels_to_image(func: Callable, *, n_random: int = 3, seed: int = 0) -> CheckResult:
    """Check a student's ``pixels_to_image(pixels, shape)``.

    The function must reshape an (H*W, C) pixel matrix into an image of
    ``shape = (H, W, C)``, row-major: the inverse of ``image_to_pixels``.

    Parameters
    ----------
    func : callable
        The student's ``pixels_to_image``.
    n_random : int, default=3
        Extra cases with random shapes, compared with the reference.
    seed : int, default=0
        Seed of the random cases.

    Returns
    -------
    CheckResult

    Raises
    ------
    CheckFailure
        On the first failing case, with a hint.

    Examples
    --------
    >>> check_pixels_to_image(lambda pixels, shape: pixels.reshape(shape))
    pixels_to_image: 10/10 checks passed
    """
    n_random, seed = check_options(n_random, seed)
    runner = Runner("pixels_to_image", func)
    return runner.run(cases(n_random, seed))
