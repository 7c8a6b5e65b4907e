"""Looking at what a student's function returned: arrays, lists, dtypes, precision.

Shared by the exercises' checks: each turns a returned value into an array it
can compare (:func:`as_array`), and fails with the same words when a list comes
back where an array belongs, when nothing is returned, or when the values are
right but the dtype is not.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .messages import describe, expected_got
from .runner import Runner

__all__ = [
    "as_array",
    "none_hint",
    "require_ndarray",
    "dtype_changed",
    "tuple_hint",
    "lower_precision",
    "precision_hint",
]


def as_array(got: Any) -> np.ndarray | None:
    """``got`` as a NumPy array if it is one, or a list/tuple/number of numbers; else None."""
    if isinstance(got, np.ndarray):
        return got
    if isinstance(got, (list, tuple)) or isinstance(got, (numbers.Number, np.generic)):
        try:
            arr = np.asarray(got)
        except Exception:
            return None
        return None if arr.dtype == object else arr
    return None


def none_hint(got: Any, name: str) -> str | None:
    """The hint for a function that returned None (it forgot ``return name``)."""
    if got is None:
        return f"your function returns None: end it with return {name}"
    return None


def require_ndarray(runner: Runner, got: Any, what: str, expected: Any, example: str) -> None:
    """Fail when a list or tuple comes back where a NumPy array is expected:
    later cells use ``.shape`` and array arithmetic on it."""
    if not isinstance(got, (list, tuple)):
        return
    kind = type(got).__name__
    lines = [f"expected a NumPy array, got {kind}"]
    lines += expected_got(what, expected, got) if expected is not None else [f"got {describe(got)}"]
    if isinstance(got, tuple):
        runner.fail(
            lines,
            kind="wrong type",
            hint=tuple_hint(got, f"one NumPy array, the {what}"),
        )
    runner.fail(
        lines,
        kind="wrong type",
        hint=f"return a NumPy array (e.g. {example}), not a Python {kind}: drop "
        ".tolist() and list(...), or wrap the result in np.array(...)",
    )


def tuple_hint(got: tuple, wanted: str, *, one: bool = True) -> str:
    """The fact for a function that returned a tuple of other length than ``wanted``
    (``one``: a single value is wanted, so the return line has a comma too many)."""
    n = len(got)
    kinds = ", ".join(type(v).__name__ for v in got[:4]) + (", ..." if n > 4 else "")
    return (
        f"your function returned a tuple of {n} value{'s' * (n != 1)} ({kinds}); the exercise "
        f"returns {wanted}"
        + (": look at your return line (a comma there makes a tuple)" if one else "")
    )


def dtype_changed(got: np.ndarray, expected: np.ndarray) -> bool:
    """True when ``got`` has the right values in another dtype (e.g. float32)."""
    if got.dtype == expected.dtype or got.shape != expected.shape:
        return False
    if not np.issubdtype(got.dtype, np.number):
        return False
    if np.array_equal(got, expected):
        return True
    return np.issubdtype(got.dtype, np.floating) and np.array_equal(got, expected.astype(got.dtype))


def lower_precision(a: np.ndarray) -> bool:
    """True for a float array less precise than float64 (float32, float16)."""
    return np.issubdtype(a.dtype, np.floating) and np.finfo(a.dtype).bits < 64


def precision_hint(dtype: np.dtype) -> str:
    """The hint for a result in float32 or float16 where float64 was expected."""
    return (
        f"your result is {dtype}, which keeps only about {np.finfo(dtype).precision} "
        f"significant digits: keep float64, NumPy's default (no .astype(np.{dtype}) or "
        f"dtype=np.{dtype} on the way)"
    )
