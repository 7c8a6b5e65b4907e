"""Input checks shared by the library (private).

Every public function validates what it is given and raises a ``ValueError``
or ``TypeError`` whose message names the argument, the problem and what to do.

One rule decides which: an argument of the wrong *type* (a string where a
number belongs, a float where an integer belongs, a list of objects) raises
``TypeError``; an argument of the right type with a wrong *value* (negative,
out of range, not one of the choices, NaN, the wrong shape) raises
``ValueError``. This module is the library's only argument checker: other
modules call these functions rather than writing their own.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray


def as_float_matrix(X: ArrayLike, name: str = "X") -> NDArray[np.float64]:
    """Return ``X`` as a finite, non-empty float64 array of shape (N, n)."""
    try:
        arr = np.asarray(X)
    except Exception as exc:  # pragma: no cover - exotic array-likes
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise TypeError(
            f"{name} must be a numeric array, got dtype {arr.dtype}; "
            "convert it with np.asarray(..., dtype=float)"
        )
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real-valued, got complex dtype {arr.dtype}")
    if arr.ndim != 2:
        hint = (
            "; reshape an (H, W, 3) image with image_to_pixels(image)"
            if arr.ndim == 3
            else ""
        )
        raise ValueError(
            f"{name} must be a 2-D array of shape (N, n_features), "
            f"got shape {arr.shape}{hint}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    arr = arr.astype(np.float64, copy=False)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} contains NaN or infinity (first at row {bad[0]}, "
            f"column {bad[1]}); remove or replace non-finite values"
        )
    if np.abs(arr).max() > _MAX_ABS:
        raise ValueError(
            f"{name} has values up to {np.abs(arr).max():.3g}: their squared distances would "
            f"overflow; rescale the data (e.g. divide by its largest value)"
        )
    return arr


#: Largest magnitude accepted: squares of differences stay finite below ~1e154.
_MAX_ABS = 1e150


def check_real(value: object, name: str, minimum: float | None = None) -> float:
    """Return ``value`` as a finite float (not a bool); optionally ``>= minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value) or (minimum is not None and value < minimum):
        bound = f" >= {minimum}" if minimum is not None else ""
        raise ValueError(f"{name} must be a finite number{bound}, got {value!r}")
    return value


def check_int(value: object, name: str, minimum: int | None = None) -> int:
    """Return ``value`` as an ``int``; reject bools, floats and small values."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def check_K(K: object, n_samples: int) -> int:
    """Validate the number of clusters against the number of points."""
    K = check_int(K, "K", minimum=1)
    if K > n_samples:
        raise ValueError(
            f"K={K} is larger than the number of points N={n_samples}; "
            f"choose K between 1 and {n_samples}"
        )
    return K


def check_rng(rng: object, name: str = "rng") -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a Generator or an int seed."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (
        isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_))
    ):
        if rng is not None and int(rng) < 0:
            raise ValueError(f"{name} must be a non-negative seed, got {rng}")
        return np.random.default_rng(rng)
    raise TypeError(
        f"{name} must be a numpy.random.Generator or an int seed, got "
        f"{type(rng).__name__}; create one with np.random.default_rng(seed)"
    )


def check_labels(labels: ArrayLike, n_samples: int, K: int) -> NDArray[np.intp]:
    """Validate cluster labels: 1-D integers of length N with values in [0, K)."""
    arr = np.asarray(labels)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(
            f"labels must be an integer array, got dtype {arr.dtype}; "
            "labels index the centroids, so use an integer dtype"
        )
    if arr.shape != (n_samples,):
        raise ValueError(
            f"labels must have shape ({n_samples},), one label per row of X, "
            f"got shape {arr.shape}"
        )
    if n_samples and (arr.min() < 0 or arr.max() >= K):
        raise ValueError(
            f"labels must lie in [0, {K}) for K={K} centroids, "
            f"got values from {arr.min()} to {arr.max()}"
        )
    return arr.astype(np.intp, copy=False)


def check_same_features(X: NDArray, centroids: NDArray) -> None:
    """Check that points and centroids have the same number of features."""
    if X.shape[1] != centroids.shape[1]:
        raise ValueError(
            f"X has {X.shape[1]} features per point but centroids have "
            f"{centroids.shape[1]}; both must have the same number of columns"
        )


def check_choice(value: object, name: str, choices) -> str:
    """Return ``value`` if it is one of the strings ``choices``.

    A value that is not a string is a TypeError; a string that is not one of
    the choices is a ValueError (the rule of this module: the wrong *type*
    raises TypeError, a wrong *value* of the right type raises ValueError).
    """
    options = ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {options}; got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


#: Default of a deprecated ``seed=`` keyword: tells "not given" from ``seed=None``.
NOT_GIVEN = object()


def rng_from_seed_alias(rng: object, seed: object, where: str, *, stacklevel: int = 3) -> object:
    """Resolve the deprecated ``seed=`` alias of an ``rng=`` parameter.

    The library names its randomness parameter ``rng`` everywhere (Scientific
    Python SPEC 7: an int seed or a ``numpy.random.Generator``). Functions that
    used to call it ``seed`` keep accepting ``seed=`` for one release, with a
    ``DeprecationWarning``; giving both is a TypeError.
    """
    if seed is NOT_GIVEN:
        return rng
    if rng is not None:
        raise TypeError(f"{where}: give rng= only (seed= is its deprecated old name), not both")
    import warnings

    warnings.warn(
        f"{where}: seed= is deprecated and will be removed in the next release; use rng= "
        "(it takes the same int seed or a numpy Generator)",
        DeprecationWarning,
        stacklevel=stacklevel,
    )
    return seed


def check_seed(value: object, name: str = "rng") -> int:
    """Return ``value`` as an int seed ``>= 0``, for code that stores its seed.

    :func:`check_rng` also accepts a ``Generator``; code that records the seed
    it was given (the explorer caches and replays every result under its seed)
    takes an int only. A Generator, a float or a bool is a TypeError, a
    negative int a ValueError.
    """
    if isinstance(value, np.random.Generator):
        raise TypeError(
            f"{name} must be an int seed >= 0 here, not a Generator: results are stored "
            f"under their seed; pass an int such as {name}=0"
        )
    return check_int(value, name, minimum=0)


def check_int_between(value: object, name: str, low: int, high: int) -> int:
    """Return ``value`` as an ``int`` with ``low <= value <= high``."""
    value = check_int(value, name)
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return value


def check_type(value: object, name: str, types: type | tuple[type, ...], what: str) -> object:
    """Return ``value`` if it is an instance of ``types``; else a TypeError.

    ``what`` completes the message "``name`` must be ...", e.g. ``"bytes"``.
    """
    if not isinstance(value, types):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__}")
    return value


def as_float_vector(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``values`` as a non-empty 1-D float64 array.

    Values that are not numbers (strings, objects) are a TypeError; a shape
    that is not 1-D, or no values at all, a ValueError.
    """
    message = f"{name} must be a non-empty 1-D sequence of numbers"
    try:
        arr = np.asarray(values)
    except ValueError:  # nested sequences of different lengths
        raise ValueError(message) from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be a sequence of numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real-valued, got complex dtype {arr.dtype}")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(message)
    return arr.astype(np.float64)
