"""The check of exercise ``image_to_pixels(image)``: an (H, W, C) image to (H*W, C) pixels."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from .. import image_io as _image_io
from .answers import as_array, dtype_changed, none_hint, require_ndarray
from .messages import expected_got, row
from .results import CheckResult
from .runner import Case, Runner, case_rng, check_options

__all__ = ["check_image_to_pixels", "distinct_image", "IMAGE_SHAPES", "random_image_shapes"]

#: Image shapes of the fixed cases: non-square both ways, one row, one column, C = 4 and 1.
IMAGE_SHAPES = [(2, 3, 3), (4, 5, 3), (5, 4, 3), (1, 6, 3), (6, 1, 3), (3, 2, 4), (3, 4, 1)]


def distinct_image(shape: tuple[int, int, int]) -> np.ndarray:
    """An image whose every entry is distinct, so any mix-up shows."""
    H, W, C = shape
    return (np.arange(H * W * C, dtype=np.float64).reshape(H, W, C) + 1.0) / 100.0


def random_image_shapes(rng: np.random.Generator, n: int) -> list[tuple[int, int, int]]:
    """``n`` random (H, W, C) shapes, H and W from 1 to 8, C in {1, 3, 4}."""
    return [
        (int(rng.integers(1, 9)), int(rng.integers(1, 9)), int(rng.choice([1, 3, 4])))
        for _ in range(n)
    ]


def _pixel_position(image: np.ndarray, values: np.ndarray) -> tuple[int, int] | None:
    hits = np.argwhere(np.all(image == values, axis=-1))
    return (int(hits[0][0]), int(hits[0][1])) if len(hits) == 1 else None


def _compare_pixels(runner: Runner, image: np.ndarray, expected: np.ndarray, got_raw: Any) -> None:
    """Compare the returned (N, C) pixel matrix with the expected one."""
    H, W, C = image.shape
    require_ndarray(runner, got_raw, "pixels", expected, "the result of image.reshape(H * W, C)")
    got = as_array(got_raw)
    if got is None or got.shape != expected.shape:
        hint = none_hint(got_raw, "X")
        if hint is None and got is not None:
            if got.shape == image.shape:
                hint = (
                    "your function returns an array of the image's shape: return "
                    "image.reshape(H * W, C); reshape returns a new array, it does not "
                    "change image"
                )
            elif got.shape == (H * W * C,):
                hint = "keep the channel axis: reshape to (H * W, C), not to one long vector"
            elif got.shape == (C, H * W):
                hint = "one pixel a row: the result has shape (H * W, C), not (C, H * W); don't transpose"
            else:
                hint = (
                    "the result has one row per pixel and one column per channel: shape (H * W, C)"
                )
        runner.fail(
            expected_got("pixels", expected, got if got is not None else got_raw),
            hint or "return an array of shape (H * W, C)",
        )
    if dtype_changed(got, expected):
        runner.fail(
            expected_got("pixels", expected, got)
            + [
                f"values are right but the dtype is {got.dtype}, expected {expected.dtype} "
                "(the image's dtype): keep the dtype, reshape does not need a conversion"
            ],
            "keep the dtype, reshape does not need a conversion: return "
            "image.reshape(H * W, C) without .astype(...) or dtype=",
        )
    if np.array_equal(got, expected):
        return
    lines = expected_got("pixels", expected, got)
    mism = np.argwhere(np.any(got != expected, axis=1))
    i = int(mism[0][0]) if len(mism) else 0
    r, c = divmod(i, W)
    found = _pixel_position(image, got[i])
    line = (
        f"first mismatch at row {i}: it should hold pixel image[{r}, {c}] = {row(image[r, c])} "
        f"(row r * W + c for pixel (r, c), W = {W})"
    )
    if found is not None:
        line += f"; yours holds image[{found[0]}, {found[1]}]"
    lines.append(line)
    if np.array_equal(got, image.reshape(H * W, C, order="F")):
        # the same array as image.transpose(1, 0, 2).reshape(H * W, C)
        hint = (
            "keep NumPy's default row-major order, image.reshape(H * W, C): order='F' "
            "(or swapping the height and width axes) walks down the columns first"
        )
    else:
        hint = "reshape the image row by row: image.reshape(H * W, C)"
    runner.fail(lines, hint)


def _case(runner: Runner, shape: tuple[int, int, int]) -> None:
    image = distinct_image(shape)
    expected = _image_io.image_to_pixels(image.copy())
    got = runner.call(image)
    _compare_pixels(runner, image, expected, got)


def cases(n_random: int, seed: int) -> list[Case]:
    """The fixed cases, then ``n_random`` random image shapes."""
    shapes = IMAGE_SHAPES + random_image_shapes(case_rng(seed, "image_to_pixels"), n_random)
    return [
        (
            f"{'random ' if k >= len(IMAGE_SHAPES) else ''}image of shape {shape}",
            partial(_case, shape=shape),
        )
        for k, shape in enumerate(shapes)
    ]


def check_image_to_pixels(func: Callable, *, n_random: int = 3, seed: int = 0) -> CheckResult:
    """Check a student's ``image_to_pixels(image)``.

    The function must reshape an (H, W, C) image into an (H*W, C) matrix,
    row-major (pixel ``(r, c)`` becomes row ``r * W + c``), for any C and
    non-square images, without changing ``image``.

    Parameters
    ----------
    func : callable
        The student's ``image_to_pixels``.
    n_random : int, default=3
        Extra cases with random image shapes, compared with the reference.
    seed : int, default=0
        Seed of the random cases.

    Returns
    -------
    CheckResult
        Shows as ``image_to_pixels: 10/10 checks passed``.

    Raises
    ------
    CheckFailure
        On the first failing case, with a hint.

    Examples
    --------
    >>> check_image_to_pixels(lambda image: image.reshape(-1, image.shape[2]))
    image_to_pixels: 10/10 checks passed
    """
    n_random, seed = check_options(n_random, seed)
    runner = Runner("image_to_pixels", func)
    return runner.run(cases(n_random, seed))
