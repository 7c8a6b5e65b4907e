"""The check of exercise ``pixels_to_image(pixels, shape)``: (H*W, C) pixels back to an image."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from .. import image_io as _image_io
from .answers import as_array, none_hint, require_ndarray
from .diagnosis import Mistake
from .image_to_pixels import (
    IMAGE_SHAPES,
    IMAGE_SIZES_HINT,
    UINT8_SHAPE,
    case_image,
    compare_values,
    describe_image,
    distinct_image,
    random_image_shapes,
)
from .messages import expected_got, row
from .results import CheckResult
from .runner import Case, ExceptionHint, Runner, case_rng, check_options

__all__ = ["check_pixels_to_image", "TWO_NUMBER_SHAPES"]

#: Shapes given as (H, W) only, with the pixels' number of channels C: the image keeps them.
TWO_NUMBER_SHAPES = [((2, 3), 3), ((5, 4), 4)]


def _column_major(pixels: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return pixels.reshape((shape[0], shape[1], pixels.shape[1]), order="F")


#: The known mistakes, each named only when the function gives its image on every probe.
MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "column_major",
        _column_major,
        "fill the image row by row (NumPy's default C order): order='F', or filling a "
        "(W, H, C) array and transposing, fills the columns first",
    ),
)


def probes() -> list[tuple[np.ndarray, tuple[int, ...]]]:
    """Inputs on which every mistake of :data:`MISTAKES` gives an image of its own."""
    images = [case_image(shape) for shape in IMAGE_SHAPES[:3]]  # the first cases' images
    return [(image.reshape(-1, image.shape[2]), image.shape) for image in images]


#: The hint for a function that changes ``pixels``.
MUTATION_HINTS = {
    "pixels": "build a new array (reshape returns one) instead of setting pixels.shape or "
    "changing values in place: the caller's pixels must stay as they were",
}
#: Hints for a function that raises, tried in order.
EXCEPTION_HINTS = (
    ExceptionHint(
        "this case gives shape as (H, W), without C ({arguments}): the number of channels "
        "then comes from pixels (its number of columns)",
        case_matches=r"shape given as \(H, W\)",
    ),
    IMAGE_SIZES_HINT,
)


def _case(
    runner: Runner, shape: tuple[int, ...], dtype=np.float64, C: int = 3, photo: bool = False
) -> None:
    H, W = shape[0], shape[1]
    full_shape = (H, W, shape[2] if len(shape) == 3 else C)
    full = case_image(full_shape, dtype) if photo else distinct_image(full_shape, dtype)
    C = full.shape[2]
    pixels = full.reshape(H * W, C).copy()
    expected = _image_io.pixels_to_image(pixels.copy(), shape)
    got_raw = runner.call(pixels, tuple(shape))
    require_ndarray(runner, got_raw, "image", expected, "the array reshape gives")
    got = as_array(got_raw)
    if got is None or got.shape != expected.shape:
        hint = none_hint(got_raw, "image")
        if hint is None and got is not None:
            wanted = f"the image has shape (H, W, C) = {expected.shape}"
            if got.shape == pixels.shape:
                same = np.array_equal(got, pixels)
                hint = (
                    f"your result has the pixels' own shape (N, C) = {pixels.shape}"
                    + (
                        " and their values unchanged (reshape returns a new array and leaves "
                        "the array it is called on as it was)"
                        if same
                        else ""
                    )
                    + f"; {wanted}"
                )
            elif got.shape == (W, H, C) and H != W:
                hint = f"your result has shape (W, H, C) = {got.shape}, width first; {wanted}"
            elif len(shape) == 2 and got.shape == (H, W):
                hint = (
                    f"this case gives shape as (H, W) = {tuple(shape)}, and your result has "
                    f"shape (H, W), without the channel axis; {wanted}: C = {C}, the number of "
                    "columns of pixels"
                )
            else:
                hint = (
                    f"your result has shape {got.shape}; {wanted}: H and W from shape, C from "
                    "shape or, when shape has two numbers, from pixels"
                )
        runner.fail(
            expected_got("image", expected, got if got is not None else got_raw),
            hint or "return an array of shape (H, W, C)",
            kind="wrong shape",
        )
    compare_values(runner, "image", pixels, expected, got)
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
    mistake = runner.diagnose(MISTAKES, got)
    if mistake is not None:
        runner.fail(lines, mistake.hint, mistake=mistake.name)
    if np.array_equal(np.sort(got, axis=None), np.sort(pixels, axis=None)):
        hint = "your image holds the pixels in another order: row r * W + c is pixel (r, c)"
    else:
        hint = "your image holds values that are not in pixels: a reshape only moves values"
    runner.fail(lines, hint)


def _described(shape: tuple[int, ...], kind: str = "", C: int = 3) -> str:
    H, W = shape[0], shape[1]
    given = ", shape given as (H, W)" if len(shape) == 2 else ""
    channels = f" of {C} channels" if len(shape) == 2 and C != 3 else ""
    return f"{kind}{H * W} pixels{channels} into shape {shape}{given}"


def cases(n_random: int, seed: int) -> list[Case]:
    """The fixed cases, shapes given as (H, W), the 8-bit case, then ``n_random`` random ones."""
    out: list[Case] = [
        (_described(shape) + describe_image(shape), partial(_case, shape=shape, photo=True))
        for shape in IMAGE_SHAPES
    ]
    out += [
        (_described(shape, C=C), partial(_case, shape=shape, C=C)) for shape, C in TWO_NUMBER_SHAPES
    ]
    out.append(
        (
            _described(UINT8_SHAPE) + ", 8-bit (uint8)" + describe_image(UINT8_SHAPE, np.uint8),
            partial(_case, shape=UINT8_SHAPE, dtype=np.uint8, photo=True),
        )
    )
    rng = case_rng(seed, "pixels_to_image")
    for k, shape in enumerate(random_image_shapes(rng, n_random)):
        shape = shape[:2] if k % 2 == 1 else shape  # every other random shape as (H, W)
        out.append((_described(shape, "random "), partial(_case, shape=shape)))
    return out


def check_pixels_to_image(func: Callable, *, n_random: int = 3, seed: int = 0) -> CheckResult:
    """Check a student's ``pixels_to_image(pixels, shape)``.

    The function must reshape an (H*W, C) pixel matrix into an image of
    ``shape = (H, W, C)``, row-major: the inverse of ``image_to_pixels``;
    ``shape`` may also be ``(H, W)``, C then coming from ``pixels``. Values
    and dtype are kept (8-bit pixels stay 8-bit).

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
    >>> def pixels_to_image(pixels, shape):
    ...     return pixels.reshape(shape[0], shape[1], pixels.shape[1])
    >>> check_pixels_to_image(pixels_to_image)
    pixels_to_image: 14/14 checks passed
    """
    n_random, seed = check_options(n_random, seed)
    runner = Runner("pixels_to_image", func)
    return runner.run(cases(n_random, seed), n_random=n_random, seed=seed)
