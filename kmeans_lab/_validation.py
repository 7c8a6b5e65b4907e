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
import numpy.random  # noqa: F401 - NumPy imports it lazily: at import time here, not in the first call
from numpy.typing import ArrayLike, NDArray


def as_float_matrix(X: ArrayLike, name: str = "X") -> NDArray[np.float64]:
    """Return ``X`` as a finite, non-empty float64 array of shape (N, n)."""
    try:
        arr = np.asarray(X)
    except Exception as exc:  # pragma: no cover - exotic array-likes
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(
            f"{name} must be a numeric array, got dtype {arr.dtype}; "
            "convert it with np.asarray(..., dtype=float)"
        )
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real-valued, got complex dtype {arr.dtype}")
    if arr.ndim != 2:
        hint = "; reshape an (H, W, 3) image with image_to_pixels(image)" if arr.ndim == 3 else ""
        raise ValueError(
            f"{name} must be a 2-D array of shape (N, n_features), got shape {arr.shape}{hint}"
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
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_))):
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
            f"labels must have shape ({n_samples},), one label per row of X, got shape {arr.shape}"
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
class _NotGiven:
    """The type of :data:`NOT_GIVEN` (it shows as ``<not given>`` in ``help()``)."""

    def __repr__(self) -> str:
        return "<not given>"


NOT_GIVEN = _NotGiven()


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


# --- images, colours, callbacks (kmeans_lab.fast, compression) ----------------


def as_rgb_image(image: ArrayLike, name: str = "image") -> NDArray:
    """Return an RGB image as a C-contiguous array of shape (H, W, 3), checked.

    The dtype is kept: uint8 (values 0..255) or floating point with every
    value in [0, 1]. Anything else is refused, never clipped or cast.

    Raises
    ------
    TypeError
        ``image`` is not an array (a file name, say) or its dtype is neither
        uint8 nor floating point.
    ValueError
        Not of shape (H, W, 3), empty, NaN or infinity, float values outside [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> as_rgb_image(np.zeros((2, 4, 3), dtype=np.uint8)).dtype
    dtype('uint8')
    >>> as_rgb_image(np.zeros((2, 4)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: image must have shape (H, W, 3), got (2, 4); a grey image needs three channels: ...
    """
    if (
        isinstance(image, (str, bytes))
        or not hasattr(image, "__len__")
        and not hasattr(image, "__array__")
    ):
        raise TypeError(
            f"{name} must be an array of shape (H, W, 3), got {type(image).__name__}; "
            "load a file with kmeans_lab.load_image(path)"
        )
    arr = np.asarray(image)
    if (
        arr.dtype == bool
        or arr.dtype == object
        or not (arr.dtype == np.uint8 or np.issubdtype(arr.dtype, np.floating))
    ):
        raise TypeError(
            f"{name} must be uint8 in [0, 255] or float in [0, 1], got dtype {arr.dtype}; "
            "convert integers with image.astype(np.uint8) or divide by 255"
        )
    if arr.ndim != 3 or arr.shape[2] != 3:
        hint = ""
        if arr.ndim == 2:
            hint = "; a grey image needs three channels: np.repeat(image[:, :, None], 3, axis=2)"
        elif arr.ndim == 3 and arr.shape[2] == 4:
            hint = "; drop the alpha channel with image[:, :, :3] or load it with load_image"
        raise ValueError(f"{name} must have shape (H, W, 3), got {arr.shape}{hint}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    arr = np.ascontiguousarray(arr)
    if arr.dtype == np.uint8:
        return arr
    lo, hi = float(arr.min()), float(arr.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{name} contains NaN or infinity; every value must be a number in [0, 1]")
    if lo < 0 or hi > 1:
        raise ValueError(
            f"float {name} values must lie in [0, 1], got [{lo:.4g}, {hi:.4g}]; "
            "divide 8-bit data by 255 or clip with np.clip(image, 0, 1)"
        )
    return arr


def as_colours(
    colours: ArrayLike,
    name: str,
    *,
    n_colours: int | None = None,
    count_name: str = "K",
    max_colours: int | None = None,
) -> NDArray[np.float64]:
    """Return RGB colours (a palette, initial centroids) as float64 of shape (K, 3) in [0, 1].

    Parameters
    ----------
    colours : array-like of shape (K, 3)
    name : str
        The argument's name, for messages.
    n_colours : int, optional
        The number of rows required (K); its name in messages is ``count_name``.
    max_colours : int, optional
        The largest number of rows accepted (at least 1 is always required).

    Examples
    --------
    >>> as_colours([[0, 0, 0], [1, 1, 1]], "palette").dtype
    dtype('float64')
    >>> as_colours([[0, 0, 0]], "init", n_colours=2, count_name="n_colors")
    Traceback (most recent call last):
    ...
    ValueError: init has 1 rows but n_colors=2; pass n_colors=1
    """
    bounds = f" with 1 <= {count_name} <= {max_colours}" if max_colours is not None else ""
    try:
        arr = np.asarray(colours)
    except Exception:  # ragged nested lists
        arr = np.empty(0, dtype=object)
    if (
        arr.dtype == object
        or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool)
        or (np.issubdtype(arr.dtype, np.complexfloating))
    ):
        what = f"dtype {arr.dtype}" if isinstance(colours, np.ndarray) else type(colours).__name__
        raise TypeError(
            f"{name} must be an array of RGB colours in [0, 1] of shape ({count_name}, 3), "
            f"got {what}"
        )
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError(
            f"{name} must have shape ({count_name}, 3){bounds}, one RGB colour a row, "
            f"got {arr.shape}"
        )
    if n_colours is not None and arr.shape[0] != n_colours:
        raise ValueError(
            f"{name} has {arr.shape[0]} rows but {count_name}={n_colours}; "
            f"pass {count_name}={arr.shape[0]}"
        )
    if arr.shape[0] == 0 or (max_colours is not None and arr.shape[0] > max_colours):
        raise ValueError(f"{name} must have shape ({count_name}, 3){bounds}, got {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity; colours must lie in [0, 1]")
    if arr.min() < 0 or arr.max() > 1:
        raise ValueError(
            f"{name} must be colours in [0, 1], got values from {arr.min():.4g} to {arr.max():.4g}"
        )
    return arr


def check_callback(value: object, name: str, default, call: str):
    """The function to call for an optional callback argument such as ``progress``.

    ``None`` or ``False``: no callback (returns None); ``True``: ``default``;
    a callable: itself. Anything else is a TypeError whose message shows
    ``call``, how the callback is called.
    """
    if value is None or value is False:
        return None
    if value is True:
        return default
    if not callable(value):
        raise TypeError(
            f"{name} must be True, False, None or a function {call}, got {type(value).__name__}"
        )
    return value


def check_image_shape(shape: object, name: str = "shape") -> tuple[int, int, int]:
    """Return an image shape ``(H, W)`` or ``(H, W, 3)`` as ``(H, W, 3)`` of ints >= 1."""
    items = tuple(shape) if isinstance(shape, (tuple, list, np.ndarray)) else None
    if items is None or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, (bool, np.bool_)) for s in items
    ):
        raise TypeError(f"{name} must be a tuple of integers (H, W) or (H, W, 3), got {shape!r}")
    shape = tuple(int(s) for s in items)
    if len(shape) == 2:
        shape = shape + (3,)
    if len(shape) != 3 or shape[2] != 3 or min(shape) < 1:
        raise ValueError(f"{name} must be (H, W) or (H, W, 3), got {shape}")
    return shape


# --- rng= with its deprecated alias seed= ----------------------------------------


class _DefaultSeed(int):
    """The int 0 as the default of ``rng=``, told apart from an explicit ``rng=0``.

    :func:`rng_from_seed_alias` needs to know whether ``rng`` was given, to
    refuse ``rng=`` and ``seed=`` together; with a plain ``0`` as the default,
    ``rng=0, seed=3`` would pass unnoticed. This is 0 for every other purpose
    (the same random numbers) and shows as ``0`` in signatures.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "0"


#: Default of ``rng`` where the old ``seed`` keyword was deprecated: seed 0, so
#: that results stay reproducible by default, as they were with ``seed=0``.
DEFAULT_SEED = _DefaultSeed(0)


def resolve_rng(rng: object, seed: object, where: str) -> np.random.Generator:
    """The Generator of a function taking ``rng=DEFAULT_SEED, seed=NOT_GIVEN``.

    ``rng`` is an int seed, a ``numpy.random.Generator`` or None (fresh
    randomness); ``seed=`` is its deprecated old name, resolved by
    :func:`rng_from_seed_alias` (a DeprecationWarning pointing at the caller
    of ``where``; a TypeError if ``rng`` is given too). Call it from the public
    function itself, so that the warning names the user's line.

    Examples
    --------
    >>> int(resolve_rng(DEFAULT_SEED, NOT_GIVEN, "f").integers(1000))  # as np.random.default_rng(0)
    850
    """
    if seed is NOT_GIVEN:
        return check_rng(int(rng) if rng is DEFAULT_SEED else rng, "rng")
    # stacklevel: rng_from_seed_alias (1), resolve_rng (2), `where` (3), the user's line (4)
    value = rng_from_seed_alias(None if rng is DEFAULT_SEED else rng, seed, where, stacklevel=4)
    return check_rng(value, "seed")
