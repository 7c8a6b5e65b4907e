"""The check of exercise ``image_to_pixels(image)``: an (H, W, C) image to (H*W, C) pixels."""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from .. import image_io as _image_io
from .answers import as_array, dtype_changed, none_hint, require_ndarray
from .diagnosis import Mistake
from .loops import check_no_loop
from .messages import expected_got, row
from .results import CheckResult
from .runner import Case, ExceptionHint, Runner, case_rng, check_options

__all__ = [
    "check_image_to_pixels",
    "distinct_image",
    "photo_crop",
    "case_image",
    "IMAGE_SHAPES",
    "PHOTO_SHAPES",
    "random_image_shapes",
    "compare_values",
]

#: Image shapes of the fixed cases: non-square both ways, one row, one column, C = 4 and 1,
#: and one beyond toy size.
IMAGE_SHAPES = [
    (2, 3, 3),
    (4, 5, 3),
    (5, 4, 3),
    (1, 6, 3),
    (6, 1, 3),
    (3, 2, 4),
    (3, 4, 1),
    (32, 48, 3),
]
#: Fixed cases whose image is a crop of the course photo (repeated colours, unsorted values,
#: a constant region), so that dropping, deduplicating or sorting pixels shows.
PHOTO_SHAPES = ((4, 5, 3), (5, 4, 3))
#: The image of the dtype case: 8-bit, as a JPEG loads with plt.imread (a crop of the photo).
UINT8_SHAPE = (4, 5, 3)
#: Where the crops are taken from the course photo (row, column of the top-left corner).
_CROP_AT = (40, 60)
#: Images of the "no loop" case: 100 and 1,600 pixels.
LOOP_SHAPES = ((10, 10, 3), (40, 40, 3))

#: The known mistakes, each named only when the function gives its pixels on every probe.
MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "column_major",
        lambda image: image.reshape(image.shape[0] * image.shape[1], image.shape[2], order="F"),
        "pixels come row by row (NumPy's default C order): order='F', or swapping the "
        "height and width axes, walks down the columns first",
    ),
)


def probes() -> list[tuple[np.ndarray]]:
    """Inputs on which every mistake of :data:`MISTAKES` gives pixels of its own."""
    return [(case_image(shape),) for shape in IMAGE_SHAPES[:3]]  # the first cases' images


#: The hint for a function that changes ``image``.
MUTATION_HINTS = {
    "image": "build a new array (reshape returns one) instead of setting image.shape or "
    "changing values in place: the caller's image must stay as it was",
}
#: The hint for a function that raises in a reshape: the case's sizes.
IMAGE_SIZES_HINT = ExceptionHint(
    "the error comes from a reshape whose sizes do not multiply to the array's size: "
    "in this case {arguments}",
    message_contains=("reshape", "size"),
)
#: Hints for a function that raises, tried in order.
EXCEPTION_HINTS = (IMAGE_SIZES_HINT,)


def distinct_image(shape: tuple[int, int, int], dtype=np.float64) -> np.ndarray:
    """An image whose every entry is distinct, so any mix-up shows."""
    H, W, C = shape
    values = np.arange(H * W * C).reshape(H, W, C)
    if np.dtype(dtype) == np.uint8:
        return (values % 256).astype(np.uint8)
    return (values.astype(dtype) + 1.0) / 100.0


@functools.lru_cache(maxsize=1)
def _course_photo() -> np.ndarray:
    from ..datasets import load_sample_image  # noqa: PLC0415 - read when a check first needs it

    photo = load_sample_image("course")
    photo.flags.writeable = False
    return photo


def photo_crop(shape: tuple[int, int, int], dtype=np.float64) -> np.ndarray:
    """A crop of the course photo that looks like real image data.

    Its values are unsorted and repeat: the top-left 2 x 2 block is one colour
    (a constant region) and the last pixel repeats the first. ``dtype`` uint8
    gives the photo's 8-bit values.

    Examples
    --------
    >>> crop = photo_crop((4, 5, 3))
    >>> crop.shape, len(np.unique(crop.reshape(-1, 3), axis=0)) < 20
    ((4, 5, 3), True)
    """
    H, W, C = shape
    r, c = _CROP_AT
    crop = np.array(_course_photo()[r : r + H, c : c + W, :C], dtype=np.float64)
    crop[:2, :2] = crop[0, 0]
    crop[-1, -1] = crop[0, 0]
    if np.dtype(dtype) == np.uint8:
        return np.round(crop * 255).astype(np.uint8)
    return crop.astype(dtype)


def case_image(shape: tuple[int, int, int], dtype=np.float64) -> np.ndarray:
    """The image of a fixed case of ``shape``: a photo crop for :data:`PHOTO_SHAPES` and the
    8-bit case, else :func:`distinct_image`."""
    if tuple(shape) in PHOTO_SHAPES or np.dtype(dtype) == np.uint8:
        return photo_crop(shape, dtype)
    return distinct_image(shape, dtype)


def describe_image(shape: tuple[int, ...], dtype=np.float64) -> str:
    """``", a crop of the course photo"`` for the cases whose image is one, else ``""``."""
    if tuple(shape) in PHOTO_SHAPES or np.dtype(dtype) == np.uint8:
        return ", a crop of the course photo"
    return ""


def random_image_shapes(rng: np.random.Generator, n: int) -> list[tuple[int, int, int]]:
    """``n`` random (H, W, C) shapes, H and W from 1 to 8, C in {1, 3, 4}."""
    return [
        (int(rng.integers(1, 9)), int(rng.integers(1, 9)), int(rng.choice([1, 3, 4])))
        for _ in range(n)
    ]


def _pixel_position(image: np.ndarray, values: np.ndarray) -> tuple[int, int] | None:
    hits = np.argwhere(np.all(image == values, axis=-1))
    return (int(hits[0][0]), int(hits[0][1])) if len(hits) == 1 else None


def compare_values(
    runner: Runner, what: str, source: np.ndarray, expected: np.ndarray, got: np.ndarray
) -> None:
    """Fail when ``got`` (of the right shape) does not hold ``source``'s values unchanged.

    Shared by the two reshape exercises: a reshape only moves values, so the
    values and the dtype must be those of ``source``.
    """
    if dtype_changed(got, expected):
        runner.fail(
            expected_got(what, expected, got)
            + [
                f"values are right but the dtype is {got.dtype}, expected {expected.dtype} "
                f"(the input's dtype)"
            ],
            f"your values are the input's, in dtype {got.dtype}; the input's dtype is "
            f"{expected.dtype}, and a reshape keeps it (no .astype(...) or dtype= is needed)",
            kind="wrong dtype",
        )
    same_values = np.array_equal(np.sort(got, axis=None), np.sort(source, axis=None))
    if not same_values and got.dtype == expected.dtype:
        return  # the same dtype, other values: the caller explains
    if not same_values:
        runner.fail(
            expected_got(what, expected, got)
            + [
                f"your values are not the input's values, and your dtype is {got.dtype} where "
                f"the input's is {expected.dtype}"
            ],
            f"your result's values are not the input's values, and its dtype is {got.dtype} "
            f"where the input's is {expected.dtype}: a reshape only moves values",
        )


def _compare_pixels(runner: Runner, image: np.ndarray, expected: np.ndarray, got_raw: Any) -> None:
    """Compare the returned (N, C) pixel matrix with the expected one."""
    H, W, C = image.shape
    require_ndarray(runner, got_raw, "pixels", expected, "the array reshape gives")
    got = as_array(got_raw)
    if got is None or got.shape != expected.shape:
        hint = none_hint(got_raw, "X")
        if hint is None and got is not None:
            wanted = f"the exercise returns shape (H * W, C) = {expected.shape}"
            if got.shape == image.shape:
                same = np.array_equal(got, image)
                hint = (
                    f"your result has the image's own shape (H, W, C) = {image.shape}"
                    + (
                        " and its values unchanged (reshape returns a new array and leaves "
                        "the array it is called on as it was)"
                        if same
                        else ""
                    )
                    + f"; {wanted}"
                )
            elif got.shape == (H * W * C,):
                hint = f"your result is one long vector of H * W * C = {H * W * C} values; {wanted}"
            elif got.shape == (C, H * W) and C != H * W:
                hint = (
                    f"your result has shape (C, H * W) = {got.shape}, one row per channel; {wanted}"
                )
            else:
                hint = (
                    f"your result has shape {got.shape}; {wanted}: one row per pixel and one "
                    "column per channel"
                )
        runner.fail(
            expected_got("pixels", expected, got if got is not None else got_raw),
            hint or "return an array of shape (H * W, C)",
            kind="wrong shape",
        )
    compare_values(runner, "pixels", image, expected, got)
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
    mistake = runner.diagnose(MISTAKES, got)
    if mistake is not None:
        runner.fail(lines, mistake.hint, mistake=mistake.name)
    if np.array_equal(np.sort(got, axis=None), np.sort(image, axis=None)):
        hint = "your rows hold the image's values in another order: pixel (r, c) is row r * W + c"
    else:
        hint = "your rows hold values that are not in the image: a reshape only moves values"
    runner.fail(lines, hint)


def _case(
    runner: Runner, shape: tuple[int, int, int], dtype=np.float64, photo: bool = False
) -> None:
    image = case_image(shape, dtype) if photo else distinct_image(shape, dtype)
    expected = _image_io.image_to_pixels(image.copy())
    got = runner.call(image)
    _compare_pixels(runner, image, expected, got)


def _no_loop_case(runner: Runner) -> None:
    small, big = (distinct_image(shape) for shape in LOOP_SHAPES)
    check_no_loop(
        runner,
        (small,),
        (big,),
        small.shape[0] * small.shape[1],
        big.shape[0] * big.shape[1],
        "pixels",
        "the exercise asks for no Python loop over the pixels: one whole-array operation "
        "turns the image into the pixel matrix",
    )


def cases(n_random: int, seed: int) -> list[Case]:
    """The fixed cases, the 8-bit image, ``n_random`` random image shapes, then no loop."""
    out: list[Case] = [
        (
            f"image of shape {shape}{describe_image(shape)}",
            partial(_case, shape=shape, photo=True),
        )
        for shape in IMAGE_SHAPES
    ]
    out.append(
        (
            f"8-bit (uint8) image of shape {UINT8_SHAPE}{describe_image(UINT8_SHAPE, np.uint8)}",
            partial(_case, shape=UINT8_SHAPE, dtype=np.uint8, photo=True),
        )
    )
    out += [
        (f"random image of shape {shape}", partial(_case, shape=shape))
        for shape in random_image_shapes(case_rng(seed, "image_to_pixels"), n_random)
    ]
    small, big = LOOP_SHAPES
    out.append(
        (
            f"no Python loop over the pixels: {small[0] * small[1]} and {big[0] * big[1]} pixels",
            _no_loop_case,
        )
    )
    return out


def check_image_to_pixels(func: Callable, *, n_random: int = 3, seed: int = 0) -> CheckResult:
    """Check a student's ``image_to_pixels(image)``.

    The function must reshape an (H, W, C) image into an (H*W, C) matrix,
    row-major (pixel ``(r, c)`` becomes row ``r * W + c``), for any C,
    non-square and 8-bit images, keeping the values and the dtype, without
    changing ``image`` and without a Python loop over the pixels (the lines
    of Python run must not grow with the number of pixels).

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
        Shows as ``image_to_pixels: 13/13 checks passed``.

    Raises
    ------
    CheckFailure
        On the first failing case, with a hint.

    Examples
    --------
    >>> check_image_to_pixels(lambda image: image.reshape(-1, image.shape[2]))
    image_to_pixels: 13/13 checks passed
    """
    n_random, seed = check_options(n_random, seed)
    runner = Runner("image_to_pixels", func)
    return runner.run(cases(n_random, seed), n_random=n_random, seed=seed)
