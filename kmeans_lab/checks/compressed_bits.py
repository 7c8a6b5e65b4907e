"""The check of exercise ``compressed_bits(n_pixels, K)``: 24 bits a colour plus the indices."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from .. import compression as _compression
from .answers import tuple_hint
from .diagnosis import Mistake
from .messages import describe
from .results import CheckResult
from .runner import Case, ExceptionHint, Runner, case_rng, check_options

__all__ = ["check_compressed_bits", "MISTAKES", "probes"]

#: Hints for a function that raises, tried in order.
EXCEPTION_HINTS = (
    ExceptionHint(
        "with K = 1 every pixel has the same colour, so an index needs 0 bits: for K = 1 "
        "the answer is the palette's bits only",
        case_matches=r"\bK=1$",  # the case "n_pixels=100, K=1", not "K=17"
    ),
)

#: (n_pixels, K) of the fixed cases: K = 1, powers of two and their neighbours.
BITS_CASES = [
    (100, 3),
    (16384, 16),
    (1000, 2),
    (100, 1),
    (50, 5),
    (10, 4),
    (7, 17),
    (1, 256),
    (300, 257),
    (640 * 480, 64),
]


def _index_bits(K: int) -> int:
    return (K - 1).bit_length()


def _mistake(total: Callable[[int, int, int], float | None]) -> Callable[[int, int], Any]:
    """A mistaken compressed_bits: ``total(n_pixels, K, b)``, b the right bits of an index."""
    return lambda n, K: total(n, K, _index_bits(K))


#: The known mistakes, each named only when the function gives its numbers on every probe.
MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "no_palette",
        _mistake(lambda n, K, b: n * b),
        "your number counts the indices only: add the palette, 24 bits (one RGB colour) for "
        "each of the K colours",
    ),
    Mistake(
        "8_bits_per_colour",
        _mistake(lambda n, K, b: 8 * K + n * b),
        "each palette colour is an RGB triple: 3 x 8 = 24 bits, not 8",
    ),
    Mistake(
        "no_ceil",
        _mistake(lambda n, K, b: 24 * K + n * math.log2(K)),
        "an index is a whole number of bits: round log2 K up",
    ),
    Mistake(
        "ceil_of_the_total",
        _mistake(lambda n, K, b: int(24 * K + n * math.log2(K))),
        "an index is a whole number of bits: round the bits of one index up before counting "
        "them for every pixel",
    ),
    Mistake(
        "floor_log2",
        _mistake(lambda n, K, b: 24 * K + n * math.floor(math.log2(K))),
        "your indices have one bit too few when K is not a power of two: round log2 K up "
        "(math.ceil), not down",
    ),
    Mistake(
        "K1_at_least_one_bit",
        _mistake(lambda n, K, b: 24 * K + n * max(1, b)),
        "with K = 1 every pixel has the same colour: an index needs 0 bits",
    ),
    Mistake(
        "bit_length_of_K",
        _mistake(lambda n, K, b: 24 * K + n * K.bit_length()),
        "count the bits the largest index needs: the indices go from 0 to K - 1, and for K "
        "a power of two K itself needs one bit more",
    ),
    Mistake(
        "palette_per_pixel",
        _mistake(lambda n, K, b: 24 * n + n * b),
        "the palette has K colours: 24 bits for each colour, not for each pixel",
    ),
    Mistake(
        "product",
        _mistake(lambda n, K, b: 24 * K * n),
        "add the palette and the indices (24 bits a colour, plus one index for each pixel); "
        "don't multiply them",
    ),
)


def probes() -> list[tuple[int, int]]:
    """Inputs on which every mistake of :data:`MISTAKES` gives numbers of its own."""
    return list(BITS_CASES)


def _fact(n: int, K: int, got: Any) -> str:
    """The hint when no mistake is proved: the sum, term by term, and the number returned."""
    b = _index_bits(K)
    why = (
        "with K = 1 an index needs 0 bits"
        if K == 1
        else f"the indices 0 to {K - 1} need {b} bit{'s' * (b != 1)} each "
        f"(2^{b - 1} = {2 ** (b - 1)} < K = {K} <= 2^{b} = {2**b})"
    )
    text = (
        f"{why}: the palette's {24 * K} bits (24 a colour) plus {n} pixel{'s' * (n != 1)} x "
        f"{b} bit{'s' * (b != 1)} make {24 * K + n * b}; yours is {describe(got)}"
    )
    if n > 0:
        per_pixel = (float(got) - 24 * K) / n
        text += f", which is {24 * K} + {n} x {per_pixel:.6g}"
    return text


def _case(runner: Runner, n: int, K: int) -> None:
    expected = _compression.compressed_bits(n, K)
    got = runner.call(n, K)
    is_int = isinstance(got, (numbers.Integral,)) and not isinstance(got, (bool, np.bool_))
    if is_int and int(got) == expected:
        return
    lines = [
        f"expected {expected} (int): the palette plus the indices, for {n} pixel"
        f"{'s' * (n != 1)} and {K} colour{'s' * (K != 1)}",
        f"got      {describe(got)}",
    ]
    if got is None:
        runner.fail(lines, "your function returns None: end it with a return of the number of bits")
    if (
        isinstance(got, (numbers.Real, np.generic))
        and not isinstance(got, (bool, np.bool_))
        and np.isfinite(float(got))
    ):
        if float(got) == expected:
            runner.fail(lines, f"your number is right but a {type(got).__name__}: return an int")
        mistake = runner.diagnose(MISTAKES, got)
        if mistake is not None:
            runner.fail(lines, mistake.hint, mistake=mistake.name)
        runner.fail(lines, _fact(n, K, got))
    if isinstance(got, tuple):
        runner.fail(lines, tuple_hint(got, "one number, an int"))
    runner.fail(lines, "return the number of bits as an int")


def cases(n_random: int, seed: int) -> list[Case]:
    """The fixed (n_pixels, K) cases, then ``n_random`` random ones."""
    sizes = list(BITS_CASES)
    rng = case_rng(seed, "compressed_bits")
    for _ in range(n_random):
        sizes.append((int(rng.integers(1, 10**6)), int(rng.integers(1, 5000))))
    return [(f"n_pixels={n}, K={K}", partial(_case, n=n, K=K)) for n, K in sizes]


def check_compressed_bits(func: Callable, *, n_random: int = 3, seed: int = 0) -> CheckResult:
    """Check a student's ``compressed_bits(n_pixels, K)``.

    The function must return, as an int, ``24 * K + n_pixels * ceil(log2 K)``:
    the palette (24 bits a colour) plus one index per pixel (0 bits when
    K = 1). Cases include K = 1, powers of two and their neighbours.

    Parameters
    ----------
    func : callable
        The student's ``compressed_bits``.
    n_random : int, default=3
        Extra cases with random sizes, compared with the reference.
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
    >>> import math
    >>> check_compressed_bits(lambda n_pixels, K: 24 * K + n_pixels * math.ceil(math.log2(K)))
    compressed_bits: 13/13 checks passed
    """
    n_random, seed = check_options(n_random, seed)
    runner = Runner("compressed_bits", func)
    return runner.run(cases(n_random, seed), n_random=n_random, seed=seed)
