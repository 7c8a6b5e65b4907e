"""Use the student's function when it passes its check, the reference otherwise.

Later cells of a notebook call :func:`student_or_reference`, so a notebook
whose exercises are not all done (or not all right) still runs from top to
bottom, and says so in one line.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .registry import EXERCISES, REGISTRY
from .results import CheckFailure, CheckResult

__all__ = ["student_or_reference", "check_function"]


def check_function(name: str) -> Callable[..., CheckResult]:
    """The check of exercise ``name``: ``check_<name>`` from its module in this package."""
    module = importlib.import_module(f".{name}", __package__)
    return getattr(module, REGISTRY[name].check_name)


def student_or_reference(
    func: Callable | None, name: str | None = None, *, verbose: bool = True
) -> Callable:
    """Return the student's function if it passes its check, else the reference.

    Later cells of a notebook call this, so a notebook whose exercises are
    not all done (or not all right) still runs from top to bottom. It prints
    one line saying which function is used and why.

    Parameters
    ----------
    func : callable or None
        The student's function, e.g. ``find_closest_centroids``.
    name : str, optional
        The exercise; defaults to ``func.__name__``. One of
        :data:`~kmeans_lab.checks.EXERCISES`.
    verbose : bool, default=True
        Print the one-line explanation.

    Returns
    -------
    callable
        ``func`` when its check passes, otherwise the course's reference
        implementation (e.g. :func:`kmeans_lab.find_closest_centroids`).

    Raises
    ------
    ValueError
        If the exercise cannot be told from ``name`` or ``func.__name__``.

    Examples
    --------
    >>> def find_closest_centroids(X, centroids):
    ...     raise NotImplementedError()
    >>> f = student_or_reference(find_closest_centroids)
    using the reference find_closest_centroids: yours is not implemented yet
    >>> f.__module__
    'kmeans_lab.kmeans'
    """
    if name is None:
        name = getattr(func, "__name__", None)
    if name not in REGISTRY:
        raise ValueError(
            f"cannot tell which exercise {name!r} is; pass name=, one of {', '.join(EXERCISES)}"
        )
    reference = REGISTRY[name].reference_function()
    if func is None or not callable(func):
        if verbose:
            print(f"using the reference {name}: yours is not defined")
        return reference
    try:
        result = check_function(name)(func)
    except CheckFailure as failure:
        if verbose:
            print(f"using the reference {name}: yours {failure.reason}")
        return reference
    if verbose:
        print(f"using your {name}: it passes its check ({result.n_passed}/{result.n_total})")
    return func
